"""The demo's set-up: the sandbox merchant's two stores, its loyalty program, its insights, and
what a browser needs to open the storefront widget and the dashboard.

The data goes straight into the store (``app.seed``); the Shopify simulator runs beside the app
so a reward redeemed in the widget creates a real discount code over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from app.auth.api_keys import issue
from app.auth.shopper_tokens import ShopperTokens
from app.sample_program import install_sample_program
from app.seed import sandbox_merchant, seed
from app.settings import Settings
from insights.models import ProductPairing, RefreshRun
from insights.refresh import refresh_merchant
from loyalty.models import Member
from loyalty.program import load_program
from sandbox.dataset import build
from schema.core.ids import to_gid
from schema.models import ApiKey, StorefrontOrigin
from store.models import Customer, InstallState, Order, Store
from store.people import ensure_profiles

AS_OF = datetime(1998, 7, 1, tzinfo=UTC)
"""The day after the sandbox's CDNOW history ends: "today" for recency, churn and CLV."""
SHOPPER_TOKEN_TTL = 86_400
DEMO_KEY_NAME = "demo"


@dataclass
class Simulator:
    """The Shopify simulator in its own process, with an offline token for the sandbox shop."""

    process: subprocess.Popen[str]
    base_url: str
    token: str

    @classmethod
    def start(cls, port: int, api_key: str, api_secret: str) -> Simulator:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.shopify", "--port", str(port), "--print-token",
             "--api-key", api_key or "demo-app", "--api-secret", api_secret or "demo-app-secret"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if found := re.match(r"access token: (\S+)", line):
                return cls(process, f"http://127.0.0.1:{port}", found.group(1))
        process.wait(timeout=5)
        raise RuntimeError(f"the Shopify simulator did not start (exit {process.returncode})")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def prepare() -> str:
    """Load the sandbox stores (the database is migrated already); returns a one-line summary."""
    written = await seed(build("sample", 7))
    orders, customers = await Order.all().count(), await Customer.all().count()
    new = sum(written.values())
    return f"{orders} orders and {customers} customers across 2 stores ({new} orders new this run)"


async def prepare_program(settings: Settings, base_url: str, simulator: Simulator | None) -> dict[str, Any]:
    """Everything after the data: profiles, insights, the program, credentials; returns demo.json."""
    data = build("sample", 7)
    merchant, stores = await sandbox_merchant(data)
    await ensure_profiles(await Customer.filter(profile_id=None).values_list("id", flat=True))
    if not await RefreshRun.filter(merchant_id=merchant.id, status="complete").exists():
        await refresh_merchant(merchant.id, as_of=AS_OF)
    await install_sample_program(merchant.id)
    for store in stores.values():
        for origin in _origins(base_url):
            await StorefrontOrigin.get_or_create(store_id=store.id, origin=origin)
    shopify = stores["shopify"]
    if simulator is not None:
        shopify.access_token, shopify.install_state = simulator.token, InstallState.INSTALLED
        await shopify.save(update_fields=["access_token", "install_state", "updated_at"])
    await ApiKey.filter(merchant_id=merchant.id, name=DEMO_KEY_NAME, revoked_at=None).update(revoked_at=datetime.now(UTC))
    api_key = (await issue(merchant.id, DEMO_KEY_NAME)).secret
    shopper = await _sample_shopper(shopify)
    tokens = ShopperTokens(settings.secret_key.get_secret_value())
    token, _ = tokens.mint(shopify.id, shopper.id, SHOPPER_TOKEN_TTL)
    expired, _ = tokens.mint(shopify.id, shopper.id, 60, now=datetime.now(UTC) - timedelta(days=2))
    product = await _paired_product(shopify)
    page = urlencode({"key": shopify.public_key, "token": token, "product": product})
    return {
        "base_url": base_url,
        "merchant_id": merchant.id,
        "stores": {platform: {"id": s.id, "public_key": s.public_key, "domain": s.domain}
                   for platform, s in stores.items()},
        "shopper": {"customer_id": shopper.id, "profile_id": shopper.profile_id, "store": "shopify",
                    "email": shopper.email, "token": token},
        "expired_shopper_token": expired,
        "api_key": api_key,
        "product_id": product,
        "storefront_url": f"{base_url}/demo/storefront.html?{page}",
        "dashboard_url": f"{base_url}/dashboard/#key={api_key}",
        "explorer_url": f"{base_url}/explorer/#key={api_key}",
    }


def _origins(base_url: str) -> list[str]:
    """The demo page's origin under both names a browser may use for this machine."""
    origins = [base_url.rstrip("/")]
    for a, b in (("127.0.0.1", "localhost"), ("localhost", "127.0.0.1")):
        if f"//{a}:" in base_url:
            origins.append(base_url.rstrip("/").replace(a, b))
    return origins


async def _sample_shopper(shopify: Store) -> Customer:
    """A signed-up Shopify customer with points to spend and a tier still to reach (so the widget
    has progress to show), on both stores when possible (one program)."""
    rules = (await load_program(shopify.merchant_id)).rules_now(datetime.now(UTC))
    top = rules.tiers[-1].name if rules and rules.tiers else None
    query = Member.filter(available__gte=1000, profile__customers__store_id=shopify.id,
                          profile__customers__is_guest=False)
    if top is not None:
        query = query.exclude(tier=top)
    candidates = await query.order_by("-available", "id").limit(50).values_list("profile_id", flat=True)
    best = None
    for profile_id in candidates:
        stores = set(await Customer.filter(profile_id=profile_id).values_list("store_id", flat=True))
        if len(stores) > 1:
            best = profile_id
            break
    best = best or (candidates[0] if candidates else None)
    query = Customer.filter(store_id=shopify.id, is_guest=False)
    if best is not None:
        query = query.filter(profile_id=best)
    customer = await query.order_by("id").first()
    if customer is None:
        raise RuntimeError("the sandbox Shopify store has no signed-up customer")
    return customer


async def _paired_product(shopify: Store) -> str | None:
    """A product of the Shopify store with the longest "bought together" list."""
    pairings = await ProductPairing.filter(product__store_id=shopify.id).only("product_id", "items")
    best = max(pairings, key=lambda p: (len(p.items), -p.product_id), default=None)
    return to_gid("Product", best.product_id) if best else None


def demo_env(simulator: Simulator | None) -> None:
    """Settings the served demo needs: the simulator as every shop's API, no periodic syncs, the
    API explorer on."""
    if simulator is not None:
        os.environ["SHOPIFY_BASE_URL"] = simulator.base_url
    os.environ.setdefault("SCHEDULER", "false")
    os.environ.setdefault("GRAPHQL_EXPLORER", "true")
