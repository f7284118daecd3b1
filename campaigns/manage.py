"""Creating and changing a merchant's campaigns, launching and pausing them, and what a launch would do.

Every call is scoped to one merchant: another merchant's campaign is simply not found. A
definition is parsed (``campaigns.definitions``) and a subject or body checked as Liquid before
anything is saved, so a refusal names the field at fault.

Edits: a draft or paused campaign may change anything. An active one must be paused first,
so a run never sees half an edit. The holdout share never changes once someone entered: the
groups already drawn would no longer be the share the results assume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from campaigns.audiences import Evaluation
from campaigns.builtin import template_for
from campaigns.definitions import CodeKind, parse
from campaigns.errors import CampaignNotFound, InvalidCampaign, NameTaken, WrongStatus
from campaigns.holdout import group_of
from campaigns.mail import check_template
from campaigns.models import Campaign, CampaignEntry, CampaignKind, CampaignStatus, Group
from campaigns.runner import period_of
from loyalty.models import Member
from loyalty.program import load_program
from store.models import Customer, Store

EDITABLE = ("name", "audience", "actions", "period_days", "holdout_percent", "attribution_days", "subject", "body")
SAMPLE_SIZE = 10


async def create(merchant_id: int, kind: CampaignKind | str, **values: Any) -> Campaign:
    """A draft: a built-in kind's defaults with ``values`` over them, or a custom campaign, which
    needs its own ``audience`` and ``actions``."""
    try:
        kind = CampaignKind(kind)
    except ValueError:
        raise InvalidCampaign(f"unknown kind {kind!r}", ("kind",)) from None
    _known(values)
    if kind == CampaignKind.CUSTOM:
        for needed in ("name", "audience", "actions"):
            if values.get(needed) is None:
                raise InvalidCampaign(f"a custom campaign needs {needed}", (needed,))
        defaults: dict[str, Any] = {"period_days": 30, "holdout_percent": 10, "attribution_days": 30}
    else:
        template = template_for(kind)
        defaults = {
            "name": template.name,
            "audience": template.audience,
            "actions": template.actions,
            "period_days": template.period_days,
            "holdout_percent": template.holdout_percent,
            "attribution_days": template.attribution_days,
        }
    merged = {"subject": "", "body": ""} | defaults | {k: v for k, v in values.items() if v is not None}
    _validate(merged)
    try:
        return await Campaign.create(merchant_id=merchant_id, kind=kind, **merged)
    except IntegrityError:
        raise NameTaken(f"a campaign named {merged['name']!r} exists", ("name",)) from None


async def update(merchant_id: int, campaign_id: int, **values: Any) -> Campaign:
    campaign = await get(merchant_id, campaign_id)
    _known(values)
    changes = {k: v for k, v in values.items() if v is not None}
    if not changes:
        return campaign
    if campaign.status == CampaignStatus.ACTIVE:
        raise WrongStatus("pause the campaign before changing it", ("id",))
    if (
        "holdout_percent" in changes
        and changes["holdout_percent"] != campaign.holdout_percent
        and await CampaignEntry.filter(campaign_id=campaign.id).exists()
    ):
        raise WrongStatus(
            "the holdout share cannot change once members entered: it would bias the results",
            ("holdout_percent",),
        )
    merged = {name: getattr(campaign, name) for name in EDITABLE} | changes
    _validate(merged)
    for name, value in changes.items():
        setattr(campaign, name, value)
    try:
        await campaign.save()
    except IntegrityError:
        raise NameTaken(f"a campaign named {merged['name']!r} exists", ("name",)) from None
    return campaign


async def launch(merchant_id: int, campaign_id: int, now: datetime | None = None) -> Campaign:
    """A draft or paused campaign becomes active; its runs start with the next job."""
    campaign = await get(merchant_id, campaign_id)
    if campaign.status == CampaignStatus.ACTIVE:
        raise WrongStatus("the campaign is already active", ("id",))
    parse(campaign.audience, campaign.actions)
    campaign.status = CampaignStatus.ACTIVE
    campaign.launched_at = campaign.launched_at or now or datetime.now(UTC)
    campaign.paused_at = None
    await campaign.save()
    return campaign


async def pause(merchant_id: int, campaign_id: int, now: datetime | None = None) -> Campaign:
    campaign = await get(merchant_id, campaign_id)
    if campaign.status != CampaignStatus.ACTIVE:
        raise WrongStatus(f"only an active campaign can be paused; this one is {campaign.status.value}", ("id",))
    campaign.status = CampaignStatus.PAUSED
    campaign.paused_at = now or datetime.now(UTC)
    await campaign.save()
    return campaign


async def get(merchant_id: int, campaign_id: int) -> Campaign:
    campaign = await Campaign.get_or_none(id=campaign_id, merchant_id=merchant_id)
    if campaign is None:
        raise CampaignNotFound(f"no campaign {campaign_id}", ("id",))
    return campaign


async def list_campaigns(merchant_id: int | None = None, status: CampaignStatus | None = None) -> list[Campaign]:
    """A merchant's campaigns (every merchant's for the operator's CLI), oldest first."""
    queryset = Campaign.all() if merchant_id is None else Campaign.filter(merchant_id=merchant_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return await queryset.order_by("merchant_id", "id")


def _known(values: dict[str, Any]) -> None:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise InvalidCampaign(f"unknown campaign fields: {', '.join(sorted(unknown))}", (sorted(unknown)[0],))


def _whole(values: dict[str, Any], name: str, low: int, high: int) -> None:
    value = values.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidCampaign(f"{name} is a whole number from {low} to {high}", (name,))


def _validate(values: dict[str, Any]) -> None:
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidCampaign("name is 1 to 200 characters", ("name",))
    values["name"] = name.strip()
    definition = parse(values["audience"], values["actions"])
    values["audience"], values["actions"] = definition.audience.to_json(), definition.actions.to_json()
    _whole(values, "period_days", 0, 3650)
    _whole(values, "holdout_percent", 0, 50)
    _whole(values, "attribution_days", 1, 365)
    for text, limit in (("subject", 200), ("body", 5000)):
        if not isinstance(values.get(text), str):
            raise InvalidCampaign(f"{text} is text", (text,))
        check_template(values[text], path=(text,), limit=limit)


@dataclass(frozen=True)
class SampleMember:
    """One member a launch would enter: their key, the insight profile to show and their loyalty member."""

    key: int
    profile_id: int
    member_id: int | None
    group: Group
    name: str
    email: str | None


@dataclass
class Preview:
    """What launching would do now: who would enter this period, in which group, and what it may cost."""

    campaign: Campaign
    audience_size: int
    treated: int
    holdout: int
    already_entered: int
    sample: list[SampleMember]
    estimated_cost: Decimal | None
    currency: str
    cost_basis: str
    sample_data: dict[str, Any] = field(default_factory=dict)
    sample_locale: str | None = None
    sample_email: str | None = None


async def preview(merchant_id: int, campaign_id: int, now: datetime | None = None) -> Preview:
    """The audience now, less those already entered this period, split as the runner would split it."""
    now = now or datetime.now(UTC)
    campaign = await get(merchant_id, campaign_id)
    definition = parse(campaign.audience, campaign.actions)
    evaluation = await Evaluation.start(merchant_id, now)
    members = await evaluation.members(definition.audience)
    birthdays = await evaluation.birthdays() if campaign.kind == CampaignKind.BIRTHDAY else {}
    periods = {pid: period_of(campaign, now, birthdays[pid][0] if pid in birthdays else None) for pid in members}
    entered = set(
        await CampaignEntry.filter(campaign_id=campaign.id, period__in=sorted(set(periods.values()))).values_list(
            "profile_id", "period"
        )
    )
    fresh = sorted(pid for pid in members if (pid, periods[pid]) not in entered)
    groups = {pid: group_of(campaign.id, pid, campaign.holdout_percent) for pid in fresh}
    treated = sum(1 for g in groups.values() if g == Group.TREATED)
    sample = await _sample(evaluation, fresh[:SAMPLE_SIZE], groups)
    cost, currency, basis = await _cost(merchant_id, definition.actions, treated, now)
    found = Preview(
        campaign, len(fresh), treated, len(fresh) - treated, len(members) - len(fresh), sample, cost, currency, basis
    )
    first = next((s for s in sample if s.group == Group.TREATED), None)
    if first is not None:
        account = await Customer.filter(id=_first_account(evaluation, first.key)).first()
        store_id = (await evaluation.last_store()).get(first.key)
        store = evaluation.stores.get(store_id) if store_id is not None else None
        member = await Member.get_or_none(profile_id=first.key)
        found.sample_email = first.email
        found.sample_locale = account.locale if account is not None and account.locale in ("en", "fr") else None
        found.sample_data = {
            "first_name": account.first_name if account is not None and account.first_name else "",
            "balance": member.available if member is not None else 0,
            "tier": member.tier if member is not None else None,
            "points_granted": definition.actions.points,
        }
        if store is not None:
            found.sample_data |= {"store_name": store["name"] or store["domain"], "currency": store["currency"]}
        if definition.actions.code is not None:
            found.sample_data |= {
                "code": "PREVIEW-CODE",
                "code_kind": definition.actions.code.kind.value,
                "code_value": str(definition.actions.code.value),
            }
    return found


def _first_account(evaluation: Evaluation, key: int) -> int | None:
    accounts = evaluation.people.accounts_of_key.get(key)
    return accounts[0][0] if accounts else None


async def _sample(evaluation: Evaluation, keys: list[int], groups: dict[int, Group]) -> list[SampleMember]:
    account_ids = [a for k in keys if (a := _first_account(evaluation, k)) is not None]
    rows = {
        row["id"]: row
        for row in await Customer.filter(id__in=account_ids).values(
            "id", "profile_id", "first_name", "last_name", "email"
        )
    }
    members = dict(await Member.filter(profile_id__in=keys).values_list("profile_id", "id"))
    sample = []
    for key in keys:
        row = rows.get(_first_account(evaluation, key) or 0, {})
        name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
        sample.append(
            SampleMember(key, row.get("profile_id") or key, members.get(key), groups[key], name, row.get("email"))
        )
    return sample


async def _cost(merchant_id: int, actions: Any, treated: int, now: datetime) -> tuple[Decimal | None, str, str]:
    """Codes at full value for every treated member (amounts off only: a percentage or free shipping
    depends on the order), plus points at the program's point value."""
    rules = (await load_program(merchant_id)).rules_now(now)
    if rules is not None:
        currency = rules.currency
    else:
        store = await Store.filter(merchant_id=merchant_id).order_by("id").first()
        currency = store.currency if store is not None else "USD"
    total, parts = Decimal(0), []
    known = False
    code = actions.code
    if code is not None:
        if code.kind == CodeKind.FIXED_AMOUNT:
            total += code.value * treated
            known = True
            parts.append(f"{treated} codes of {code.value} {currency} if every one is used")
        else:
            parts.append(f"{code.kind.value.replace('_', ' ')} codes are not counted: their cost depends on the order")
    if actions.points:
        if rules is not None:
            total += rules.point_value * actions.points * treated
            known = True
            parts.append(f"{actions.points * treated} points at {rules.point_value} {currency} a point")
        else:
            parts.append("points are not counted: the merchant has no loyalty program to value them")
    if not parts:
        return Decimal(0), currency, "this campaign gives no code and no points"
    return (total.quantize(Decimal("0.01")) if known else None), currency, "; ".join(parts)
