"""Shopify: app install (OAuth, token exchange), bulk backfill, incremental sync by ``updated_at``,
signed webhooks and discount codes, over the Admin GraphQL API."""

from connectors.shopify.connector import ShopifyConnector

__all__ = ["ShopifyConnector"]
