"""The merchant confirms that accounts insights matched as one person are one person: then, and
only then, they share a loyalty balance (``loyalty.ownership.confirm_accounts``)."""

from __future__ import annotations

import strawberry

from loyalty.ownership import confirm_accounts
from schema.core.context import AdminInfo
from schema.core.ids import pk_of
from schema.insights.errors import IdentityErrorCode, IdentityUserError
from schema.people.types import ProfileNode
from store.models import Profile
from store.people import resolve_profile

MAX_ACCOUNTS = 50


@strawberry.input
class OwnershipConfirmInput:
    customer_ids: list[strawberry.ID] = strawberry.field(
        description="two or more accounts of one profile (its probablySamePerson and the account they match)"
    )


@strawberry.type
class OwnershipConfirmPayload:
    profile: ProfileNode | None = strawberry.field(description="the person, whose accounts now share one balance")
    user_errors: list[IdentityUserError]


@strawberry.type
class OwnershipMutations:
    @strawberry.mutation(
        description="Confirm that accounts matched on unverified keys belong to one person: "
        "their loyalty balances are joined (transfer entries record it)"
    )
    async def ownership_confirm(self, info: AdminInfo, input: OwnershipConfirmInput) -> OwnershipConfirmPayload:
        def fail(message: str, code: IdentityErrorCode, *field: str) -> OwnershipConfirmPayload:
            return OwnershipConfirmPayload(
                profile=None,
                user_errors=[IdentityUserError(field=["input", "customerIds", *field], message=message, code=code)],
            )

        if not 2 <= len(input.customer_ids) <= MAX_ACCOUNTS:
            return fail(f"give 2 to {MAX_ACCOUNTS} accounts", IdentityErrorCode.INVALID)
        pks = [pk_of(value, "Customer") for value in input.customer_ids]
        rows = {
            r["id"]: r["profile_id"]
            for r in await info.context.loaders.scope.customers()
            .filter(id__in=[pk for pk in pks if pk], deleted_at=None)
            .values("id", "profile_id")
        }
        for index, pk in enumerate(pks):
            if pk not in rows:
                return fail("no such account of this merchant", IdentityErrorCode.NOT_FOUND, str(index))
        if len(set(pks)) < 2:
            return fail("give two or more different accounts", IdentityErrorCode.INVALID)
        people = {await resolve_profile(pid) if pid is not None else None for pid in rows.values()}
        if len(people) != 1 or None in people:
            return fail(
                "the accounts are not matched as one person; only a match can be confirmed",
                IdentityErrorCode.NOT_ONE_PROFILE,
            )
        await confirm_accounts(list(rows))
        info.context.loaders.forget()
        return OwnershipConfirmPayload(profile=ProfileNode.of(await Profile.get(id=people.pop())), user_errors=[])
