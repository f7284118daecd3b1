"""Discount issuers for redemptions: each store's own connector, as ``app.platforms`` builds it."""

from __future__ import annotations

from app.platforms import connector_for
from app.settings import Settings
from store.discounts import DiscountIssuer
from store.models import Store


class ConnectorIssuers:
    """Gives the schema the connector of a store's platform, which creates the codes there."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def issuer_for(self, store: Store) -> DiscountIssuer:
        return connector_for(store.platform, self.settings)
