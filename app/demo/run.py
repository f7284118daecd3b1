"""The demo's set-up: the sandbox merchant's two stores, its loyalty program, its insights, and
what a browser needs to open the storefront widget and the dashboard.

The data goes straight into the store (``app.demo.seed``); the Shopify and WooCommerce simulators
run beside the app so a reward redeemed in the widget, or a campaign's code, is a real discount
code made over HTTP on the member's own store. The demo lives in the
present: the sandbox history is moved to end yesterday (UTC), in the store and in the simulator,
and "today" for insights is the start of today.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from tortoise.transactions import in_transaction

from app.auth.api_keys import issue
from app.auth.shopper_tokens import ShopperTokens
from app.demo.birthdays import seed_birthdays
from app.demo.engagement import plant_engagement
from app.demo.feedback import plant_pending_survey, seed_feedback
from app.demo.mailbox import DemoMailServer
from app.demo.seed import sandbox_merchant, seed
from app.discounts import ConnectorIssuers
from app.sample_program import install_sample_campaigns, install_sample_program
from app.settings import Settings
from insights.models import ProductPairing, RefreshRun, RefreshStatus
from insights.refresh import refresh_merchant, start_of_day
from loyalty.actions import adjust
from loyalty.models import Member, Redemption
from loyalty.perks import sync_perks
from loyalty.program import load_program
from measure.refresh import refresh_measurement
from sandbox.dataset import SandboxData, build
from schema.core.ids import to_gid
from store.models import ApiKey, Customer, InstallState, Merchant, Order, Store, StorefrontOrigin
from store.people import ensure_profiles

SOURCE, SEED = "sample", 7
SHOPPER_TOKEN_TTL = 86_400
DEMO_CREDIT = 1000
"""Points given once to the sample shopper: points are released 30 days after an order, so the
best balances of the history stop short of trying several rewards in one visit."""
DEMO_KEY_NAME = "demo"


def stop_process(process: subprocess.Popen[str]) -> None:
    """Ask a simulator to stop, and make it if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class Simulator:
    """The Shopify simulator in its own process, with an offline token for the sandbox shop."""

    process: subprocess.Popen[str]
    base_url: str
    token: str

    @classmethod
    def start(cls, port: int, api_key: str, api_secret: str, today: date | None = None) -> Simulator:
        """Serves the same history as the demo's store, moved to end the day before ``today``."""
        ends = history_end(today or utc_today())
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox.shopify",
                "--port",
                str(port),
                "--print-token",
                "--source",
                SOURCE,
                "--seed",
                str(SEED),
                "--ends",
                ends.isoformat(),
                "--api-key",
                api_key or "demo-app",
                "--api-secret",
                api_secret or "demo-app-secret",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if found := re.match(r"access token: (\S+)", line):
                return cls(process, f"http://127.0.0.1:{port}", found.group(1))
        process.wait(timeout=5)
        raise RuntimeError(f"the Shopify simulator did not start (exit {process.returncode})")

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class WooSite:
    """The WooCommerce simulator in its own process, over HTTPS with a throw-away certificate (so
    the connector uses HTTP Basic, as against a real site), accepting the REST keys given to it,
    which the demo's store then holds."""

    process: subprocess.Popen[str]
    port: int
    consumer_key: str
    consumer_secret: str

    @classmethod
    def launch(cls, port: int, today: date | None = None) -> WooSite:
        """Starts the site on the demo's history without waiting: building it takes seconds the
        demo spends loading its store meanwhile (``ready`` waits)."""
        key, secret = f"ck_{secrets.token_hex(20)}", f"cs_{secrets.token_hex(20)}"
        ends = history_end(today or utc_today())
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox.woocommerce",
                "--port",
                str(port),
                "--tls",
                "--source",
                SOURCE,
                "--seed",
                str(SEED),
                "--ends",
                ends.isoformat(),
                "--consumer-key",
                key,
                "--consumer-secret",
                secret,
                "--log-level",
                "warning",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return cls(process, port, key, secret)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def ready(self, timeout: float = 60) -> WooSite:
        """Waits until the site has its key and accepts connections."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip().startswith("auth:"):
                break
        deadline = clock.monotonic() + timeout
        while self.process.poll() is None and clock.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                clock.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the WooCommerce simulator did not start (exit {self.process.returncode})")

    def stop(self) -> None:
        stop_process(self.process)


def utc_today() -> date:
    return datetime.now(UTC).date()


def history_end(today: date) -> date:
    """The sandbox history's last day in a demo run on ``today``: yesterday."""
    return today - timedelta(days=1)


def demo_data(today: date) -> SandboxData:
    """The sandbox data set as the demo shows it on ``today``: the CDNOW history moved forward by
    whole days to end yesterday (gaps between purchases and amounts as recorded)."""
    return build(SOURCE, SEED, ends=history_end(today))


async def prepare(today: date | None = None) -> str:
    """Load the sandbox stores (the database is migrated already); returns a one-line summary.

    A sandbox merchant loaded on another day (its history ends on another day) is deleted and
    loaded again: it is demo data, and a mix of two histories would contradict itself."""
    data = demo_data(today or utc_today())
    dropped = await drop_other_days(data)
    written = await seed(data)
    orders, customers = await Order.all().count(), await Customer.all().count()
    new = sum(written.values())
    span = f"{data.orders[0].created_at:%Y-%m-%d} to {data.orders[-1].created_at:%Y-%m-%d}"
    again = f"; reloaded, it ended {dropped:%Y-%m-%d} before" if dropped else ""
    return (
        f"{orders} orders and {customers} customers across 2 stores, history {span} ({new} orders new this run{again})"
    )


async def drop_other_days(data: SandboxData) -> date | None:
    """Delete the sandbox merchant (and all that hangs off it) when the history's first or last
    order carries other dates than in ``data`` (orders placed since, e.g. by webhooks, do not
    count); returns the day its history ended then, or None when it is absent or current."""
    merchant = await Merchant.get_or_none(name=data.merchant_name)
    if merchant is None:
        return None
    first, last = data.orders[0], data.orders[-1]
    ends = {(o.store, str(o.platform_id)): o.created_at for o in (first, last)}
    stored = await Order.filter(merchant_id=merchant.id, platform_id__in=[k[1] for k in ends]).values_list(
        "store__platform", "platform_id", "platform_created_at"
    )
    moved = {key: at - ends[key] for platform, pid, at in stored if (key := (str(platform), pid)) in ends}
    if all(delta == timedelta(0) for delta in moved.values()):
        return None
    async with in_transaction():
        await Redemption.filter(merchant_id=merchant.id).delete()  # a reward cannot go while redeemed
        await Merchant.filter(id=merchant.id).delete()
    return (last.created_at + next(delta for delta in moved.values() if delta)).date()


async def prepare_program(
    settings: Settings,
    base_url: str,
    simulator: Simulator | None,
    today: date | None = None,
    site: WooSite | None = None,
) -> dict[str, Any]:
    """Everything after the data: profiles, insights, the program, credentials; returns demo.json."""
    today = today or utc_today()
    data = demo_data(today)
    merchant, stores = await sandbox_merchant(data)
    await ensure_profiles(cast(list[int], await Customer.filter(profile_id=None).values_list("id", flat=True)))
    as_of = datetime.combine(today, time(), tzinfo=UTC)
    first_run = not await RefreshRun.filter(merchant_id=merchant.id, status=RefreshStatus.COMPLETE).exists()
    if first_run:
        await refresh_merchant(merchant.id, as_of=as_of)
    await install_sample_program(merchant.id, effective_from=start_of_day(data.orders[0].created_at))
    await plant_engagement(merchant.id, history_end(today))
    if first_run:  # as the refresh job does, what the dashboard reads: after who took part in the program
        await refresh_measurement(merchant.id, as_of)
    await install_sample_campaigns(merchant.id)
    await seed_birthdays(data, merchant, stores)
    await seed_feedback(data, merchant, stores)
    for store in stores.values():
        for origin in _origins(base_url):
            await StorefrontOrigin.get_or_create(store_id=store.id, origin=origin)
    shopify = stores["shopify"]
    if simulator is not None:
        shopify.access_token, shopify.install_state = simulator.token, InstallState.INSTALLED
        await shopify.save(update_fields=["access_token", "install_state", "updated_at"])
    woo = await _connect_woocommerce(stores["woocommerce"], site)
    await ApiKey.filter(merchant_id=merchant.id, name=DEMO_KEY_NAME, revoked_at=None).update(
        revoked_at=datetime.now(UTC)
    )
    api_key = (await issue(merchant.id, DEMO_KEY_NAME)).secret
    shopper = await _sample_shopper(shopify)
    holder = shopper.owner_id or shopper.profile_id
    await plant_pending_survey(shopper, datetime.now(UTC))
    if holder is None:
        raise RuntimeError("the demo shopper has no profile")
    if simulator is not None and site is not None:  # the shopper's free-shipping codes, made on both simulators
        served = settings.model_copy(
            update={
                "shopify_base_url": simulator.base_url,
                "woocommerce_verify_tls": False,
                "allow_site_networks": _with_sandbox(json.dumps(list(settings.allow_site_networks))),
            }
        )
        await sync_perks(merchant.id, ConnectorIssuers(served), datetime.now(UTC), profile_ids=[holder])
    await adjust(
        holder,
        DEMO_CREDIT,
        reason="Demo credit: points to try several rewards",
        actor="demo",
        key=f"demo-credit:{holder}",
    )
    tokens = ShopperTokens(settings.secret_key.get_secret_value())
    token, _ = tokens.mint(shopify.id, shopper.id, SHOPPER_TOKEN_TTL)
    expired, _ = tokens.mint(shopify.id, shopper.id, 60, now=datetime.now(UTC) - timedelta(days=2))
    product = await _paired_product(shopify)
    page = urlencode({"key": shopify.public_key, "token": token, "product": product})
    return {
        "base_url": base_url,
        "merchant_id": merchant.id,
        "history": {
            "first_order": data.orders[0].created_at.isoformat(),
            "last_order": data.orders[-1].created_at.isoformat(),
            "today": today.isoformat(),
        },
        "stores": {
            platform: {"id": s.id, "public_key": s.public_key, "domain": s.domain} for platform, s in stores.items()
        },
        "woocommerce_webhooks": {"url": f"{base_url}/webhooks/woocommerce/{woo.id}", "secret": woo.webhook_secret},
        "woocommerce_site": {
            "url": woo.domain,
            "consumer_key": woo.consumer_key,
            "consumer_secret": woo.consumer_secret,
        }
        if site is not None
        else None,
        "shopper": {
            "customer_id": shopper.id,
            "profile_id": shopper.profile_id,
            "store": "shopify",
            "email": shopper.email,
            "token": token,
        },
        "expired_shopper_token": expired,
        "api_key": api_key,
        "product_id": product,
        "storefront_url": f"{base_url}/demo/storefront.html?{page}",
        "dashboard_url": f"{base_url}/dashboard/#key={api_key}",
        "explorer_url": f"{base_url}/explorer/#key={api_key}",
        "mailbox_url": f"{base_url}/demo/mailbox.html",
    }


async def _connect_woocommerce(woo: Store, site: WooSite | None) -> Store:
    """Give the sandbox WooCommerce store what a connected site has (REST keys and a webhook
    secret), so signed deliveries to the demo are accepted like a real site's; with the simulator
    running, its address and the keys it accepts, so codes for its members are made there."""
    if site is not None:
        woo.domain, woo.consumer_key, woo.consumer_secret = site.base_url, site.consumer_key, site.consumer_secret
        woo.webhook_secret = woo.webhook_secret or secrets.token_urlsafe(32)
        woo.install_state = InstallState.INSTALLED
        await woo.save(
            update_fields=[
                "domain",
                "consumer_key",
                "consumer_secret",
                "webhook_secret",
                "install_state",
                "updated_at",
            ]
        )
    elif not (woo.consumer_key and woo.consumer_secret and woo.webhook_secret):
        woo.consumer_key = f"ck_{secrets.token_hex(20)}"
        woo.consumer_secret = f"cs_{secrets.token_hex(20)}"
        woo.webhook_secret = secrets.token_urlsafe(32)
        woo.install_state = InstallState.INSTALLED
        await woo.save(
            update_fields=["consumer_key", "consumer_secret", "webhook_secret", "install_state", "updated_at"]
        )
    return woo


def _origins(base_url: str) -> list[str]:
    """The demo page's origin under both names a browser may use for this machine."""
    origins = [base_url.rstrip("/")]
    for a, b in (("127.0.0.1", "localhost"), ("localhost", "127.0.0.1")):
        if f"//{a}:" in base_url:
            origins.append(base_url.rstrip("/").replace(a, b))
    return origins


async def _sample_shopper(shopify: Store) -> Customer:
    """A signed-up Shopify customer with points to spend and a tier still to reach (so the widget
    has progress to show), whose balance spans both stores when one does (one program)."""
    rules = (await load_program(shopify.merchant_id)).rules_now(datetime.now(UTC))
    top = rules.tiers[-1].name if rules and rules.tiers else None
    query = Member.filter(
        available__gte=1000, profile__owned_accounts__store_id=shopify.id, profile__owned_accounts__is_guest=False
    )
    if top is not None:
        query = query.exclude(tier=top)
    candidates = await query.order_by("-available", "id").limit(50).values_list("profile_id", flat=True)
    best = fallback = None
    for profile_id in candidates:
        accounts = await Customer.filter(owner_id=profile_id).values("store_id", "profile_id")
        if not any(a["profile_id"] == profile_id for a in accounts):
            continue  # the person's main balance is another account's
        if len({a["store_id"] for a in accounts}) > 1:
            best = profile_id
            break
        fallback = fallback or profile_id
    best = best or fallback or (candidates[0] if candidates else None)
    accounts_query = Customer.filter(store_id=shopify.id, is_guest=False)
    if best is not None:
        accounts_query = accounts_query.filter(owner_id=best)
    customer = await accounts_query.order_by("id").first()
    if customer is None:
        raise RuntimeError("the sandbox Shopify store has no signed-up customer")
    return customer


async def _paired_product(shopify: Store) -> str | None:
    """A product of the Shopify store with the longest "bought together" list."""
    pairings = await ProductPairing.filter(product__store_id=shopify.id).only("product_id", "items")
    best = max(pairings, key=lambda p: (len(p.items), -p.product_id), default=None)
    return to_gid("Product", best.product_id) if best else None


DEMO_MAIL_FROM = "rewards@rapport-demo.test"


SANDBOX_NETWORK = "127.0.0.0/8"


def demo_env(
    simulator: Simulator | None,
    mail: DemoMailServer | None = None,
    base_url: str | None = None,
    site: WooSite | None = None,
) -> None:
    """Settings the served demo needs: the simulator as every shop's API, the WooCommerce
    simulator reachable on this machine with its throw-away certificate (development settings,
    in this process only: production refuses both), the demo's own SMTP server for every email
    (whatever .env says: the demo never mails real shoppers) with links back to the demo's port,
    no periodic syncs, the API explorer on."""
    if simulator is not None:
        os.environ["SHOPIFY_BASE_URL"] = simulator.base_url
    if site is not None:
        os.environ["WOOCOMMERCE_VERIFY_TLS"] = "false"
        os.environ["ALLOW_SITE_NETWORKS"] = json.dumps(_with_sandbox(os.environ.get("ALLOW_SITE_NETWORKS")))
    if base_url is not None:
        os.environ.setdefault("PUBLIC_BASE_URL", base_url)
    if mail is not None:
        os.environ["SMTP_URL"] = mail.url
        os.environ["MAIL_FROM"] = DEMO_MAIL_FROM
        os.environ["DEMO_MAILBOX"] = str(mail.directory)
    os.environ.setdefault("SCHEDULER", "false")
    os.environ.setdefault("GRAPHQL_EXPLORER", "true")


def _with_sandbox(networks: str | None) -> list[str]:
    """The networks already allowed (a JSON list, as the setting is read) plus the simulator's."""
    try:
        found = json.loads(networks) if networks else []
    except ValueError:
        found = []
    allowed = [str(n) for n in found] if isinstance(found, list) else []
    return allowed if SANDBOX_NETWORK in allowed else [*allowed, SANDBOX_NETWORK]
