"""Connectors: Shopify and WooCommerce, verified, fetched and normalised to the store's canonical records."""
