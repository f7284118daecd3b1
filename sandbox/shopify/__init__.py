"""A Shopify simulator (Admin API 2026-10): OAuth, Admin GraphQL with cost-based throttling,
signed webhooks, fault switches and a shop that changes over time.

It is written from Shopify's documentation, independently of the connector that talks to
it, so a misreading in one cannot hide in the other. It imports nothing from the rest of
the project except the shared sandbox data set.

    from sandbox.shopify import ShopState, create_app
    from sandbox.http_server import serve

    state = ShopState.from_dataset("sample", 7, api_key="K", api_secret="S")
    with serve(create_app(state)) as base_url:
        token = state.issue_token()
        ...  # POST {base_url}/admin/api/2026-10/graphql.json
"""

from .app import create_app, resolve_version
from .oauth import (
    decode_session_token,
    install_query,
    make_session_token,
    sign_query,
    verify_query,
)
from .settings import API_VERSION, SUPPORTED_VERSIONS, SimSettings
from .state import ShopState
from .webhooks import COMPLIANCE_TOPICS, webhook_hmac

__all__ = [
    "API_VERSION",
    "COMPLIANCE_TOPICS",
    "SUPPORTED_VERSIONS",
    "ShopState",
    "SimSettings",
    "create_app",
    "decode_session_token",
    "install_query",
    "make_session_token",
    "resolve_version",
    "sign_query",
    "verify_query",
    "webhook_hmac",
]
