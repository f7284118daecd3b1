"""The connector of each platform, built from settings: the one place that knows them all."""

from __future__ import annotations

from functools import cache

from app.settings import Settings
from connectors.core.connector import Connector
from store.models import Platform


def connector_for(platform: Platform | str, settings: Settings) -> Connector:
    return _connector(Platform(platform), settings)


@cache
def _connector(platform: Platform, settings: Settings) -> Connector:
    if platform is Platform.SHOPIFY:
        from connectors.shopify import ShopifyConnector

        return ShopifyConnector.from_settings(settings)
    from connectors.woocommerce import WooConnector

    return WooConnector.from_settings(settings)
