"""The loyalty commands and jobs: rebuild-balances reports and fixes disagreements, replay is a
dry run by default, and the jobs process orders like the runtime will."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from app.jobs.loyalty import loyalty_expire_due, loyalty_reevaluate_tiers
from app.jobs.reactions import orders_changed
from app.jobs.registry import registry
from loyalty.models import Member
from loyalty.rules import Rules
from tests.loyalty.helpers import at
from tests.support.servers import run_cli

pytestmark = pytest.mark.db


def loyalty(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("app.cli_loyalty:loyalty_cli", database_url, *args)


async def test_rebuild_balances_reports_then_fixes_and_replay_is_a_dry_run(shop, database_url):
    await shop.program(Rules())
    cust, profile = await shop.customer()
    order = await shop.order(cust, [("a", 10)], when=at(0))
    assert (await orders_changed({}, shop.store.id, [order]))["entries"] == 1
    await Member.filter(profile_id=profile).update(available=7)

    found = loyalty(database_url, "rebuild-balances")
    assert found.returncode == 1, found.stderr
    assert f"member {profile}: cached (7, 10, 10) ledger (0, 10, 10)" in found.stdout
    fixed = loyalty(database_url, "rebuild-balances", "--apply")
    assert fixed.returncode == 0 and "fixed" in fixed.stdout
    assert loyalty(database_url, "rebuild-balances").stdout.strip() == "every cached balance agrees with the ledger"

    await shop.program(Rules(earn_rates={"USD": Decimal(3)}), effective_from=at(1))
    dry = loyalty(database_url, "replay")
    assert "1 differ, points +20" in dry.stdout and "(dry run)" in dry.stdout
    assert f"order {order} profile {profile}: 10 -> 30" in dry.stdout
    assert (await Member.get(profile_id=profile)).pending == 10
    applied = loyalty(database_url, "replay", "--apply")
    assert "applied" in applied.stdout and (await Member.get(profile_id=profile)).pending == 30


async def test_the_periodic_jobs_are_registered_and_run_for_every_merchant_with_a_program(shop):
    assert {
        "loyalty_release_due",
        "loyalty_expire_due",
        "loyalty_reevaluate_tiers",
        "loyalty_deliver_events",
    } <= set(registry)
    await shop.program(Rules())
    assert await loyalty_expire_due({}) == {"expired_points": 0, "reminders": 0, "codes": 0}
    assert await loyalty_reevaluate_tiers({}) == {"upgraded": 0, "grace_started": 0, "downgraded": 0}
