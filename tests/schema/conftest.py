"""A sandbox world served by the real app: stores, people with orders, refreshed insights, ways to call it.

The world is seeded and refreshed once per run into a template database; every test gets its
own copy (``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, a file copy on SQLite), so tests
that write stay isolated while none of them pays for seeding. Modules whose tests only read
share one copy and one app (``shared_client``/``shared_world``).
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from tortoise import Tortoise
from tortoise.context import TortoiseContext

from app.auth.app_proxy import signature
from app.db import tortoise_config
from app.demo.seed import customer_record, order_record, pages, product_record, sandbox_merchant
from app.sample_program import install_sample_program
from app.settings import Settings, load_settings
from app.web import create_app
from connectors.shopify import pacing
from insights.models import MergeEvidence
from insights.refresh import refresh_merchant
from sandbox.dataset import build
from sandbox.http_server import serve
from sandbox.shopify import ShopState
from sandbox.shopify import create_app as shop_app
from store.ingest import upsert_customers, upsert_orders, upsert_products
from store.models import Customer, Merchant, Store
from store.people import ensure_profiles
from tests.connectors.shopify.support import new_shop
from tests.support.rate_windows import clear_of_minute_edge, counts_per_minute
from tests.support.servers import BACKEND, PG_ADMIN_URL, SECRET, need_server, pg_admin

API_KEY = "test-app-api-key"
APP_SECRET = "test-app-secret-" + "s" * 20
SHOP = "northwind.myshopify.com"
PEOPLE = 300
"""The world holds every order of the sandbox's first 300 people: repeat buyers, people on both stores."""
AS_OF = datetime(1998, 7, 1, tzinfo=UTC)
"""The day after the sandbox's CDNOW history ends: "today" for recency and CLV."""


@functools.cache
def sandbox():
    return build("sample", 7)


@dataclass(frozen=True)
class WorldIds:
    merchant: int
    shopify: int
    woo: int
    other_merchant: int
    other_store: int
    shopper: int
    other_shopper: int


@dataclass
class World:
    merchant: Merchant
    shopify: Store
    woo: Store
    other_merchant: Merchant
    other_store: Store
    shopper: Customer
    other_shopper: Customer

    @classmethod
    async def load(cls, ids: WorldIds) -> World:
        return cls(
            merchant=await Merchant.get(id=ids.merchant),
            shopify=await Store.get(id=ids.shopify),
            woo=await Store.get(id=ids.woo),
            other_merchant=await Merchant.get(id=ids.other_merchant),
            other_store=await Store.get(id=ids.other_store),
            shopper=await Customer.get(id=ids.shopper),
            other_shopper=await Customer.get(id=ids.other_shopper),
        )


async def cross_store_profile(world: World) -> int:
    """A person whose Shopify and WooCommerce accounts the refresh linked."""
    for evidence in await MergeEvidence.filter(merchant_id=world.merchant.id).order_by("id"):
        stores = set(await Customer.filter(profile_id=evidence.profile_id).values_list("store_id", flat=True))
        if stores == {world.shopify.id, world.woo.id}:
            return evidence.profile_id
    raise AssertionError("the world has nobody on both stores")


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(secret_key=SECRET, shopify_api_key=API_KEY, shopify_api_secret=APP_SECRET)
    return load_settings(database_url=database_url, **(values | overrides))


async def seed_world(people: int = PEOPLE) -> WorldIds:
    """The sandbox merchant with every order of its first ``people`` people, refreshed and earned
    under the sample loyalty program; and a second merchant."""
    data = sandbox()
    merchant, stores = await sandbox_merchant(data)
    chosen = set(sorted({o.person_id for o in data.orders})[:people])
    for platform, store in stores.items():
        part = data.by_store(platform)
        orders = [o for o in part.orders if o.person_id in chosen]
        sold = {line.product_platform_id for o in orders for line in o.lines}
        for page in pages([p for p in part.products if p.platform_id in sold]):
            await upsert_products(store, [product_record(p, store.domain) for p in page])
        for page in pages([c for c in part.customers if c.person_id in chosen]):
            await upsert_customers(store, [customer_record(c) for c in page])
        for page in pages(orders):
            await upsert_orders(store, [order_record(o) for o in page])
    await ensure_profiles(await Customer.all().values_list("id", flat=True))
    await refresh_merchant(merchant.id, as_of=AS_OF)
    await install_sample_program(merchant.id, now=AS_OF)
    other_merchant = await Merchant.create(name="Other Records")
    other_store = await Store.create(
        merchant=other_merchant,
        platform="shopify",
        domain="other.myshopify.com",
        name="Other",
        currency="USD",
        public_key=f"pk_{uuid.uuid4().hex[:24]}",
        install_state="installed",
    )
    woo_profiles = set(await Customer.filter(store_id=stores["woocommerce"].id).values_list("profile_id", flat=True))
    shoppers = [
        c
        for c in await Customer.filter(store_id=stores["shopify"].id, is_guest=False, orders__id__not_isnull=True)
        .distinct()
        .order_by("id")
        if c.profile_id not in woo_profiles
    ]
    return WorldIds(
        merchant=merchant.id,
        shopify=stores["shopify"].id,
        woo=stores["woocommerce"].id,
        other_merchant=other_merchant.id,
        other_store=other_store.id,
        shopper=shoppers[0].id,
        other_shopper=shoppers[1].id,
    )


class Template:
    """The seeded database every test copies, and the ids of its world.

    On PostgreSQL a worker thread keeps the next copies made ahead and drops used ones, so a
    test neither waits for ``CREATE DATABASE ... TEMPLATE`` nor for its database to go.
    """

    AHEAD = 2

    def __init__(self, url: str, ids: WorldIds) -> None:
        self.url, self.ids = url, ids
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self.ahead: deque[Future[str]] = deque()
        if BACKEND != "sqlite":
            for _ in range(self.AHEAD):
                self.ahead.append(self.worker.submit(asyncio.run, self._clone()))

    async def _clone(self) -> str:
        name = f"rapport_t_{uuid.uuid4().hex[:12]}"
        await pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.url.rsplit("/", 1)[1]}"')
        return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"

    def copy(self, where: Path) -> str:
        """A new database holding the seeded world; hand it back with ``drop``."""
        if BACKEND == "sqlite":
            target = where / "rapport.sqlite3"
            shutil.copyfile(self.url.removeprefix("sqlite://"), target)
            return f"sqlite://{target}"
        ready = self.ahead.popleft()
        self.ahead.append(self.worker.submit(asyncio.run, self._clone()))
        return ready.result()

    def drop(self, url: str) -> None:
        if BACKEND != "sqlite":
            self.worker.submit(asyncio.run, pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))

    def close(self) -> None:
        """Drop the copies made ahead, and wait for every drop."""
        for unused in list(self.ahead):
            self.drop(unused.result())
        self.worker.shutdown(wait=True)


@pytest_asyncio.fixture(scope="session")
async def template(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Template]:
    """Seeded and refreshed once per run; read it only through copies."""
    if BACKEND == "sqlite":
        url = f"sqlite://{tmp_path_factory.mktemp('template') / 'rapport.sqlite3'}"
    else:
        need_server("PostgreSQL", PG_ADMIN_URL)
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/rapport_tpl_{uuid.uuid4().hex[:12]}"
        await pg_admin(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
    template = None
    try:
        async with TortoiseContext() as ctx:  # closed before any copy: a template must have no connections
            await ctx.init(config=tortoise_config(url))
            await ctx.generate_schemas()
            ids = await seed_world()
        template = Template(url, ids)
        yield template
    finally:
        if template is not None:
            template.close()
        if BACKEND != "sqlite":
            await pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reads_only: the module's tests share one copy of the world and one app")


def _reads_only(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("reads_only") is not None


@dataclass
class Shared:
    client: httpx.AsyncClient
    world: World
    url: str


async def _row_counts() -> dict[str, int]:
    return {name: await model.all().count() for name, model in sorted(Tortoise.apps["models"].items())}


@pytest_asyncio.fixture(scope="module")
async def shared(template: Template, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shared]:
    """One copy of the world and one app for a module marked ``reads_only``.

    Its tests get this copy through the usual ``db``, ``database_url``, ``world`` and ``client``
    fixtures. They must not write: the module fails at teardown when a table's row count moved.
    """
    url = template.copy(tmp_path_factory.mktemp("shared"))
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
            world = await World.load(template.ids)
            before = await _row_counts()
            app = create_app(make_settings(url), run_jobs=False)
            async with app.router.lifespan_context(app):
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://rapport.test"
                ) as c:
                    yield Shared(client=c, world=world, url=url)
                after = await _row_counts()
            assert after == before, f"a reads_only module wrote: {[t for t in after if after[t] != before[t]]}"
    finally:
        template.drop(url)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, template: Template, tmp_path: Path) -> Iterator[str]:
    """A private copy of the seeded world (the module's shared copy when it is ``reads_only``)."""
    if _reads_only(request):
        yield request.getfixturevalue("shared").url
        return
    url = template.copy(tmp_path)
    yield url
    template.drop(url)


@pytest.fixture
def db(request: pytest.FixtureRequest, database_url: str) -> Any:
    """The ORM open on the test's copy (already open on the shared copy of a ``reads_only`` module)."""
    if _reads_only(request):
        return request.getfixturevalue("shared")
    return request.getfixturevalue("private_db")


@pytest_asyncio.fixture
async def private_db(database_url: str) -> AsyncIterator[TortoiseContext]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        yield ctx


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def world(request: pytest.FixtureRequest, db: Any) -> World:
    if _reads_only(request):
        return request.getfixturevalue("shared").world
    return request.getfixturevalue("private_world")


@pytest_asyncio.fixture
async def private_world(db: Any, template: Template) -> World:
    return await World.load(template.ids)


@pytest.fixture
def client(request: pytest.FixtureRequest, db: Any) -> httpx.AsyncClient:
    """httpx against the ASGI app, its lifespan entered (ORM and job queue as in production)."""
    if _reads_only(request):
        return request.getfixturevalue("shared").client
    return request.getfixturevalue("private_client")


@pytest_asyncio.fixture
async def private_client(db: Any, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_jobs=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rapport.test") as c:
            yield c


@asynccontextmanager
async def app_client(database_url: str, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app under other settings, on the test's database.

    The app closes the ORM it shares with the test when its lifespan ends; it is opened again
    here, so the test (or its module, when ``reads_only``) keeps working after this app is gone.
    """
    if counts_per_minute(overrides):
        await clear_of_minute_edge()
    app = create_app(make_settings(database_url, **overrides), run_jobs=False)
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                yield c
    finally:
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


def session_token(
    shop: str = SHOP, *, secret: str = APP_SECRET, aud: str = API_KEY, exp_in: int = 60, nbf_in: int = -5
) -> str:
    """A token shaped like App Bridge's, signed as Shopify signs it."""
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": aud,
        "sub": "42",
        "exp": now + exp_in,
        "nbf": now + nbf_in,
        "iat": now + nbf_in,
        "jti": uuid.uuid4().hex,
        "sid": "s1",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def proxy_params(
    customer_platform_id: str | None, *, shop: str = SHOP, secret: str = APP_SECRET, age: int = 0
) -> dict[str, str]:
    params = {
        "shop": shop,
        "path_prefix": "/apps/rapport",
        "timestamp": str(int(time.time()) - age),
        "logged_in_customer_id": customer_platform_id or "",
    }
    return {**params, "signature": signature(params.items(), secret)}


async def admin(
    client: httpx.AsyncClient,
    query: str,
    variables: dict | None = None,
    *,
    token: str | None = None,
    headers: dict | None = None,
) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token or session_token()}"}
    return await client.post(
        "/graphql/admin", json={"query": query, "variables": variables or {}}, headers={**auth, **(headers or {})}
    )


async def storefront(
    client: httpx.AsyncClient,
    store: Store,
    query: str,
    variables: dict | None = None,
    *,
    headers: dict | None = None,
    params: dict | None = None,
) -> httpx.Response:
    return await client.post(
        "/graphql/storefront",
        json={"query": query, "variables": variables or {}},
        headers={"X-Rapport-Store-Key": store.public_key, **(headers or {})},
        params=params,
    )


def data(response: httpx.Response) -> dict:
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def error_code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


# -- the Shopify simulator behind the app ------------------------------------------------------


@pytest.fixture
def shop() -> ShopState:
    pacing._buckets.clear()
    return new_shop()


@pytest.fixture
def shop_url(shop: ShopState) -> Iterator[str]:
    with serve(shop_app(shop)) as url:
        yield url


@pytest_asyncio.fixture
async def shopify_app(database_url, world: World, shop: ShopState, shop_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app sending Shopify calls to the simulator, whose token the world's Shopify store holds."""
    world.shopify.access_token = shop.issue_token()
    await world.shopify.save()
    async with app_client(database_url, shopify_base_url=shop_url) as c:
        yield c
