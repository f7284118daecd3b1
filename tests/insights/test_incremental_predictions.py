"""An incremental refresh predicts the people whose orders changed with the last full run's fits
(or its heuristic's pooled figures), stored as JSON: each gets the row the full run gave them, and
nobody else's row moves."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
import pytest_asyncio
from tortoise.transactions import in_transaction

from insights.models import ClvPrediction, RefreshRun
from insights.predictions import currency_people, prediction_rows, predictions_reference, refresh_predictions
from insights.settings import InsightsConfig
from tests.insights.conftest import AS_OF as SANDBOX_AS_OF
from tests.insights.incremental_world import AS_OF, Resolved, only, population, resolved_sandbox


def _stored(reference: dict[str, Any]) -> dict[str, Any]:
    """The reference as it comes back from a JSON column (which holds no NaN)."""
    return json.loads(json.dumps(reference, allow_nan=False))


def _keyed(rows: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    return {(row["profile_id"], row["currency"]): row for row in rows}


def _assert_same(row: dict[str, Any], expected: dict[str, Any], where: object) -> None:
    assert row.keys() - {"id"} == expected.keys() - {"id"}, where
    for column, value in expected.items():
        if isinstance(value, float):
            assert row[column] == pytest.approx(value, rel=1e-9, abs=1e-12), (where, column)
        elif column != "id":
            assert row[column] == value, (where, column)


@pytest.mark.parametrize("seed", range(4))
def test_small_currencies_predicted_with_the_stored_pool_get_the_full_runs_heuristic_rows(seed: int) -> None:
    history, config = population(seed), InsightsConfig()
    full = _keyed(prediction_rows(history, config, AS_OF))
    reference = _stored(predictions_reference(currency_people(history, AS_OF)))
    assert "too_few_customers" in {c["status"] for c in reference["currencies"].values()}
    assert {r["model"] for r in full.values()} == {"heuristic"}
    assert _keyed(prediction_rows(history, config, AS_OF, reference=reference)) == full
    people = sorted({p for p, _ in full})
    for size in (1, 9, 50):
        chosen = set(random.Random(seed * 100 + size).sample(people, size))
        rows = _keyed(prediction_rows(only(history, chosen), config, AS_OF, reference=reference))
        assert rows == {key: row for key, row in full.items() if key[0] in chosen}


def test_a_store_without_a_repeat_buyer_keeps_its_unknown_gap_through_json() -> None:
    history = population(2)
    once = replace(history, orders=[o for o in history.orders if o.profile_id == 1][:1])
    reference = _stored(predictions_reference(currency_people(once, AS_OF)))
    assert reference["currencies"]["SEK"]["pool"]["gap"] == "nan"
    assert prediction_rows(once, InsightsConfig(), AS_OF, reference=reference) == prediction_rows(
        once, InsightsConfig(), AS_OF
    )


def test_a_currency_the_full_run_did_not_have_falls_back_to_the_heuristic_of_its_own_people() -> None:
    history, config = population(1), InsightsConfig()
    reference = _stored(predictions_reference(currency_people(history, AS_OF)))
    newcomer = 10_000
    bought = [replace(o, id=10_000 + i, profile_id=newcomer, currency="JPY") for i, o in enumerate(history.orders[-3:])]
    grown = replace(history, orders=sorted([*history.orders, *bought], key=lambda o: o.created_at))
    rows = _keyed(prediction_rows(only(grown, [newcomer]), config, AS_OF, reference=reference))
    alone = _keyed(prediction_rows(only(grown, [newcomer]), config, AS_OF))
    assert rows[(newcomer, "JPY")]["model"] == "heuristic"
    assert rows[(newcomer, "JPY")]["status"] == "too_few_customers"
    assert rows == alone


@pytest_asyncio.fixture(scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Resolved]:
    async with resolved_sandbox(tmp_path_factory.mktemp("incremental_predictions")) as world:
        yield world


async def _rows(merchant_id: int) -> dict[tuple[int, str], dict[str, Any]]:
    return _keyed(await ClvPrediction.filter(merchant_id=merchant_id).values())


@pytest.mark.db
async def test_the_fitted_models_stored_as_json_predict_anyone_as_the_full_run_did(sandbox: Resolved) -> None:
    merchant_id, history, config = sandbox.sandbox.merchant_id, sandbox.history, InsightsConfig()
    async with in_transaction() as conn:
        counts, reference = await refresh_predictions(conn, history, config, SANDBOX_AS_OF)
    assert counts["models"] == [{"currency": "USD", "model": "mbgnbd+gamma_gamma", "status": "sufficient"}]
    run = await RefreshRun.create(
        merchant_id=merchant_id, started_at=SANDBOX_AS_OF, reference={"predictions": reference}
    )
    stored = (await RefreshRun.get(id=run.id)).reference["predictions"]
    assert stored == _stored(reference)
    before = await _rows(merchant_id)
    assert counts["predictions"] == len(before) > 1000

    everyone = _keyed(prediction_rows(history, config, SANDBOX_AS_OF, reference=stored))
    assert everyone.keys() == before.keys()
    for key, row in everyone.items():
        _assert_same(row, before[key], key)

    people = sorted({p for p, _ in before})
    chosen = random.Random(3).sample(people, 60)
    gone = [p for p in people if p not in chosen][:4]
    # Their stored rows are edited, so the test sees them rewritten (not merely left as they were).
    await ClvPrediction.filter(profile_id__in=chosen).update(churn_risk="stale", probability_alive=-1.0)
    async with in_transaction() as conn:
        counts, same = await refresh_predictions(
            conn, only(history, chosen, without=gone), config, SANDBOX_AS_OF, reference=stored
        )
    assert same == stored
    assert counts == {
        "predictions": 60,
        "models": [{"currency": "USD", "model": "mbgnbd+gamma_gamma", "status": "sufficient"}],
    }
    after = await _rows(merchant_id)
    assert {p for p, _ in after} == set(people) - set(gone)
    for key, row in after.items():
        if key[0] in chosen:
            _assert_same(row, before[key], key)
        else:
            assert row == before[key], key
