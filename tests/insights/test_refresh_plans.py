"""When a refresh is incremental and when it must be full, and the people an incremental run
adds because time alone moved them across a tier threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from insights.models import InsightModel, ProfileSegment, RefreshKind, RefreshRun
from insights.refresh import refresh_merchant
from insights.settings import save_config
from store.models import Customer
from tests.insights.conftest import AS_OF
from tests.insights.sandbox_store import load_sandbox
from tests.support.servers import scratch_database

pytestmark = pytest.mark.db


async def test_a_run_is_full_when_an_incremental_one_could_not_be_right(tmp_path_factory):
    async with scratch_database(tmp_path_factory.mktemp("plans")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        merchant_id = sandbox.merchant_id

        async def why(as_of: datetime, kind: RefreshKind | None = None) -> tuple[str, str]:
            result = await refresh_merchant(merchant_id, as_of=as_of, kind=kind)
            return result.kind.value, result.counts["why"]

        assert await why(AS_OF, RefreshKind.INCREMENTAL) == ("full", "no full run to score against")
        assert await why(AS_OF) == ("incremental", "changes since the last run")
        await InsightModel.filter(merchant_id=merchant_id).delete()  # e.g. full runs from before it was kept
        assert await why(AS_OF) == ("full", "no recommender kept by a full run")
        assert await why(AS_OF + timedelta(days=6)) == ("incremental", "changes since the last run")
        assert await why(AS_OF + timedelta(days=7)) == ("full", "the last full run is 7 days old")
        assert await why(AS_OF) == ("full", "the as-of date is earlier than the last run's")
        await save_config(merchant_id, clv_horizon_days=180)
        assert await why(AS_OF + timedelta(days=7), RefreshKind.INCREMENTAL) == (
            "full",
            "the insights settings changed since the last full run",
        )
        assert await why(AS_OF + timedelta(days=7), RefreshKind.FULL) == ("full", "asked for")
        # more than a fifth of the customers changed: a full run costs little more
        await Customer.filter(merchant_id=merchant_id).update(updated_at=datetime.now(UTC))
        kind, reason = await why(AS_OF + timedelta(days=7))
        assert kind == "full" and reason.endswith("customers changed: more than a full run saves")


async def test_people_whose_silence_crossed_a_tier_threshold_are_rescored(tmp_path_factory):
    async with scratch_database(tmp_path_factory.mktemp("silence")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        merchant_id = sandbox.merchant_id
        await refresh_merchant(merchant_id, as_of=AS_OF)
        at_edge = await ProfileSegment.filter(merchant_id=merchant_id, recency_days=180).values_list(
            "profile_id", flat=True
        )
        assert at_edge, "the sandbox has people exactly at the at-risk threshold"
        tiers_before = dict(await ProfileSegment.filter(profile_id__in=at_edge).values_list("profile_id", "tier"))
        result = await refresh_merchant(merchant_id, as_of=AS_OF + timedelta(days=1), kind=None)
        assert result.kind is RefreshKind.INCREMENTAL
        assert result.counts["silence_crossed"] >= len(at_edge)
        after = dict(await ProfileSegment.filter(profile_id__in=at_edge).values_list("profile_id", "recency_days"))
        assert set(after.values()) == {181}
        tiers = dict(await ProfileSegment.filter(profile_id__in=at_edge).values_list("profile_id", "tier"))
        assert all(tiers[p] == "at_risk" for p in at_edge), (tiers_before, tiers)


async def test_an_incremental_run_keeps_the_full_runs_model_check_and_guards_its_as_of(tmp_path_factory):
    async with scratch_database(tmp_path_factory.mktemp("guard")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        full = await refresh_merchant(sandbox.merchant_id, as_of=AS_OF)
        assert full.warning is None and full.model_check
        later = await refresh_merchant(
            sandbox.merchant_id, as_of=AS_OF + timedelta(days=200), kind=RefreshKind.INCREMENTAL
        )
        assert later.kind is RefreshKind.INCREMENTAL
        assert later.model_check == full.model_check
        assert later.warning is not None and "is 201 days after the last order (1998-06-30" in later.warning
        run = await RefreshRun.get(id=later.run_id)
        assert run.warning == later.warning and run.model_check == full.model_check
