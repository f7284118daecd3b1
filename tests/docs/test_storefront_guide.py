"""Every example of the storefront guide (docs/storefront-api.md) runs against the demo and gets the
answer the guide prints.

The demo is loaded as ``rapport demo`` loads it, for today (its history ends yesterday), with the
Shopify simulator beside it so a redemption creates a real discount code. The guide's conventions
are applied here and nowhere else: a string in angle brackets in a printed answer matches any
non-empty string (codes, cursors, tokens, ids the demo creates again when it reloads), and one in
the variables is filled from demo.json or the database (see ``fill``). Answers hold no dates.

When the demo itself changes (its program, its sample shopper), ``RAPPORT_GUIDE_UPDATE=1`` makes
this test print the demo's answers into the guide instead, keeping the guide's placeholders; read
the diff of the guide before committing it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.auth.app_proxy import signature
from app.db import tortoise_config
from app.demo.run import Simulator, prepare, prepare_program, utc_today
from app.settings import load_settings
from app.web import create_app
from loyalty.models import Reward
from schema.core.ids import to_gid
from store.models import Customer
from tests.app.test_cli import free_port
from tests.support.servers import BACKEND, PG_ADMIN_URL, ROOT, SECRET, need_server, pg_admin

pytestmark = [pytest.mark.db, pytest.mark.slow]

GUIDE = ROOT / "docs" / "storefront-api.md"
BASE_URL = "http://127.0.0.1:8000"
APP_KEY, APP_SECRET = "guide-app", "guide-app-secret"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.M | re.S)
PLACEHOLDER = re.compile(r"^<.+>$", re.S)
UPDATE = os.environ.get("RAPPORT_GUIDE_UPDATE") == "1"
STATEFUL = ("redeem",)
"""Examples that change the demo, run after every other."""


@dataclass
class Example:
    name: str
    auth: str
    query: str
    persisted: bool = False
    variables: dict[str, Any] | None = None
    answer: Any = None
    status: int = 200


def _attributes(info: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in info.split() if "=" in part)


def examples() -> list[Example]:
    """The guide's ``graphql example=...`` blocks with their ``json variables=`` and ``json answer=``."""
    found: dict[str, Example] = {}
    for language, info, body in FENCE.findall(GUIDE.read_text()):
        attributes = _attributes(info)
        if language == "graphql" and "example" in attributes:
            name = attributes["example"]
            found[name] = Example(name, attributes["auth"], body.strip(), attributes.get("persisted") == "get")
        elif language == "json" and "variables" in attributes:
            found[attributes["variables"]].variables = json.loads(body)
        elif language == "json" and "answer" in attributes:
            found[attributes["answer"]].answer = json.loads(body)
            found[attributes["answer"]].status = int(attributes.get("status", 200))
    ordered = sorted(found.values(), key=lambda e: e.name in STATEFUL)
    assert all(e.answer is not None for e in ordered), [e.name for e in ordered if e.answer is None]
    return ordered


def pretty(value: Any, indent: int = 0) -> str:
    """JSON as the guide prints it: an object or list that fits in a line stays on one."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent <= 100 or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {pretty(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{pretty(v, indent + 2)}" for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def print_answer(name: str, answer: Any) -> None:
    """Write ``answer`` as the guide's printed answer of example ``name``."""
    text = GUIDE.read_text()
    block = re.compile(rf"^(```json answer={re.escape(name)}\b[^\n]*\n)(.*?)(^```)", re.M | re.S)
    GUIDE.write_text(block.sub(lambda m: m.group(1) + pretty(answer) + "\n" + m.group(3), text, count=1))


def conform(expected: Any, actual: Any) -> Any:
    """``actual`` with each non-empty string standing where ``expected`` has a placeholder replaced
    by the placeholder, so that ``conform(expected, actual) == expected`` is the guide's rule."""
    if isinstance(expected, str) and PLACEHOLDER.match(expected) and isinstance(actual, str) and actual:
        return expected
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: conform(expected.get(k), v) for k, v in actual.items()}
    if isinstance(expected, list) and isinstance(actual, list):
        return [conform(e, a) for e, a in zip(expected, actual, strict=False)] + actual[len(expected) :]
    return actual


@dataclass
class Demo:
    client: httpx.AsyncClient
    info: dict[str, Any]
    shopper_platform_id: str

    async def fill(self, value: Any) -> Any:
        """The guide's variables with their angle-bracket values taken from this demo."""
        if isinstance(value, dict):
            return {k: await self.fill(v) for k, v in value.items()}
        if not (isinstance(value, str) and PLACEHOLDER.match(value)):
            return value
        if value == "<demo product id>":
            return self.info["product_id"]
        if value == "<demo shopper id>":
            return to_gid("Customer", self.info["shopper"]["customer_id"])
        if found := re.match(r'^<id of the reward "(.+)">$', value):
            reward = await Reward.get_or_none(merchant_id=self.info["merchant_id"], name=found.group(1))
            assert reward is not None, f"the demo has no reward {found.group(1)!r}"
            return to_gid("Reward", reward.id)
        if value.startswith("<a key you choose"):
            return str(uuid.uuid4())
        raise AssertionError(f"the guide uses an unknown placeholder {value}")

    def headers(self, auth: str) -> dict[str, str]:
        key = {"X-Rapport-Store-Key": self.info["stores"]["shopify"]["public_key"]}
        token = self.info["shopper"]["token"]
        return {
            "store-key": key,
            "shopper": {**key, "X-Rapport-Shopper-Token": token},
            "bearer": {**key, "Authorization": f"Bearer {token}"},
            "admin": {"Authorization": f"Bearer {self.info['api_key']}"},
            "app-proxy": {},
        }[auth]

    def proxy_params(self) -> dict[str, str]:
        """What Shopify's app proxy adds to a request of the demo shopper signed in to the shop."""
        params = {
            "shop": self.info["stores"]["shopify"]["domain"],
            "path_prefix": "/apps/rapport",
            "timestamp": str(int(time.time())),
            "logged_in_customer_id": self.shopper_platform_id,
        }
        return {**params, "signature": signature(params.items(), APP_SECRET)}

    async def run(self, example: Example) -> httpx.Response:
        path = "/graphql/admin" if example.auth == "admin" else "/graphql/storefront"
        headers = self.headers(example.auth)
        params = self.proxy_params() if example.auth == "app-proxy" else None
        body: dict[str, Any] = {"query": example.query, "variables": await self.fill(example.variables or {})}
        if not example.persisted:
            return await self.client.post(path, json=body, headers=headers, params=params)
        digest = hashlib.sha256(example.query.encode()).hexdigest()
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        by_hash = {"extensions": json.dumps(extensions)}
        unknown = await self.client.get(path, params=by_hash, headers=headers)
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND", unknown.text
        registered = await self.client.post(path, json={**body, "extensions": extensions}, headers=headers)
        assert registered.status_code == 200, registered.text
        answer = await self.client.get(path, params=by_hash, headers=headers)
        assert answer.headers["cache-control"] == "public, max-age=60"
        return answer


async def _database(where: Path) -> str:
    if BACKEND == "sqlite":
        return f"sqlite://{where / 'demo.sqlite3'}"
    need_server("PostgreSQL", PG_ADMIN_URL)
    name = f"rapport_guide_{uuid.uuid4().hex[:10]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@pytest_asyncio.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    url = await _database(tmp_path_factory.mktemp("guide"))
    today = utc_today()
    simulator = await asyncio.to_thread(Simulator.start, free_port(), APP_KEY, APP_SECRET, today)
    try:
        settings = load_settings(
            database_url=url,
            secret_key=SECRET,
            shopify_api_key=APP_KEY,
            shopify_api_secret=APP_SECRET,
            shopify_base_url=simulator.base_url,
            scheduler=False,
        )
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
            await ctx.generate_schemas()
            await prepare(today)
            info = await prepare_program(settings, BASE_URL, simulator, today)
            shopper = await Customer.get(id=info["shopper"]["customer_id"])
            app = create_app(settings, run_jobs=False)
            async with app.router.lifespan_context(app):
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=BASE_URL, timeout=60
                ) as client:
                    yield Demo(client, info, shopper.platform_id)
    finally:
        simulator.stop()
        if BACKEND != "sqlite":
            await pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_the_guide_has_ten_queries_and_an_example_of_each_way_to_authenticate():
    found = examples()
    assert {e.auth for e in found} >= {"store-key", "shopper", "app-proxy", "admin"}
    assert len([e for e in found if e.answer.get("data") is not None and e.auth != "admin"]) >= 10
    assert {"redeem", "persisted", "wrong-header"} <= {e.name for e in found}


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.name)
async def test_the_guide_example_answers_as_printed(demo: Demo, example: Example):
    response = await demo.run(example)
    actual = response.json()
    if "extensions" not in example.answer:
        actual.pop("extensions", None)
    assert response.status_code == example.status, actual
    if UPDATE:
        print_answer(example.name, conform(example.answer, actual))
        return
    assert conform(example.answer, actual) == example.answer, json.dumps(actual, indent=1)
