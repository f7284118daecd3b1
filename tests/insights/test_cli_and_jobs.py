"""The insights commands and jobs: refresh with progress, privacy requests, incremental identity."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.jobs.insights import insights_refresh, link_order_customers
from app.metrics import registry
from insights.identity import resolve_merchant
from insights.models import PrivacyAudit, ProfileSegment, RefreshRun
from store.ingest import upsert_orders
from store.models import Customer, Merchant, Store
from store.records import CustomerRecord, OrderRecord
from tests.support.servers import ROOT, subprocess_env

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("db")]
T0 = datetime(2026, 2, 1, tzinfo=UTC)


async def _shop_with_orders(n: int = 3) -> Store:
    merchant = await Merchant.create(name="Acme")
    store = await Store.create(merchant=merchant, platform="shopify", domain="acme.myshopify.com", public_key="pk-a")
    await upsert_orders(
        store,
        [
            OrderRecord(
                platform_id=f"o{i}",
                currency="USD",
                total=Decimal("10.00") * (i + 1),
                created_at=T0 + timedelta(days=i),
                updated_at=T0 + timedelta(days=i),
                customer=CustomerRecord(platform_id=f"c{i}", updated_at=T0, email=f"p{i}@example.com"),
            )
            for i in range(n)
        ],
    )
    return store


def rapport(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "insights", *args],
        cwd=ROOT,
        env=subprocess_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_rapport_insights_refresh_shows_progress_and_stores_the_results(database_url):
    store = await _shop_with_orders()
    result = rapport(database_url, "refresh", "--as-of", "2026-03-01")
    assert result.returncode == 0, result.stderr
    assert "done" in result.stdout and "5/5" in result.stdout, "the progress bar ends complete"
    assert f"merchant {store.merchant_id}: full refresh (asked for) in" in result.stdout
    assert (await RefreshRun.get(merchant_id=store.merchant_id)).status == "complete"
    assert await ProfileSegment.filter(merchant_id=store.merchant_id).count() == 3


async def test_rapport_insights_export_and_erase_a_person_and_audit_both(database_url, tmp_path):
    store = await _shop_with_orders()
    await resolve_merchant(store.merchant_id)
    profile_id = (await Customer.get(platform_id="c1")).profile_id
    out = tmp_path / "export.json"
    assert rapport(database_url, "export", str(profile_id), "--actor", "admin:1", "--out", str(out)).returncode == 0
    assert json.loads(out.read_text())["customers"][0]["email"] == "p1@example.com"
    refused = rapport(database_url, "erase", str(profile_id), "--actor", "admin:1")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert rapport(database_url, "erase", str(profile_id), "--actor", "admin:1", "--yes").returncode == 0
    assert (await Customer.get(platform_id="c1")).email is None
    assert [a.action for a in await PrivacyAudit.all().order_by("id")] == ["export", "erase"]


async def test_the_order_job_links_the_customers_of_changed_orders():
    store = await _shop_with_orders(2)
    await resolve_merchant(store.merchant_id)
    changed = await upsert_orders(
        store,
        [
            OrderRecord(
                platform_id="o9",
                currency="USD",
                total=Decimal("5"),
                created_at=T0,
                updated_at=T0,
                customer=CustomerRecord(platform_id="c9", updated_at=T0, email=" P0@EXAMPLE.COM"),
            )
        ],
    )
    assert await link_order_customers(changed) == []
    assert (await Customer.get(platform_id="c9")).profile_id == (await Customer.get(platform_id="c0")).profile_id


async def test_the_refresh_job_records_step_timings_in_this_process():
    store = await _shop_with_orders()
    before = registry.get_sample_value("rapport_insights_refresh_step_seconds_count", {"step": "segments"}) or 0
    result = await insights_refresh({}, store.merchant_id, "2026-03-01T00:00:00+00:00")
    assert set(result["seconds"]) == {"identity", "profiles", "segments", "predictions", "recommendations"}
    assert registry.get_sample_value("rapport_insights_refresh_step_seconds_count", {"step": "segments"}) == before + 1


async def test_the_scheduled_refresh_is_incremental_after_a_full_one():
    store = await _shop_with_orders(10)
    first = await insights_refresh({}, store.merchant_id, "2026-03-01T00:00:00+00:00", "auto")
    assert (first["kind"], first["why"]) == ("full", "no full run to score against")
    new_order = OrderRecord(
        platform_id="o-new",
        currency="USD",
        total=Decimal("42.00"),
        created_at=T0 + timedelta(days=20),
        updated_at=T0 + timedelta(days=20),
        customer=CustomerRecord(platform_id="c-new", updated_at=T0, email="new@example.com"),
    )
    await upsert_orders(store, [new_order])
    second = await insights_refresh({}, store.merchant_id, "2026-03-02T00:00:00+00:00", "auto")
    assert (second["kind"], second["why"]) == ("incremental", "changes since the last run")
    run = await RefreshRun.get(id=second["run_id"])
    assert run.counts["customers_changed"] == 1 and run.counts["profiles_with_orders"] == 1
    newcomer = await Customer.get(platform_id="c-new")
    assert await ProfileSegment.filter(profile_id=newcomer.profile_id).count() == 1
    # asked for without a kind, the job is a full refresh (the dashboard's button)
    third = await insights_refresh({}, store.merchant_id, "2026-03-02T00:00:00+00:00")
    assert (third["kind"], third["why"]) == ("full", "asked for")


async def test_rapport_insights_refresh_refuses_an_unknown_kind(database_url):
    await _shop_with_orders()
    result = rapport(database_url, "refresh", "--kind", "sometimes")
    assert result.returncode != 0
    assert "--kind 'sometimes' is not full, incremental or auto" in result.stderr
