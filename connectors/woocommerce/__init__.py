"""The WooCommerce connector: app authorization, REST v3 sync, signed webhooks, coupons."""

from connectors.woocommerce.connector import WooConnector

__all__ = ["WooConnector"]
