"""Per-merchant mail options: defaults here, a merchant's overrides in ``MailSettings``."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from campaigns.errors import InvalidCampaign
from campaigns.models import MailSettings

LOCALES = ("en", "fr")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class MailConfig:
    """What a merchant may tune about the mail Rapport sends on their behalf."""

    sender_name: str = ""
    """Shown in From; empty: the merchant's name."""
    brand_colour: str = "#1f4e79"
    accent_colour: str = "#f2b705"
    locale: str = "en"
    """Used when a shopper's own locale is unknown or not one of ``LOCALES``."""
    quiet_start_hour: int = 21
    quiet_end_hour: int = 8
    """No marketing mail from ``quiet_start_hour`` to ``quiet_end_hour`` in the store's time zone."""
    frequency_cap: int = 2
    frequency_days: int = 7
    """At most ``frequency_cap`` marketing emails per shopper in ``frequency_days``, across campaigns."""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_overrides(cls, values: dict[str, Any]) -> MailConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise InvalidCampaign(f"unknown mail settings: {', '.join(sorted(unknown))}", ("settings",))
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        for name in ("brand_colour", "accent_colour"):
            if not COLOUR.match(getattr(self, name)):
                raise InvalidCampaign(f"{name} is a colour such as #1f4e79", ("settings", name))
        if self.locale not in LOCALES:
            raise InvalidCampaign(f"locale is one of {', '.join(LOCALES)}", ("settings", "locale"))
        for name in ("quiet_start_hour", "quiet_end_hour"):
            if not 0 <= getattr(self, name) <= 23:
                raise InvalidCampaign(f"{name} is an hour from 0 to 23", ("settings", name))
        if self.frequency_cap < 1 or self.frequency_days < 1:
            raise InvalidCampaign("the frequency cap is at least 1 email per at least 1 day", ("settings",))
        if len(self.sender_name) > 100 or any(c in self.sender_name for c in '\r\n<>"'):
            raise InvalidCampaign('sender_name is at most 100 characters, without line breaks or <>"', ("settings",))


async def load_mail_config(merchant_id: int) -> MailConfig:
    row = await MailSettings.get_or_none(merchant_id=merchant_id)
    return MailConfig.from_overrides(row.values if row else {})


async def save_mail_config(merchant_id: int, values: dict[str, Any]) -> MailConfig:
    """Validate the overrides on top of the current ones and store them."""
    row = await MailSettings.get_or_none(merchant_id=merchant_id)
    merged = {**(row.values if row else {}), **values}
    config = MailConfig.from_overrides(merged)
    await MailSettings.update_or_create(defaults={"values": merged}, merchant_id=merchant_id)
    return config
