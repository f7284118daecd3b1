"""Who is calling: merchant API keys, shopper tokens, app proxy signatures, Shopify session tokens."""
