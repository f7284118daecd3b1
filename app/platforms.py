"""The connector of each platform, built from settings: the one place that knows them all."""

from __future__ import annotations

from app.settings import Settings
from connectors.core.connector import Connector
from store.models import Platform

_built: dict[tuple[Platform, int], tuple[Settings, Connector]] = {}
"""One connector per platform and settings object (``Settings`` is not hashable, so keyed by
identity; the settings are kept alongside so an id is never reused for another object)."""


def connector_for(platform: Platform | str, settings: Settings) -> Connector:
    key = (Platform(platform), id(settings))
    hit = _built.get(key)
    if hit is None or hit[0] is not settings:
        hit = (settings, _connector(key[0], settings))
        _built[key] = hit
    return hit[1]


def _connector(platform: Platform, settings: Settings) -> Connector:
    if platform is Platform.SHOPIFY:
        from app.privacy import shopify_privacy_request
        from connectors.shopify import ShopifyConnector

        connector = ShopifyConnector.from_settings(settings)
        connector.privacy_handler = shopify_privacy_request
        return connector
    from connectors.woocommerce import WooConnector

    return WooConnector.from_settings(settings)
