"""A store's time zone as Python knows it.

Platforms report zone names (Shopify's ``iana_timezone``, WooCommerce's ``timezone_string``) that
this machine's zone data may not hold, or none at all; such a store keeps UTC rather than failing
the campaign, the birthday or the quiet hours that need its calendar.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def local_date(name: str | None, now: datetime) -> date:
    """The date at ``now`` on the store's calendar."""
    return now.astimezone(zone(name)).date()
