"""Feedback's DataLoaders, built per request for one merchant (``info.context.loaders.feedback``).

Both APIs carry one ``FeedbackLoaders``; each helper of the feedback schema adds the loaders its
relations need here, so the number of statements does not grow with a list's length.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from strawberry.dataloader import DataLoader

from feedback.analytics import ProfileFeedback, profile_summaries
from feedback.complaints import thread
from feedback.models import Complaint, ComplaintMessage
from feedback.service_levels import Targets
from feedback.settings import load_feedback_config
from schema.core.batching import Row, Rows, by_key, loader
from store.models import Order, Store

__all__ = ["FeedbackLoaders"]


def order_by_id(merchant_id: int) -> Row[Order]:
    """Any live order of the merchant by id (what a survey or complaint is about)."""

    async def fetch(keys: list[int]) -> list[Order | None]:
        return by_key(await Order.filter(merchant_id=merchant_id, id__in=keys, deleted_at=None), keys)

    return loader(fetch)


def store_by_id(merchant_id: int) -> Row[Store]:
    async def fetch(keys: list[int]) -> list[Store | None]:
        return by_key(await Store.filter(merchant_id=merchant_id, id__in=keys), keys)

    return loader(fetch)


def complaint_messages(merchant_id: int, *, shopper: bool) -> Rows[ComplaintMessage]:
    """Each complaint's thread, oldest first; for the shopper, without internal notes."""

    async def fetch(keys: list[int]) -> list[list[ComplaintMessage]]:
        mine = await Complaint.filter(merchant_id=merchant_id, id__in=keys).values_list("id")
        found = await thread([pk for (pk,) in mine], shopper=shopper)
        return [found.get(key, []) for key in keys]

    return loader(fetch)


def service_targets() -> DataLoader[int, Targets]:
    """The merchant's response and resolution targets, read once per request."""

    async def fetch(keys: list[int]) -> list[Targets]:
        return [Targets.of(await load_feedback_config(key)) for key in keys]

    return loader(fetch)


def profile_feedback(merchant_id: int) -> DataLoader[int, ProfileFeedback]:
    """Each profile's latest answers, open complaints and reviews, in four statements per batch."""

    async def fetch(keys: list[int]) -> list[ProfileFeedback]:
        return await profile_summaries(merchant_id, keys)

    return loader(fetch)


@dataclass
class FeedbackLoaders:
    order: Row[Order]
    store: Row[Store]
    complaint_messages: Rows[ComplaintMessage]
    """The whole thread, notes included: the admin API only."""
    complaint_thread: Rows[ComplaintMessage]
    """The thread as the shopper sees it: no notes."""
    targets: DataLoader[int, Targets]
    profile_feedback: DataLoader[int, ProfileFeedback]
    """Each profile's feedback summary (``Profile.feedback``)."""

    @classmethod
    def for_merchant(cls, merchant_id: int) -> FeedbackLoaders:
        return cls(
            order=order_by_id(merchant_id),
            store=store_by_id(merchant_id),
            complaint_messages=complaint_messages(merchant_id, shopper=False),
            complaint_thread=complaint_messages(merchant_id, shopper=True),
            targets=service_targets(),
            profile_feedback=profile_feedback(merchant_id),
        )

    def forget(self) -> None:
        for spec in fields(self):
            getattr(self, spec.name).clear_all()
