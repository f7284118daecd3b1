"""The schema's ``Credentials`` service, backed by this package's key and token formats."""

from __future__ import annotations

from datetime import datetime

from app.auth import api_keys
from app.auth.shopper_tokens import ShopperTokens
from app.auth.site_requests import complaint_secret, review_secret
from app.http.ratelimit import COMPLAINTS_PATH, REVIEWS_PATH
from schema.core.context import IssuedApiKey


class AppCredentials:
    def __init__(self, tokens: ShopperTokens, *, secret_key: str = "", base_url: str = "") -> None:
        self.tokens = tokens
        self.secret_key = secret_key
        self.base_url = base_url

    async def issue_api_key(self, merchant_id: int, name: str) -> IssuedApiKey:
        return await api_keys.issue(merchant_id, name)

    def mint_shopper_token(self, store_id: int, customer_id: int, ttl_seconds: int | None) -> tuple[str, datetime]:
        return self.tokens.mint(store_id, customer_id, ttl_seconds)

    def review_intake(self, store_id: int) -> tuple[str, str]:
        return f"{self.base_url}{REVIEWS_PATH}", review_secret(self.secret_key, store_id)

    def complaint_intake(self, store_id: int) -> tuple[str, str]:
        return f"{self.base_url}{COMPLAINTS_PATH}", complaint_secret(self.secret_key, store_id)
