"""The predictions step writes people in batches, and the batches change no one's row: the
sandbox merchant's predictions in batches of 300 people are the rows the refresh stored."""

from __future__ import annotations

from typing import Any

import pytest

from insights.history import load_history
from insights.models import ClvPrediction
from insights.predictions import prediction_batches
from insights.settings import load_config
from tests.insights.conftest import AS_OF, Refreshed

pytestmark = [pytest.mark.db]


def _keyed(rows: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    return {(r["profile_id"], r["currency"]): r for r in rows}


async def test_batches_of_300_people_give_every_person_the_row_the_refresh_stored(refreshed: Refreshed) -> None:
    merchant_id = refreshed.sandbox.merchant_id
    history = await load_history(merchant_id)
    config = await load_config(merchant_id)
    batches = list(prediction_batches(history, config, AS_OF, batch_size=300))
    assert len(batches) > 5 and all(0 < len(b) <= 300 for b in batches)
    computed = _keyed([row for batch in batches for row in batch])
    assert len(computed) == sum(len(b) for b in batches)  # nobody twice
    stored = _keyed(await ClvPrediction.filter(merchant_id=merchant_id).values(*next(iter(computed.values()))))
    assert stored.keys() == computed.keys()
    assert {r["model"] for r in computed.values()} == {"mbgnbd+gamma_gamma"}
    for key, row in computed.items():
        saved = stored[key]
        for column, value in row.items():
            if isinstance(value, float):
                assert saved[column] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, column)
            elif column != "as_of":
                assert saved[column] == value, (key, column)
