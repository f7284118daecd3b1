"""The sandbox's planted feedback: the same for the same seed in any process, moved with the
history when it is moved, never after the history's last order, tied to real account orders,
and varied enough to show (promoters and detractors, comments per sentiment, several answers
from one person, complaints in every status with some past the targets, reviews)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sandbox.dataset import build, build_uncached
from sandbox.dataset.feedback import COMMENTS, make_feedback


def test_the_same_seed_plants_the_same_feedback_and_another_seed_other_feedback():
    data = build("sample", 7)
    again = build_uncached("sample", 7)
    assert make_feedback(again) == data.feedback
    assert make_feedback(build_uncached("sample", 8)).surveys != data.feedback.surveys


def test_a_moved_history_moves_its_feedback_by_the_same_days():
    data = build("sample", 7)
    moved = build("sample", 7, ends=date(2026, 12, 6))
    delta = timedelta(days=moved.days_shifted)
    assert [(s.score, s.comment, s.answered_at + delta) for s in data.feedback.surveys] == [
        (s.score, s.comment, s.answered_at) for s in moved.feedback.surveys
    ]
    assert [c.received_at + delta for c in data.feedback.complaints] == [
        c.received_at for c in moved.feedback.complaints
    ]


def test_planted_feedback_is_about_real_account_orders_and_never_after_the_history():
    data = build("sample", 7)
    planted = data.feedback
    end = data.orders[-1].created_at
    orders = {(o.store, o.platform_id): o for o in data.orders}
    for answer in planted.surveys:
        order = orders[(answer.store, answer.order_platform_id)]
        assert order.customer_platform_id == answer.customer_platform_id and order.person_id == answer.person_id
        assert order.created_at < answer.sent_at < answer.answered_at <= end
        assert (0 <= answer.score <= 10) if answer.kind == "nps" else (1 <= answer.score <= 5)
    for complaint in planted.complaints:
        assert orders[(complaint.store, complaint.order_platform_id)].person_id == complaint.person_id
        times = [m.at for m in complaint.messages]
        assert times[0] == complaint.received_at and max(times) <= end
        assert complaint.messages[0].author == "shopper"
    for review in planted.reviews:
        order = orders[(review.store, review.order_platform_id)]
        assert review.product_platform_id in {line.product_platform_id for line in order.lines}
        assert 1 <= review.rating <= 5 and review.created_at <= end
    assert len({(s.store, s.order_platform_id) for s in planted.surveys}) == len(planted.surveys)
    assert len({c.external_id for c in planted.complaints}) == len(planted.complaints)
    assert len({r.review_id for r in planted.reviews}) == len(planted.reviews)


def test_planted_feedback_has_every_kind_of_answer_and_complaint():
    planted = build("sample", 7).feedback
    nps = [s for s in planted.surveys if s.kind == "nps"]
    assert {"promoter", "passive", "detractor"} == set(planted.dispositions.values())
    assert min(s.score for s in nps) <= 6 and max(s.score for s in nps) >= 9
    assert max(Counter(s.person_id for s in nps).values()) > 1, "some people answer more than once"
    assert any(s.kind == "csat" for s in planted.surveys)
    for answer in nps:
        if answer.comment:
            assert answer.comment in COMMENTS[planted.dispositions[answer.person_id]]
    statuses = Counter(c.status for c in planted.complaints)
    assert statuses["open"] and statuses["waiting"] and statuses["resolved"]
    hour, two_days = timedelta(hours=1), timedelta(hours=48)
    answered = [c for c in planted.complaints if c.first_response_at]
    assert any(c.first_response_at - c.received_at > hour for c in answered)
    assert any(c.first_response_at - c.received_at <= hour for c in answered)
    assert any(c.resolved_at and c.resolved_at - c.received_at > two_days for c in planted.complaints)
    assert len({c.category for c in planted.complaints}) >= 4
    assert planted.reviews and {r.rating for r in planted.reviews} >= {1, 5}
