"""Knobs of one simulated shop, gathered so tests and the CLI set them in one place."""

from __future__ import annotations

from dataclasses import dataclass

API_VERSION = "2026-10"
# Supported set as of October 2026 (oldest first); anything else falls forward to the oldest.
SUPPORTED_VERSIONS: tuple[str, ...] = ("2026-01", "2026-04", "2026-07", "2026-10")

# Webhook retry delays in seconds before compression: 8 retries, exponential, 4 hours in all.
RETRY_SCHEDULE: tuple[float, ...] = (60, 120, 240, 480, 900, 1800, 3600, 7200)


@dataclass
class SimSettings:
    """Per-shop settings. Defaults follow the Standard plan and the documented token lifetimes."""

    api_key: str = "sim-api-key"
    api_secret: str = "sim-api-secret"
    shop_domain: str = "northwind.myshopify.com"
    shop_name: str = "Northwind Records"
    shop_email: str = "owner@northwind.test"
    iana_timezone: str = "America/New_York"
    api_version: str = API_VERSION
    # leaky bucket (GraphQL Admin API calculated query cost)
    bucket_size: float = 2000.0
    bucket_scope: str = "app"  # "app": one bucket per app and shop (the docs); "token": per token
    restore_rate: float = 100.0
    max_query_cost: int = 1000
    max_page_size: int = 250
    # tokens
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 7_776_000
    online_token_ttl: int = 86_399
    refresh_grace_seconds: float = 0.0  # docs mention a short retry window; 0 = old token dies at once
    session_token_leeway: int = 10
    granted_scopes: tuple[str, ...] | None = None  # None: the merchant grants what was asked
    # scopes declared in shopify.app.toml (Shopify-managed install, token exchange)
    app_scopes: tuple[str, ...] = (
        "read_orders",
        "read_customers",
        "read_products",
        "write_discounts",
    )
    # search syntax: an unquoted datetime value loses its time part (Shopify support note)
    unquoted_datetime_ignores_time: bool = True
    # webhooks
    webhook_timeout: float = 5.0
    webhook_connect_timeout: float = 1.0
    retry_schedule: tuple[float, ...] = RETRY_SCHEDULE
    retry_time_scale: float = 0.001  # 4 h of retries become 14.4 s
    webhook_max_consecutive_failures: int = 8
    compliance_uri: str | None = None
    # bulk operations finish this long after they start (state clock)
    bulk_delay_seconds: float = 0.0  # shopify.app.toml `compliance_topics` address
