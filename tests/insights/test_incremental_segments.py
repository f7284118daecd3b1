"""An incremental refresh scores the people whose orders changed against the last full run's
reference: each of them gets exactly the scores, segment, tier and why line the full run's
population gave them, and nobody else's row moves."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from tortoise.transactions import in_transaction

from insights.models import ProfileSegment, RefreshRun, RefreshStatus
from insights.segments.assign import refresh_segments, scored_segments, segment_rows
from insights.segments.rfm import quintile_scores, score_cuts, scores_from_cuts, top_share, top_share_cut
from insights.segments.rules import TierThresholds
from insights.segments.thresholds import apply
from insights.settings import InsightsConfig
from tests.insights.conftest import AS_OF as SANDBOX_AS_OF
from tests.insights.incremental_world import AS_OF, Resolved, only, population, resolved_sandbox

VALUES = st.lists(st.sampled_from([0.0, 1.0, 1.0, 2.0, 3.5, 7.0, 19.99, 20.0, 250.0]) | st.floats(0, 1e6), min_size=1)


def _stored(reference: dict[str, Any]) -> dict[str, Any]:
    """The reference as it comes back from a JSON column."""
    return json.loads(json.dumps(reference, allow_nan=False))


def _keyed(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["profile_id"]: row for row in rows}


@given(VALUES)
def test_scores_from_the_cuts_are_the_quintile_scores_of_every_member(values: list[float]) -> None:
    assert list(scores_from_cuts(values, score_cuts(values))) == list(quintile_scores(values))


@given(VALUES, st.sampled_from([0.0, 0.1, 0.2, 1 / 3, 0.5, 0.999, 1.0]))
def test_the_vip_cut_splits_the_members_as_their_top_share_does(values: list[float], share: float) -> None:
    cut = top_share_cut(values, share)
    beyond = np.ones(len(values), dtype=bool) if cut is None else np.asarray(values) > cut
    assert list(beyond) == list(top_share(values) <= share)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("vip_top_share", [0.0, 0.2, 0.37, 1.0])
def test_everyone_scored_against_the_reference_gets_what_the_full_run_gave_them(
    seed: int, vip_top_share: float
) -> None:
    history = population(seed)
    config = InsightsConfig(tiers=TierThresholds(at_risk_after_days=180, vip_top_share=vip_top_share))
    full, reference = scored_segments(history, config, AS_OF)
    assert {row["currency"] for row in full} == {"EUR", "USD", "GBP", "CHF", "SEK"}
    assert None in reference["currencies"]["SEK"]["purchases"]  # fewer than five people: some scores need nothing
    rescored, same = scored_segments(history, config, AS_OF, reference=_stored(reference))
    assert same == _stored(reference)
    assert rescored == full
    people = sorted(_keyed(full))
    for size in (1, 7, 60):
        chosen = random.Random(seed * 100 + size).sample(people, size)
        rows = segment_rows(only(history, chosen), config, AS_OF, reference=_stored(reference))
        assert _keyed(rows) == {p: _keyed(full)[p] for p in chosen}


def test_the_reference_is_a_few_numbers_per_currency_not_the_people() -> None:
    _, reference = scored_segments(population(0, people=3000), InsightsConfig(), AS_OF)
    assert set(reference["currencies"]["EUR"]) == {"people", "last_purchase", "purchases", "spend", "vip_spend"}
    assert len(json.dumps(reference)) < 3000


def test_a_person_in_a_currency_the_full_run_did_not_have_is_scored_as_a_population_of_their_own() -> None:
    history = population(1)
    config = InsightsConfig()
    full, reference = scored_segments(history, config, AS_OF)
    newcomer = max(_keyed(full)) + 1
    bought = [replace(o, id=10_000 + i, profile_id=newcomer, currency="JPY") for i, o in enumerate(history.orders[-2:])]
    grown = replace(history, orders=sorted([*history.orders, *bought], key=lambda o: o.created_at))
    rows = _keyed(segment_rows(only(grown, [newcomer, 1]), config, AS_OF, reference=reference))
    alone = _keyed(segment_rows(only(grown, [newcomer]), config, AS_OF))
    assert rows[newcomer]["currency"] == "JPY"
    assert rows[newcomer] == alone[newcomer]
    assert (rows[newcomer]["r_score"], rows[newcomer]["f_score"], rows[newcomer]["m_score"]) == (5, 5, 5)
    assert rows[1] == _keyed(full)[1]


@pytest_asyncio.fixture(scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Resolved]:
    async with resolved_sandbox(tmp_path_factory.mktemp("incremental_segments")) as world:
        yield world


async def _rows(merchant_id: int) -> dict[int, dict[str, Any]]:
    return _keyed(await ProfileSegment.filter(merchant_id=merchant_id).values())


@pytest.mark.db
async def test_an_incremental_run_replaces_exactly_the_chosen_rows_and_drops_who_no_longer_bought(
    sandbox: Resolved,
) -> None:
    merchant_id, history, config = sandbox.sandbox.merchant_id, sandbox.history, InsightsConfig()
    async with in_transaction() as conn:
        written, reference = await refresh_segments(conn, history, config, SANDBOX_AS_OF)
    run = await RefreshRun.create(merchant_id=merchant_id, started_at=SANDBOX_AS_OF, reference={"segments": reference})
    stored_reference = (await RefreshRun.get(id=run.id)).reference["segments"]
    assert stored_reference == reference
    before = await _rows(merchant_id)
    assert written == len(before) > 1000
    people = sorted(before)
    chosen = random.Random(7).sample(people, 40)
    gone = [p for p in people if p not in chosen][:3]
    # Their stored rows are edited, so the test sees them rewritten (not merely left as they were).
    await ProfileSegment.filter(profile_id__in=chosen).update(segment="stale", r_score=0)
    async with in_transaction() as conn:
        written, same = await refresh_segments(
            conn, only(history, chosen, without=gone), config, SANDBOX_AS_OF, reference=stored_reference
        )
    assert (written, same) == (40, stored_reference)
    after = await _rows(merchant_id)
    assert set(after) == set(before) - set(gone)
    for profile_id, row in after.items():
        if profile_id in chosen:
            assert {**row, "id": None} == {**before[profile_id], "id": None}, profile_id
        else:
            assert row == before[profile_id], profile_id


@pytest.mark.db
async def test_saving_new_tier_thresholds_leaves_a_reference_scored_with_them_and_keeps_the_fits(
    sandbox: Resolved,
) -> None:
    merchant_id, history = sandbox.sandbox.merchant_id, sandbox.history
    async with in_transaction() as conn:
        _, reference = await refresh_segments(conn, history, InsightsConfig(), SANDBOX_AS_OF)
    fits = {"currencies": {"USD": {"status": "too_few_customers"}}}
    await RefreshRun.create(
        merchant_id=merchant_id,
        status=RefreshStatus.COMPLETE,
        started_at=SANDBOX_AS_OF,
        as_of=SANDBOX_AS_OF,
        reference={"segments": reference, "predictions": fits},
    )
    patient = TierThresholds(at_risk_after_days=200, lost_after_days=400, vip_top_share=0.5)
    await apply(merchant_id, patient)
    run = await RefreshRun.filter(merchant_id=merchant_id).order_by("-id").first()
    assert run is not None and run.reference["predictions"] == fits
    config = InsightsConfig(tiers=patient)
    assert run.reference["segments"] == scored_segments(history, config, SANDBOX_AS_OF)[1]
    assert run.reference["segments"]["vip_top_share"] == 0.5 != reference["vip_top_share"]
    # Scored against the saved reference, anyone gets the row the saved thresholds wrote.
    stored = await _rows(merchant_id)
    chosen = sorted(stored)[:25]
    rows = segment_rows(only(history, chosen), config, SANDBOX_AS_OF, reference=run.reference["segments"])
    assert {p: {**r, "id": None} for p, r in _keyed(rows).items()} == {p: {**stored[p], "id": None} for p in chosen}
