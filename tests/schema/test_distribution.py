"""CLV histograms: round bucket edges, every person counted once, the long tail in the last bucket."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schema.insights.distribution import distribution, nice_width


@pytest.mark.parametrize(
    ("span", "buckets", "width"),
    [
        (Decimal("87.3"), 9, Decimal(10)),
        (Decimal("0.5"), 4, Decimal("0.2")),
        (Decimal(1234), 9, Decimal(200)),
        (Decimal(100), 4, Decimal(25)),
        (Decimal(0), 5, Decimal(1)),
    ],
)
def test_bucket_width_is_the_smallest_round_step_that_covers_the_span(span, buckets, width):
    assert nice_width(span, buckets) == width
    assert width * buckets >= span


def test_every_value_lands_in_exactly_one_bucket_and_the_tail_in_the_open_last_one():
    values = [Decimal(v) for v in ("0", "0.49", "1.5", "3", "10", "12", "99")] * 20 + [Decimal(5000)]
    shown = distribution(values, 5)
    assert [b.low for b in shown.buckets] == [0, 25, 50, 75, 100]  # 4 round steps reach the 99th percentile, 99
    assert [b.count for b in shown.buckets] == [120, 0, 0, 20, 1]
    assert shown.buckets[-1].high is None and shown.buckets[-1].total == Decimal(5000)
    assert all(a.high == b.low for a, b in zip(shown.buckets, shown.buckets[1:-1], strict=False))
    assert shown.count == len(values) and shown.total == sum(values, Decimal(0))
    assert sum((b.total for b in shown.buckets), Decimal(0)) == shown.total
    assert shown.median == Decimal(3)


def test_no_values_give_no_buckets_and_fewer_than_two_buckets_are_refused():
    empty = distribution([], 5)
    assert (empty.count, empty.buckets, empty.mean, empty.median) == (0, [], None, None)
    with pytest.raises(ValueError):
        distribution([Decimal(1)], 1)
