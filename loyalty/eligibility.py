"""Who may redeem a reward, and when: tier and value-tier rewards, launches with early access,
per-member limits and stock.

``locks`` is a pure function, so the storefront (showing a locked reward with what unlocks it)
and ``rewards.redeem`` (refusing it under the member's row lock) agree on every rule. The
member's value tier is insights' and is given by the caller as a plain string: loyalty does not
read insights.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from loyalty.models import Reward, RewardKind
from loyalty.rules import Rules


class RewardLockReason(StrEnum):
    """Why a shopper cannot redeem a reward now; ``POINTS`` is always listed last."""

    TIER = "tier"
    VALUE_TIER = "value_tier"
    NOT_YET = "not_yet"
    MEMBER_LIMIT = "member_limit"
    OUT_OF_STOCK = "out_of_stock"
    POINTS = "points"


@dataclass(frozen=True, slots=True)
class Lock:
    """One reason a reward is locked, with what unlocks it."""

    reason: RewardLockReason
    message: str
    """English, for widgets that do not localize by ``reason``."""
    tier: str | None = None
    value_tiers: tuple[str, ...] = ()
    until: datetime | None = None
    """When it opens (a launch) or the member's limit frees a redemption again."""
    points_to_go: int | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """A member's redemptions of one reward counted by its limit (failed ones never count)."""

    count: int = 0
    frees_at: datetime | None = None
    """When the oldest counted redemption leaves the period, so one more is allowed (rolling periods)."""


NO_USAGE = Usage()


class Holder(Protocol):
    """The member fields eligibility reads (an ORM ``Member`` or the ledger's locked row)."""

    @property
    def tier(self) -> str | None: ...

    @property
    def available(self) -> int: ...


def cost_of(reward: Reward) -> int:
    """The fewest points a reward takes: its cost, or a points-to-cash reward's minimum."""
    return reward.min_points if reward.kind == RewardKind.POINTS_TO_CASH else reward.points_cost


def stock_left(reward: Reward) -> int | None:
    """Codes the reward may still issue; ``None`` when its stock is unlimited."""
    return None if reward.stock is None else max(0, reward.stock - reward.claimed)


def reaches(tier: str | None, needed: str | None, rules: Rules | None) -> bool:
    """Whether a member's tier is ``needed`` or above; a tier the program no longer has admits no one."""
    if needed is None:
        return True
    if rules is None or rules.tier(needed) is None:
        return False
    return rules.tier_rank(tier) >= rules.tier_rank(needed)


def starts_for(reward: Reward, tier: str | None, rules: Rules | None) -> datetime | None:
    """When this member may redeem (and the code works): the early tier's start, or the launch."""
    if reward.early_starts_at is not None and reward.early_tier and reaches(tier, reward.early_tier, rules):
        if reward.starts_at is None or reward.early_starts_at < reward.starts_at:
            return reward.early_starts_at
    return reward.starts_at


def early_access(reward: Reward, tier: str | None, rules: Rules | None, now: datetime) -> bool:
    """The member's tier opens the reward before its launch, which has not come yet."""
    start = starts_for(reward, tier, rules)
    return reward.starts_at is not None and start is not None and start < reward.starts_at and now < reward.starts_at


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def _names(value_tiers: tuple[str, ...]) -> str:
    shown = [v.replace("_", " ").upper() if v == "vip" else v.replace("_", " ") for v in value_tiers]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def locks(
    reward: Reward,
    member: Holder | None,
    rules: Rules | None,
    value_tier: str | None,
    now: datetime,
    usage: Usage = NO_USAGE,
) -> list[Lock]:
    """Every reason ``member`` (``None``: a guest) cannot redeem ``reward`` at ``now``, ``POINTS`` last."""
    tier = member.tier if member is not None else None
    found: list[Lock] = []
    if reward.min_tier and not reaches(tier, reward.min_tier, rules):
        found.append(Lock(RewardLockReason.TIER, f"Reach {reward.min_tier} to unlock", tier=reward.min_tier))
    wanted = tuple(reward.value_tiers or ())
    if wanted and value_tier not in wanted:
        found.append(Lock(RewardLockReason.VALUE_TIER, f"For {_names(wanted)} customers only", value_tiers=wanted))
    start = starts_for(reward, tier, rules)
    if start is not None and now < start:
        early = (
            f", or from {reward.early_starts_at:%b %-d} for {reward.early_tier} members and above"
            if reward.early_tier
            and reward.early_starts_at is not None
            and start == reward.starts_at
            and reward.early_starts_at < start
            else ""
        )
        found.append(
            Lock(
                RewardLockReason.NOT_YET,
                f"Available from {start:%b %-d, %Y %H:%M} UTC{early}",
                tier=reward.early_tier if early else None,
                until=start,
            )
        )
    if reward.per_member_limit and usage.count >= reward.per_member_limit:
        period = f" every {reward.limit_period_days} days" if reward.limit_period_days else ""
        again = f", again from {usage.frees_at:%b %-d, %Y}" if usage.frees_at is not None else ""
        found.append(
            Lock(
                RewardLockReason.MEMBER_LIMIT,
                f"Limit of {reward.per_member_limit}{period} reached{again}",
                until=usage.frees_at,
            )
        )
    if stock_left(reward) == 0:
        found.append(Lock(RewardLockReason.OUT_OF_STOCK, "Out of stock"))
    to_go = points_to_go(reward, member)
    if to_go:
        found.append(Lock(RewardLockReason.POINTS, f"{_points(to_go)} to go", points_to_go=to_go))
    return found


def points_to_go(reward: Reward, member: Holder | None) -> int:
    """Points the member still needs for the reward's cost (a slider's minimum); 0 when affordable."""
    available = member.available if member is not None else 0
    return max(0, cost_of(reward) - max(0, available))


def max_points(reward: Reward, member: Holder | None) -> int | None:
    """The most a points-to-cash slider lets this member spend now: the reward's max and the balance."""
    if reward.kind != RewardKind.POINTS_TO_CASH:
        return None
    available = member.available if member is not None else 0
    return max(0, min(reward.max_points, available))


def usage_of(created: list[datetime], reward: Reward, now: datetime) -> Usage:
    """Count ``created`` (times of a member's not-failed redemptions of ``reward``) in its period."""
    if not reward.per_member_limit:
        return NO_USAGE
    if not reward.limit_period_days:
        return Usage(len(created))
    period = timedelta(days=reward.limit_period_days)
    inside = sorted(when for when in created if when > now - period)
    if len(inside) < reward.per_member_limit:
        return Usage(len(inside))
    return Usage(len(inside), inside[len(inside) - reward.per_member_limit] + period)


@dataclass(frozen=True, slots=True)
class SettingsProblem:
    field: str
    message: str


def check_settings(
    rules: Rules | None,
    *,
    min_tier: str | None,
    early_tier: str | None,
    starts_at: datetime | None,
    early_starts_at: datetime | None,
    per_member_limit: int,
    limit_period_days: int,
    stock: int | None,
) -> list[SettingsProblem]:
    """What is wrong with a reward's eligibility settings; value tiers are checked by the caller."""
    problems: list[SettingsProblem] = []
    tiers = [t.name for t in rules.tiers] if rules is not None else []
    known = ", ".join(tiers) or "none"
    for name, value in (("minTier", min_tier), ("earlyTier", early_tier)):
        if value is not None and value not in tiers:
            problems.append(SettingsProblem(name, f"{value!r} is not a tier of the program (it has: {known})"))
    if early_tier is not None and early_starts_at is None:
        problems.append(SettingsProblem("earlyStartsAt", "early access needs the date the early tier starts"))
    if early_starts_at is not None and early_tier is None:
        problems.append(SettingsProblem("earlyTier", "early access needs the tier that gets it"))
    if early_starts_at is not None and starts_at is None:
        problems.append(SettingsProblem("startsAt", "early access needs the launch date it comes before"))
    if early_starts_at is not None and starts_at is not None and early_starts_at >= starts_at:
        problems.append(SettingsProblem("earlyStartsAt", "early access must start before the launch (startsAt)"))
    if per_member_limit < 0:
        problems.append(SettingsProblem("perMemberLimit", "must be 0 (no limit) or more"))
    if limit_period_days < 0:
        problems.append(SettingsProblem("limitPeriodDays", "must be 0 (for ever) or more"))
    if limit_period_days and not per_member_limit:
        problems.append(SettingsProblem("limitPeriodDays", "a period needs a per-member limit"))
    if stock is not None and stock < 0:
        problems.append(SettingsProblem("stock", "must be 0 or more, or null for no limit"))
    return problems
