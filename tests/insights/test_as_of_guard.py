"""The as-of guard: a refresh dated far past the last order, or before the first, warns in the
run, the job log and the CLI; a model check without enough history says why instead of figures."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from app.jobs.insights import insights_refresh
from insights.as_of import STALE_AFTER_DAYS, as_of_warning
from insights.history import MerchantHistory, OrderRow
from insights.model_check import ModelCheckStatus, check_currency
from insights.models import RefreshRun
from store.ingest import upsert_orders
from store.models import Merchant, Store
from store.records import CustomerRecord, OrderRecord
from tests.support.servers import ROOT, subprocess_env


def _orders(first: datetime, n: int) -> list[OrderRow]:
    return [
        OrderRow(
            id=i,
            store_id=1,
            profile_id=i,
            currency="USD",
            total=Decimal(10),
            refunded=Decimal(0),
            discounted=False,
            created_at=first + timedelta(days=i),
        )
        for i in range(n)
    ]


def test_the_as_of_guard_warns_past_90_silent_days_and_before_the_first_order():
    first = datetime(2026, 1, 1, tzinfo=UTC)
    history = MerchantHistory(merchant_id=1, platforms={}, orders=_orders(first, 10), lines={}, products={})
    last = first + timedelta(days=9)
    assert as_of_warning(history, last + timedelta(days=STALE_AFTER_DAYS)) is None
    late = as_of_warning(history, last + timedelta(days=STALE_AFTER_DAYS + 1))
    assert late is not None and "91 days after the last order (2026-01-10" in late
    early = as_of_warning(history, first - timedelta(days=1))
    assert early is not None and "before the first order (2026-01-01)" in early
    assert as_of_warning(MerchantHistory(1, {}, [], {}, {}), first) is None, "no orders: nothing to compare with"


def test_a_model_check_on_fewer_weeks_than_it_holds_out_says_the_history_is_too_short():
    days = np.array(["2026-01-01", "2026-02-01", "2026-03-01"], dtype="datetime64[D]")
    check = check_currency(
        np.array([1, 1, 2]), days, np.array([10.0, 12.0, 9.0]), "EUR", datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert (
        check["status"] == ModelCheckStatus.HISTORY_TOO_SHORT
        and check["groups"] == []
        and check["actual_total"] is None
    )
    assert check["calibration_end"] == "2025-12-31" and check["currency"] == "EUR"


async def _small_shop() -> Store:
    merchant = await Merchant.create(name="Acme")
    store = await Store.create(merchant=merchant, platform="shopify", domain="acme.myshopify.com", public_key="pk-a")
    t0 = datetime(2026, 2, 1, tzinfo=UTC)
    await upsert_orders(
        store,
        [
            OrderRecord(
                platform_id=f"o{i}",
                currency="USD",
                total=Decimal(10 + i),
                created_at=t0 + timedelta(days=i),
                updated_at=t0 + timedelta(days=i),
                customer=CustomerRecord(platform_id=f"c{i % 2}", updated_at=t0, email=f"p{i % 2}@example.com"),
            )
            for i in range(4)
        ],
    )
    return store


@pytest.mark.db
@pytest.mark.usefixtures("db")
async def test_the_job_logs_the_as_of_warning_and_the_run_keeps_it(caplog):
    store = await _small_shop()
    with caplog.at_level(logging.WARNING, logger="app.jobs.insights"):
        result = await insights_refresh({}, store.merchant_id, "2027-01-01T00:00:00+00:00")
    assert result["warning"] and "331 days after the last order (2026-02-04" in result["warning"]
    logged = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "app.jobs.insights"]
    assert len(logged) == 1 and result["warning"] in logged[0].getMessage()
    run = await RefreshRun.get(id=result["run_id"])
    assert run.warning == result["warning"]
    [check] = run.model_check
    assert check["status"] == "too_few_customers" and check["customers"] == 2
    assert check["groups"] == [] and check["predicted_total"] is None


@pytest.mark.db
@pytest.mark.usefixtures("db")
async def test_rapport_insights_refresh_prints_a_warning_line_for_a_suspect_as_of(database_url):
    store = await _small_shop()

    def refresh(as_of: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "insights", "refresh", "--as-of", as_of],
            cwd=ROOT,
            env=subprocess_env(database_url),
            capture_output=True,
            text=True,
            timeout=120,
        )

    stale = refresh("2030-01-01")
    assert stale.returncode == 0, stale.stderr
    [line] = [x for x in stale.stderr.splitlines() if x.startswith("WARNING")]
    assert re.match(
        rf"WARNING merchant {store.merchant_id}: as-of 2030-01-01 is 1,427 days after the last order \(2026-02-04", line
    ), line
    early = refresh("2025-01-01")
    assert (
        f"WARNING merchant {store.merchant_id}: as-of 2025-01-01 is before the first order (2026-02-01)" in early.stderr
    )
    fine = refresh("2026-02-05")
    assert fine.returncode == 0 and "WARNING" not in fine.stderr + fine.stdout
