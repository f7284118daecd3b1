"""Secrets at rest are encrypted with a key from settings and never shown."""

from __future__ import annotations

import pytest
from tortoise import connections

from store import crypto
from store.models import Merchant, Store

pytestmark = pytest.mark.db


async def test_tokens_are_stored_encrypted_and_read_back_in_clear(db):
    merchant = await Merchant.create(name="m")
    await Store.create(
        merchant=merchant,
        platform="shopify",
        domain="s.myshopify.com",
        public_key="pk",
        access_token="shpat_secret",
        webhook_secret="whsec",
    )
    rows = await connections.get("default").execute_query_dict("SELECT access_token, webhook_secret FROM stores")
    assert "shpat_secret" not in str(rows) and "whsec" not in str(rows)
    store = await Store.get(domain="s.myshopify.com")
    assert store.access_token == "shpat_secret"
    assert "shpat_secret" not in repr(store.access_token) and "shpat_secret" not in repr(vars(store))


async def test_a_rotated_key_still_reads_old_secrets(db):
    merchant = await Merchant.create(name="m")
    await Store.create(
        merchant=merchant, platform="woocommerce", domain="https://w.test", public_key="pk2", consumer_secret="cs_old"
    )
    crypto.configure("a-brand-new-secret-key-" + "y" * 20, "test-secret-key-" + "x" * 32)
    try:
        assert (await Store.get(public_key="pk2")).consumer_secret == "cs_old"
        crypto.configure("a-brand-new-secret-key-" + "y" * 20)
        with pytest.raises(crypto.SecretsNotConfigured, match="cannot be decrypted"):
            await Store.get(public_key="pk2")
    finally:
        crypto.configure("test-secret-key-" + "x" * 32)
