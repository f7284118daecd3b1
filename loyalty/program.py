"""Versioned program configuration: a change applies from its effective time, history is kept."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.transactions import in_transaction

from loyalty.errors import VersionOutOfOrder
from loyalty.models import ProgramVersion
from loyalty.rules import Rules


@dataclass(frozen=True)
class Version:
    id: int
    number: int
    effective_from: datetime
    rules: Rules


@dataclass(frozen=True)
class Program:
    """All versions of one merchant's program, oldest first."""

    merchant_id: int
    versions: tuple[Version, ...]
    _starts: tuple[datetime, ...] = field(init=False, repr=False, compare=False)
    _by_id: dict[int, Version] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Looked up once per order in a batch: index them once per program.
        object.__setattr__(self, "_starts", tuple(v.effective_from for v in self.versions))
        object.__setattr__(self, "_by_id", {v.id: v for v in self.versions})

    def at(self, when: datetime) -> Version | None:
        """The version in force at ``when`` (the latest whose effective time is not after it)."""
        index = bisect.bisect_right(self._starts, when) - 1
        return self.versions[index] if index >= 0 else None

    def by_id(self, version_id: int) -> Version:
        return self._by_id[version_id]

    @property
    def current(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def rules_now(self, now: datetime) -> Rules | None:
        version = self.at(now) or self.current
        return version.rules if version else None


async def publish(
    merchant_id: int, rules: Rules, effective_from: datetime, *, actor: str = "", note: str = ""
) -> Version:
    """Add a version; the previous ones stay, so orders keep the rules that awarded them."""
    async with in_transaction():
        last = await ProgramVersion.filter(merchant_id=merchant_id).order_by("-number").first()
        if last is not None and effective_from < last.effective_from:
            raise VersionOutOfOrder("a new version cannot take effect before the latest one")
        row = await ProgramVersion.create(
            merchant_id=merchant_id,
            number=(last.number + 1) if last else 1,
            effective_from=effective_from,
            rules=rules.to_json(),
            actor=actor,
            note=note,
        )
    return Version(row.id, row.number, row.effective_from, rules)


async def load_program(merchant_id: int) -> Program:
    rows = await ProgramVersion.filter(merchant_id=merchant_id).order_by("effective_from", "number")
    return Program(
        merchant_id,
        tuple(Version(r.id, r.number, r.effective_from, Rules.from_json(r.rules)) for r in rows),
    )
