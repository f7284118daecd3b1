"""Identity corrections (split, merge), privacy requests (export, erase) and the on-demand refresh.

Identity and privacy changes are made by ``insights`` itself (the same code the CLI and the
platform webhooks use), with the caller recorded as the actor; this module only checks that
every id belongs to the caller's merchant and turns expected failures into ``userErrors``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import strawberry
from strawberry.scalars import JSON
from tortoise.transactions import in_transaction

from insights.errors import SplitRefused
from insights.identity import resolve, split_customers
from insights.models import IdentityDecision
from insights.privacy import erase_profile, export_profile
from loyalty import privacy as loyalty_privacy
from schema.core.context import AdminInfo
from schema.core.ids import pk_of, to_gid
from schema.insights.errors import (
    IdentityErrorCode,
    IdentityUserError,
    InsightsRefreshErrorCode,
    InsightsRefreshUserError,
    PrivacyErrorCode,
    PrivacyUserError,
)
from schema.insights.overview import InsightsRefreshRun, last_refresh
from schema.people.types import ProfileNode
from store.models import Customer, Profile
from store.people import resolve_profile

FUTURE_SLACK = timedelta(days=1)


@strawberry.input
class SplitProfileInput:
    customer_ids: list[strawberry.ID] = strawberry.field(
        description="customers of one profile that are someone else; they get a profile of their own"
    )


@strawberry.type
class SplitProfilePayload:
    profile: ProfileNode | None = strawberry.field(description="the new profile of the customers split off")
    remaining_profile: ProfileNode | None = strawberry.field(description="the profile the others stay in")
    user_errors: list[IdentityUserError]


@strawberry.input
class MergeProfilesInput:
    profile_ids: list[strawberry.ID] = strawberry.field(
        description="two or more profiles of one person; earlier splits between them are withdrawn"
    )


@strawberry.type
class MergeProfilesPayload:
    profile: ProfileNode | None = strawberry.field(description="the one profile the person has now")
    user_errors: list[IdentityUserError]


@strawberry.input
class ExportProfileInput:
    profile_id: strawberry.ID


@strawberry.type
class ExportProfilePayload:
    document: JSON | None = strawberry.field(
        description="everything held on the person: profile, store accounts, orders, identity evidence"
    )
    user_errors: list[PrivacyUserError]


@strawberry.input
class EraseProfileInput:
    profile_id: strawberry.ID


@strawberry.type
class EraseProfilePayload:
    profile_id: strawberry.ID | None = strawberry.field(
        description="the erased person's profile (the row stays, empty)"
    )
    counts: JSON | None = strawberry.field(description="rows changed per table; order sums stay")
    user_errors: list[PrivacyUserError]


@strawberry.input
class RefreshInsightsInput:
    as_of: datetime | None = strawberry.field(
        default=None, description="taken as today for recency and CLV; default: the start of the day the job runs (UTC)"
    )


@strawberry.type
class RefreshInsightsPayload:
    queued: bool
    last_run: InsightsRefreshRun | None = strawberry.field(description="the newest refresh before this one")
    user_errors: list[InsightsRefreshUserError]


class _KeptApart(Exception):
    """Resolution left the profiles apart: roll the withdrawn rulings back."""


def _identity_error(message: str, code: IdentityErrorCode, *field: str) -> list[IdentityUserError]:
    return [IdentityUserError(field=["input", *field] if field else None, message=message, code=code)]


async def _own_profile(info: AdminInfo, value: str) -> int | None:
    """The surviving profile behind an id of the caller's merchant, else ``None``."""
    pk = pk_of(value, "Profile")
    if pk is None or not await Profile.filter(id=pk, merchant_id=info.context.viewer.merchant_id).exists():
        return None
    return await resolve_profile(pk)


@strawberry.type
class InsightsMutations:
    @strawberry.mutation(
        description="Undo a wrong merge: the customers move to a new profile and later runs keep them apart"
    )
    async def split_profile(self, info: AdminInfo, input: SplitProfileInput) -> SplitProfilePayload:
        def fail(errors: list[IdentityUserError]) -> SplitProfilePayload:
            return SplitProfilePayload(profile=None, remaining_profile=None, user_errors=errors)

        scope = info.context.loaders.scope
        if not input.customer_ids:
            return fail(_identity_error("give at least one customer", IdentityErrorCode.INVALID, "customerIds"))
        pks = [pk_of(value, "Customer") for value in input.customer_ids]
        rows = {
            r["id"]: r["profile_id"]
            for r in await scope.customers().filter(id__in=[p for p in pks if p]).values("id", "profile_id")
        }
        missing = [i for i, pk in enumerate(pks) if pk not in rows]
        if missing:
            return fail(
                [
                    e
                    for i in missing
                    for e in _identity_error(
                        "no such customer of this merchant", IdentityErrorCode.NOT_FOUND, "customerIds", str(i)
                    )
                ]
            )
        profiles = set(rows.values())
        if len(profiles) != 1 or None in profiles:
            return fail(
                _identity_error(
                    "the customers must all belong to one profile", IdentityErrorCode.NOT_ONE_PROFILE, "customerIds"
                )
            )
        profile_id = profiles.pop()
        if not await scope.customers().filter(profile_id=profile_id).exclude(id__in=list(rows)).exists():
            return fail(
                _identity_error(
                    "a split must leave at least one customer in the profile",
                    IdentityErrorCode.NOTHING_LEFT,
                    "customerIds",
                )
            )
        try:
            new_id = await split_customers(list(rows), actor=info.context.viewer.actor)
        except SplitRefused as exc:  # the customers changed since they were checked
            return fail(_identity_error(str(exc), IdentityErrorCode.INVALID, "customerIds"))
        info.context.loaders.forget()
        found = {p.id: p for p in await Profile.filter(id__in=[new_id, profile_id])}
        return SplitProfilePayload(
            profile=ProfileNode.of(found[new_id]), remaining_profile=ProfileNode.of(found[profile_id]), user_errors=[]
        )

    @strawberry.mutation(
        description="Join profiles of one person: withdraws the splits between them and resolves again; "
        "the profiles must share an email or phone (a merge without evidence would not last); "
        "loyalty balances stay apart until ownershipConfirm"
    )
    async def merge_profiles(self, info: AdminInfo, input: MergeProfilesInput) -> MergeProfilesPayload:
        def fail(errors: list[IdentityUserError]) -> MergeProfilesPayload:
            return MergeProfilesPayload(profile=None, user_errors=errors)

        survivors = [await _own_profile(info, value) for value in input.profile_ids]
        missing = [i for i, pk in enumerate(survivors) if pk is None]
        if missing:
            return fail(
                [
                    e
                    for i in missing
                    for e in _identity_error(
                        "no such profile of this merchant", IdentityErrorCode.NOT_FOUND, "profileIds", str(i)
                    )
                ]
            )
        wanted = set(survivors)
        if len(wanted) < 2:
            return fail(
                _identity_error("give two or more different profiles", IdentityErrorCode.TOO_FEW_PROFILES, "profileIds")
            )
        merchant_id = info.context.viewer.merchant_id
        rows = await info.context.loaders.scope.customers().filter(profile_id__in=wanted).values("id", "profile_id")
        profile_of = {r["id"]: r["profile_id"] for r in rows}
        try:
            async with in_transaction():
                rulings = await IdentityDecision.filter(
                    merchant_id=merchant_id, customer_a_id__in=list(profile_of), customer_b_id__in=list(profile_of)
                ).values_list("id", "customer_a_id", "customer_b_id")
                across = [pk for pk, a, b in rulings if profile_of[a] != profile_of[b]]
                await IdentityDecision.filter(id__in=across).delete()
                await resolve(merchant_id, set(profile_of))
                after = set(await Customer.filter(id__in=list(profile_of)).values_list("profile_id", flat=True))
                if len(after) != 1:
                    raise _KeptApart
        except _KeptApart:
            return fail(
                _identity_error(
                    "these profiles share no email or phone, so identity resolution keeps them apart",
                    IdentityErrorCode.NO_EVIDENCE,
                    "profileIds",
                )
            )
        info.context.loaders.forget()
        return MergeProfilesPayload(profile=ProfileNode.of(await Profile.get(id=after.pop())), user_errors=[])

    @strawberry.mutation(description="Everything held on a person, as one JSON document (audited)")
    async def export_profile(self, info: AdminInfo, input: ExportProfileInput) -> ExportProfilePayload:
        profile_id = await _own_profile(info, input.profile_id)
        if profile_id is None:
            return ExportProfilePayload(
                document=None,
                user_errors=[
                    PrivacyUserError(
                        field=["input", "profileId"],
                        message="no such profile of this merchant",
                        code=PrivacyErrorCode.NOT_FOUND,
                    )
                ],
            )
        document = await export_profile(
            profile_id, actor=info.context.viewer.actor, exporters={"loyalty": loyalty_privacy.export_profile}
        )
        return ExportProfilePayload(document=document, user_errors=[])

    @strawberry.mutation(
        description="Erase a person's personal data on every store (order sums stay; audited; cannot be undone)"
    )
    async def erase_profile(self, info: AdminInfo, input: EraseProfileInput) -> EraseProfilePayload:
        def fail(message: str, code: PrivacyErrorCode) -> EraseProfilePayload:
            return EraseProfilePayload(
                profile_id=None,
                counts=None,
                user_errors=[PrivacyUserError(field=["input", "profileId"], message=message, code=code)],
            )

        profile_id = await _own_profile(info, input.profile_id)
        if profile_id is None:
            return fail("no such profile of this merchant", PrivacyErrorCode.NOT_FOUND)
        if not await info.context.loaders.scope.customers().filter(profile_id=profile_id).exists():
            return fail("this person has no store account left to erase", PrivacyErrorCode.ALREADY_ERASED)
        counts = await erase_profile(
            profile_id, actor=info.context.viewer.actor, erasers={"loyalty": loyalty_privacy.erase_profile}
        )
        info.context.loaders.forget()
        return EraseProfilePayload(profile_id=to_gid("Profile", profile_id), counts=counts, user_errors=[])

    @strawberry.mutation(
        description="Queue a full insights refresh of the merchant (identity, profiles, segments, predictions, recommendations)"
    )
    async def refresh_insights(self, info: AdminInfo, input: RefreshInsightsInput) -> RefreshInsightsPayload:
        merchant_id = info.context.viewer.merchant_id

        async def done(
            queued: bool,
            message: str | None = None,
            code: InsightsRefreshErrorCode | None = None,
            field: list[str] | None = None,
        ) -> RefreshInsightsPayload:
            errors = [InsightsRefreshUserError(field=field, message=message, code=code)] if message and code else []
            return RefreshInsightsPayload(queued=queued, last_run=await last_refresh(merchant_id), user_errors=errors)

        as_of = input.as_of.replace(tzinfo=input.as_of.tzinfo or UTC) if input.as_of is not None else None
        if as_of is not None and as_of > datetime.now(UTC) + FUTURE_SLACK:
            return await done(
                False, "asOf cannot be in the future", InsightsRefreshErrorCode.INVALID, ["input", "asOf"]
            )
        refresher = info.context.services.insights
        if refresher is None:
            return await done(False, "the job queue is not available", InsightsRefreshErrorCode.UNAVAILABLE)
        if not await refresher.refresh(merchant_id, as_of):
            return await done(
                False, "a refresh of this merchant is already queued", InsightsRefreshErrorCode.ALREADY_QUEUED
            )
        return await done(True)
