"""Turning a request's credentials into the viewer the GraphQL context carries."""

from __future__ import annotations

from starlette.requests import Request

from app.auth import api_keys, app_proxy, session_tokens
from app.auth.errors import AuthError, forbidden
from app.auth.misplaced import Credential, misplaced, recognise
from app.auth.shopper_tokens import ShopperTokens
from app.settings import Settings
from schema.core.context import AdminVia, AdminViewer, ShopperVia, ShopperViewer
from store.models import Customer, InstallState, Platform, Store

STORE_KEY_HEADER = "x-rapport-store-key"
SHOPPER_TOKEN_HEADER = "x-rapport-shopper-token"
API_KEY_HEADER = "x-rapport-api-key"
SERVING = (InstallState.INSTALLED, InstallState.PENDING)
STORE_KEY_MAX = Store._meta.fields_map["public_key"].max_length
"""A longer value cannot be a key: it is refused before the lookup, which would reject it as a bug."""


async def storefront_viewer(request: Request, settings: Settings, tokens: ShopperTokens) -> ShopperViewer:
    """The store by its public key (or the app proxy's shop) and the shopper, if one signed in."""
    key = request.headers.get(STORE_KEY_HEADER)
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer ") and not request.headers.get(SHOPPER_TOKEN_HEADER):
        raise misplaced(authorization, "Authorization: Bearer")
    params = list(request.query_params.multi_items())
    proxied = None
    if any(name == "signature" for name, _ in params):
        proxied = app_proxy.verify(
            params, settings.shopify_api_secret.get_secret_value(), max_age=settings.app_proxy_max_age_seconds
        )
        store = await Store.get_or_none(platform=Platform.SHOPIFY, domain=proxied.shop)
        if store is None:
            raise forbidden(f"{proxied.shop} has not installed Rapport")
        if key is not None and key != store.public_key:
            raise forbidden("the store key does not belong to the proxied shop")
    elif key:
        if (found := recognise(key)) is not None and found != Credential.STORE_KEY:
            raise misplaced(key, "X-Rapport-Store-Key")
        store = await Store.get_or_none(public_key=key) if len(key) <= STORE_KEY_MAX else None
        if store is None:
            raise AuthError("the store key is not valid")
    else:
        raise AuthError("send the store's public key in the X-Rapport-Store-Key header")
    if store.install_state not in SERVING:
        raise forbidden("this store's storefront API is switched off")
    if proxied is not None:
        customer = (
            await _account(store, platform_id=proxied.customer_platform_id) if proxied.customer_platform_id else None
        )
        return ShopperViewer(
            store=store,
            customer_id=customer.id if customer else None,
            via=ShopperVia.APP_PROXY if customer else None,
            customer=customer,
        )
    token = request.headers.get(SHOPPER_TOKEN_HEADER)
    if token and (found := recognise(token)) is not None and found != Credential.SHOPPER_TOKEN:
        raise misplaced(token, "X-Rapport-Shopper-Token")
    if token:
        customer = await _account(store, pk=tokens.verify(token, store.id))
        if customer is None:
            raise AuthError("the shopper token's customer no longer exists")
        return ShopperViewer(store=store, customer_id=customer.id, via=ShopperVia.SHOPPER_TOKEN, customer=customer)
    return ShopperViewer(store=store, customer_id=None, via=None)


async def _account(store: Store, *, platform_id: str | None = None, pk: int | None = None) -> Customer | None:
    """A signed-in shopper is a customer account of this store (never a guest)."""
    filters = {"platform_id": platform_id} if platform_id is not None else {"id": pk}
    return await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None, **filters).first()


async def admin_viewer(request: Request, settings: Settings) -> AdminViewer:
    """The merchant by API key (``Bearer rpk_...`` or X-Rapport-Api-Key) or Shopify session token."""
    authorization = request.headers.get("authorization", "")
    raw_key = request.headers.get(API_KEY_HEADER)
    if raw_key is None and authorization.startswith(f"Bearer {api_keys.SCHEME}"):
        raw_key = authorization.removeprefix("Bearer ")
    if raw_key is not None:
        key = await api_keys.authenticate(raw_key)
        return AdminViewer(merchant_id=key.merchant_id, store_id=None, via=AdminVia.API_KEY)
    if authorization.startswith("Bearer "):
        if recognise(authorization) in (Credential.STORE_KEY, Credential.SHOPPER_TOKEN):
            raise misplaced(authorization, "Authorization: Bearer on the admin API")
        domain = session_tokens.shop_domain(
            authorization, settings.shopify_api_key, settings.shopify_api_secret.get_secret_value()
        )
        store = await Store.get_or_none(platform=Platform.SHOPIFY, domain=domain)
        if store is None or store.install_state == InstallState.UNINSTALLED:
            raise forbidden(f"{domain} has not installed Rapport")
        return AdminViewer(merchant_id=store.merchant_id, store_id=store.id, via=AdminVia.SESSION_TOKEN)
    for header, name in ((STORE_KEY_HEADER, "X-Rapport-Store-Key"), (SHOPPER_TOKEN_HEADER, "X-Rapport-Shopper-Token")):
        if request.headers.get(header):
            raise AuthError(
                f"the admin API does not read {name} (that is for /graphql/storefront); send a "
                "Shopify session token or a merchant API key as Authorization: Bearer ..."
            )
    raise AuthError("send a Shopify session token or a merchant API key as Authorization: Bearer ...")
