"""The schema's ``Credentials`` service, backed by this package's key and token formats."""

from __future__ import annotations

from datetime import datetime

from app.auth import api_keys
from app.auth.shopper_tokens import ShopperTokens
from schema.core.context import IssuedApiKey


class AppCredentials:
    def __init__(self, tokens: ShopperTokens) -> None:
        self.tokens = tokens

    async def issue_api_key(self, merchant_id: int, name: str) -> IssuedApiKey:
        return await api_keys.issue(merchant_id, name)

    def mint_shopper_token(self, store_id: int, customer_id: int, ttl_seconds: int | None) -> tuple[str, datetime]:
        return self.tokens.mint(store_id, customer_id, ttl_seconds)
