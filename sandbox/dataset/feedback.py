"""Planted feedback: what the sandbox's shoppers said about their orders, drawn from the seed.

Each person has a disposition (promoter, passive or detractor) drawn once; some of their
account orders get an NPS answer a few days later (score drawn from the disposition, a comment
from a small phrase bank per sentiment, each phrase on one theme: late delivery, scratched
discs, slow customer service; fair prices, a wide selection, fast shipping), a few get a CSAT
answer, a few turn into complaints (category, a thread, first response and resolution times,
some past the one-hour and 48-hour targets, the newest still open), and some into product
reviews. Every time hangs off an order's time, so a history moved in time (``ends``) moves its
feedback with it; nothing is planted after the history's last order. Same data, same feedback.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .model import Order, SandboxData

Disposition = Literal["promoter", "passive", "detractor"]
DISPOSITION_WEIGHTS: tuple[tuple[Disposition, int], ...] = (("promoter", 45), ("passive", 30), ("detractor", 25))
NPS_RATE = 0.14
"""Account orders that get an NPS answer."""
CSAT_RATE = 0.02
COMPLAINT_RATE = 0.012
REVIEW_RATE = 0.05
STALE_RATE = 0.15
"""Complaints answered that the shopper never confirmed: they stay waiting, and unresolved."""
RECENT, RECENT_BOOST = timedelta(days=14), 6
"""Complaints about the last two weeks' orders are this much likelier: the queue has open ones."""
COMMENT_RATE = 0.7
"""NPS answers that come with a comment."""

COMMENTS: dict[Disposition, tuple[str, ...]] = {
    "detractor": (
        "The delivery was late, two weeks after the promised date.",
        "Late delivery again and no tracking update.",
        "My parcel arrived late and the box was crushed.",
        "The disc arrived scratched and skips on track three.",
        "Scratched disc, the case was cracked too.",
        "Second scratched disc in a row, very disappointing.",
        "Customer service never answered my email.",
        "Waited days for customer service to reply to a simple question.",
    ),
    "passive": (
        "Good records but prices are a bit high.",
        "Fair prices, shipping could be faster.",
        "Decent selection, the website search is clumsy.",
        "Fine overall, the prices went up since last year.",
    ),
    "promoter": (
        "Great selection of jazz and soul records.",
        "Wide selection, I always find rare pressings.",
        "Fast shipping and the vinyl was well packed.",
        "Really fast shipping, arrived in two days.",
        "Great selection and friendly staff.",
        "Sound quality of the remasters is excellent.",
    ),
}

COMPLAINTS = (
    ("delivery", "Order not delivered", "My order has not arrived and the tracking has not moved for a week."),
    ("delivery", "Late delivery", "The delivery is late; I needed it for a birthday."),
    ("product", "Scratched disc", "The disc arrived scratched and skips. Can I get a replacement?"),
    ("product", "Wrong format sent", "I ordered the vinyl LP and received a cassette."),
    ("billing", "Charged twice", "I was charged twice for the same order."),
    ("return", "Return label", "How do I return an unopened record? I need a return label."),
    ("service", "No answer to my email", "I wrote to customer service twice and got no answer."),
)
REPLIES = (
    "Sorry about that: we are sending a replacement today at no cost.",
    "Thank you for telling us. We have refunded the difference.",
    "We looked into it with the carrier; the parcel is on its way again.",
)
NOTES = ("Checked with the warehouse: stock confirmed.", "Carrier claim opened.")
FOLLOW_UPS = ("Thanks, that works for me.", "Received it, all good now.")

REVIEWS: dict[int, tuple[tuple[str, str], ...]] = {
    5: (
        ("Essential", "A classic, the pressing sounds warm and clean."),
        ("Love it", "Great record, fast shipping and well packed."),
    ),
    4: (("Very good", "Good sound quality, the sleeve is a little thin."),),
    3: (("Okay", "Fine music, the price is a bit high for what it is."),),
    2: (("Disappointed", "The disc arrived scratched; it skips in places."),),
    1: (("Damaged", "Scratched disc and a cracked case. Late delivery too."),),
}


@dataclass(frozen=True)
class SurveyAnswer:
    """An answered survey about one order, by the order's account."""

    kind: Literal["nps", "csat"]
    store: str
    order_platform_id: int
    customer_platform_id: int
    person_id: int
    score: int
    comment: str | None
    sent_at: datetime
    answered_at: datetime


@dataclass(frozen=True)
class ComplaintMessage:
    author: Literal["shopper", "merchant", "note"]
    body: str
    at: datetime


@dataclass(frozen=True)
class Complaint:
    external_id: str
    store: str
    order_platform_id: int
    customer_platform_id: int
    person_id: int
    category: str
    subject: str
    status: Literal["open", "waiting", "resolved"]
    received_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    messages: tuple[ComplaintMessage, ...]


@dataclass(frozen=True)
class Review:
    review_id: str
    store: str
    customer_platform_id: int
    person_id: int
    product_platform_id: int
    order_platform_id: int
    rating: int
    title: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Feedback:
    dispositions: dict[int, Disposition]
    """The truth label: each person's disposition (a test reads it, the simulators do not)."""
    surveys: tuple[SurveyAnswer, ...]
    complaints: tuple[Complaint, ...]
    reviews: tuple[Review, ...]


def _score(rng: random.Random, disposition: Disposition) -> int:
    low, high = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}[disposition]
    return rng.randint(low, high)


def _complaint(rng: random.Random, order: Order, n: int, end: datetime) -> Complaint | None:
    received = order.created_at + timedelta(days=rng.randint(2, 12), minutes=rng.randrange(24 * 60))
    if received > end:  # the newest orders' complaints come in before the history ends, some still open
        received = max(order.created_at + timedelta(hours=1), end - timedelta(hours=rng.randint(1, 72)))
        if received > end:
            return None
    category, subject, body = COMPLAINTS[rng.randrange(len(COMPLAINTS))]
    # about one in four first replies misses the hour; one in five resolutions misses the 48 hours
    response = timedelta(minutes=rng.randint(61, 600) if rng.random() < 0.25 else rng.randint(4, 55))
    resolution = timedelta(hours=rng.randint(49, 120) if rng.random() < 0.2 else rng.randint(2, 40))
    messages = [ComplaintMessage("shopper", body, received)]
    unanswered = received > end - timedelta(days=2)  # the newest wait in the queue
    first_response = received + response if received + response <= end and not unanswered else None
    stale = rng.random() < STALE_RATE  # answered, and the shopper never wrote back: still waiting
    resolved = received + resolution if first_response and received + resolution <= end and not stale else None
    if rng.random() < 0.3 and first_response:
        messages.append(
            ComplaintMessage("note", NOTES[rng.randrange(len(NOTES))], first_response - timedelta(minutes=1))
        )
    if first_response:
        messages.append(ComplaintMessage("merchant", REPLIES[rng.randrange(len(REPLIES))], first_response))
    if resolved:
        messages.append(ComplaintMessage("shopper", FOLLOW_UPS[rng.randrange(len(FOLLOW_UPS))], resolved))
    status: Literal["open", "waiting", "resolved"] = "resolved" if resolved else "waiting" if first_response else "open"
    return Complaint(
        external_id=f"sandbox-{n}",
        store=order.store,
        order_platform_id=order.platform_id,
        customer_platform_id=order.customer_platform_id or 0,
        person_id=order.person_id,
        category=category,
        subject=subject,
        status=status,
        received_at=received,
        first_response_at=first_response,
        resolved_at=resolved,
        messages=tuple(messages),
    )


def make_feedback(data: SandboxData) -> Feedback:
    """The planted feedback of ``data`` (see the module's docstring)."""
    rng = random.Random(f"rapport-sandbox:{data.seed}:feedback")
    names: list[Disposition] = [name for name, _ in DISPOSITION_WEIGHTS]
    weights = [weight for _, weight in DISPOSITION_WEIGHTS]
    dispositions: dict[int, Disposition] = {p.person_id: rng.choices(names, weights)[0] for p in data.people}
    end = data.orders[-1].created_at if data.orders else datetime.min
    surveys: list[SurveyAnswer] = []
    complaints: list[Complaint] = []
    reviews: list[Review] = []
    for order in data.orders:
        if order.customer_platform_id is None:
            continue
        disposition = dispositions[order.person_id]
        roll = rng.random()
        sent = order.created_at + timedelta(days=3)
        answered = sent + timedelta(hours=rng.randint(1, 96))
        if roll < NPS_RATE and answered <= end:
            comment = None
            if rng.random() < COMMENT_RATE:
                bank = COMMENTS[disposition]
                comment = bank[rng.randrange(len(bank))]
            surveys.append(
                SurveyAnswer(
                    "nps",
                    order.store,
                    order.platform_id,
                    order.customer_platform_id,
                    order.person_id,
                    _score(rng, disposition),
                    comment,
                    sent,
                    answered,
                )
            )
        elif roll < NPS_RATE + CSAT_RATE and answered <= end:
            score = {"promoter": 5, "passive": 4, "detractor": rng.randint(1, 3)}[disposition]
            surveys.append(
                SurveyAnswer(
                    "csat",
                    order.store,
                    order.platform_id,
                    order.customer_platform_id,
                    order.person_id,
                    score,
                    None,
                    sent,
                    answered,
                )
            )
        rate = COMPLAINT_RATE + (0.02 if disposition == "detractor" else 0)
        if rng.random() < rate * (RECENT_BOOST if order.created_at > end - RECENT else 1):
            complaint = _complaint(rng, order, len(complaints) + 1, end)
            if complaint is not None:
                complaints.append(complaint)
        if rng.random() < REVIEW_RATE and order.lines:
            rating = {
                "promoter": rng.choice((4, 5, 5)),
                "passive": rng.choice((3, 4)),
                "detractor": rng.choice((1, 2, 3)),
            }[disposition]
            title, body = REVIEWS[rating][rng.randrange(len(REVIEWS[rating]))]
            created = order.created_at + timedelta(days=rng.randint(5, 20))
            if created <= end:
                reviews.append(
                    Review(
                        review_id=f"sandbox-{order.store}-{order.platform_id}",
                        store=order.store,
                        customer_platform_id=order.customer_platform_id,
                        person_id=order.person_id,
                        product_platform_id=order.lines[0].product_platform_id,
                        order_platform_id=order.platform_id,
                        rating=rating,
                        title=title,
                        body=body,
                        created_at=created,
                    )
                )
    return Feedback(dispositions, tuple(surveys), tuple(complaints), tuple(reviews))
