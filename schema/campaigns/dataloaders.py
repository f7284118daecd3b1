"""Campaign rows of the admin API, batched per request and scoped to the merchant."""

from __future__ import annotations

from dataclasses import dataclass, fields

from strawberry.dataloader import DataLoader
from tortoise.functions import Count

from campaigns.models import Campaign, CampaignEntry, Message, MessageStatus
from schema.core.batching import Row, by_key, loader

__all__ = ["CampaignLoaders", "CampaignStats"]


@dataclass(frozen=True)
class CampaignStats:
    entered: int = 0
    sent: int = 0


def campaign_by_id(merchant_id: int) -> Row[Campaign]:
    async def fetch(keys: list[int]) -> list[Campaign | None]:
        return by_key(await Campaign.filter(merchant_id=merchant_id, id__in=keys), keys)

    return loader(fetch)


def stats_by_campaign(merchant_id: int) -> DataLoader[int, CampaignStats]:
    """Members entered and emails sent of every campaign asked for, in two grouped statements."""

    async def fetch(keys: list[int]) -> list[CampaignStats]:
        entered = dict(
            await CampaignEntry.filter(merchant_id=merchant_id, campaign_id__in=keys)
            .annotate(n=Count("id"))
            .group_by("campaign_id")
            .values_list("campaign_id", "n")
        )
        sent = dict(
            await Message.filter(merchant_id=merchant_id, campaign_id__in=keys, status=MessageStatus.SENT)
            .annotate(n=Count("id"))
            .group_by("campaign_id")
            .values_list("campaign_id", "n")
        )
        return [CampaignStats(entered=entered.get(k, 0), sent=sent.get(k, 0)) for k in keys]

    return loader(fetch)


@dataclass
class CampaignLoaders:
    campaign: Row[Campaign]
    stats: DataLoader[int, CampaignStats]

    @classmethod
    def for_merchant(cls, merchant_id: int) -> CampaignLoaders:
        return cls(campaign=campaign_by_id(merchant_id), stats=stats_by_campaign(merchant_id))

    def forget(self) -> None:
        for spec in fields(self):
            getattr(self, spec.name).clear_all()
