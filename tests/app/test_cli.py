"""The command line: bad settings stop start-up with one clear line; the demo comes up healthy."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from connectors.woocommerce import webhooks as woo_webhooks
from tests.support.servers import ROOT, SECRET, subprocess_env


def rapport(*args: str, env: dict[str, str], cwd=ROOT, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/db"}, "bad setting DATABASE_URL: scheme 'mysql' is not one of"),
        ({"DATABASE_URL": "postgres://"}, "bad setting DATABASE_URL: postgres:// needs a host and a database"),
        ({"SECRET_KEY": ""}, "bad setting SECRET_KEY: is missing"),
        ({"SECRET_KEY": "short"}, "bad setting SECRET_KEY: must be at least 32 characters"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "bad setting REDIS_URL: must start with redis://"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "cannot reach Redis at redis://127.0.0.1:1/0"),
        (
            {"DATABASE_URL": "postgres://u:pw@127.0.0.1:1/db"},
            "cannot use the database at postgres://u:***@127.0.0.1:1/db",
        ),
    ],
)
def test_bad_settings_stop_start_up_with_one_clear_line(tmp_path, overrides, expected):
    env = subprocess_env(f"sqlite://{tmp_path / 'x.sqlite3'}") | overrides
    env = {k: v for k, v in env.items() if v != ""}
    result = rapport("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"rapport: {expected}"), lines[0]
    assert "pw" not in result.stderr and "Traceback" not in result.stderr


def test_help_lists_every_command():
    result = rapport("--help", env=subprocess_env("sqlite://unused"))
    for command in ("migrate", "serve", "worker", "demo", "stores"):
        assert command in result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.db
def test_the_demo_migrates_seeds_serves_and_writes_working_credentials(tmp_path, database_url):
    port = free_port()
    env = subprocess_env(database_url, PORT=str(port))
    env.pop("SECRET_KEY")
    if not database_url.startswith("sqlite"):
        env["SECRET_KEY"] = SECRET
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "demo", "--no-open"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline, health = time.monotonic() + 300, None
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        output = log.read_text()
        assert health is not None and health.status_code == 200, output
        assert health.json() == {"status": "ok", "database": "ok", "queue": "ok (local)"}
        assert "applied models.0001_initial" in output
        assert "6919 orders" in output and f"http://127.0.0.1:{port}/healthz" in output
        token = next(
            line.split("=", 1)[1]
            for line in (tmp_path / ".env").read_text().splitlines()
            if line.startswith("METRICS_TOKEN=")
        )
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 401
        metrics = httpx.get(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5
        ).text
        assert re.search(r'rapport_store_healthy\{platform="shopify",store="\d+"\} 1\.0', metrics)
        assert "northwind.myshopify.com" not in metrics
        listing = rapport("stores", "list", "--json", env=env, cwd=tmp_path)
        assert [s["platform"] for s in json.loads(listing.stdout)] == ["shopify", "woocommerce"], listing.stderr
        info = json.loads((tmp_path / "demo.json").read_text())
        assert info["storefront_url"] in output and info["dashboard_url"] in output
        assert info["explorer_url"] in output and info["explorer_url"].endswith(f"/explorer/#key={info['api_key']}")
        assert httpx.get(f"http://127.0.0.1:{port}/explorer/", timeout=10).status_code == 200
        signed_in = httpx.post(
            f"http://127.0.0.1:{port}/graphql/storefront",
            json={"query": "{ me { email } }"},
            headers={
                "X-Rapport-Store-Key": info["stores"]["shopify"]["public_key"],
                "X-Rapport-Shopper-Token": info["shopper"]["token"],
            },
            timeout=10,
        )
        assert signed_in.json()["data"]["me"]["email"] == info["shopper"]["email"]
        expired = httpx.post(
            f"http://127.0.0.1:{port}/graphql/storefront",
            json={"query": "{ me { email } }"},
            headers={
                "X-Rapport-Store-Key": info["stores"]["shopify"]["public_key"],
                "X-Rapport-Shopper-Token": info["expired_shopper_token"],
            },
            timeout=10,
        )
        assert expired.status_code == 401
        owner = httpx.post(
            f"http://127.0.0.1:{port}/graphql/admin",
            json={"query": "{ merchant { id } }"},
            headers={"Authorization": f"Bearer {info['api_key']}"},
            timeout=10,
        )
        assert owner.status_code == 200 and "errors" not in owner.json()
        hook, body = info["woocommerce_webhooks"], json.dumps({"id": 1, "email": "x@example.com"}).encode()
        headers = {
            "X-WC-Webhook-Topic": "customer.updated",
            "X-WC-Webhook-Resource": "customer",
            "Content-Type": "application/json",
        }
        signed = httpx.post(
            hook["url"],
            content=body,
            timeout=10,
            headers={**headers, "X-WC-Webhook-Signature": woo_webhooks.sign(hook["secret"], body)},
        )
        assert signed.status_code == 200, "the demo's WooCommerce store accepts its signed deliveries"
        forged = httpx.post(
            hook["url"],
            content=body,
            timeout=10,
            headers={**headers, "X-WC-Webhook-Signature": woo_webhooks.sign("not-the-secret", body)},
        )
        assert forged.status_code == 401
        assert_win_back_codes_are_made_on_both_simulators(info)
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=20)


CAMPAIGNS = "{ campaigns(first: 50) { nodes { id kind status } } }"
LAUNCH = """mutation($id: ID!) { campaignLaunch(input: {id: $id}) { campaign { status } userErrors { message } } }"""
CODES = """query($id: ID!) { campaign(id: $id) { entered
  results { treated { members codesIssued codesFailed } } } }"""


def woo_coupons(site: dict) -> list[dict]:
    """Every coupon the demo's WooCommerce simulator holds, read over its REST API with the store's keys."""
    found, page = [], 1
    while True:
        answer = httpx.get(
            f"{site['url']}/wp-json/wc/v3/coupons",
            params={"per_page": 100, "page": page},
            auth=(site["consumer_key"], site["consumer_secret"]),
            verify=False,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        found += answer.json()
        if page >= int(answer.headers["X-WP-TotalPages"]):
            return found
        page += 1


def assert_win_back_codes_are_made_on_both_simulators(info: dict) -> None:
    """The demo's win-back, launched from the admin API, makes every treated member's code on
    their own store's simulator: none fails, and the WooCommerce site holds the new coupons."""

    def admin(query: str, variables: dict | None = None) -> dict:
        answer = httpx.post(
            f"{info['base_url']}/graphql/admin",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {info['api_key']}"},
            timeout=30,
        ).json()
        assert "errors" not in answer, answer
        return answer["data"]

    site = info["woocommerce_site"]
    assert site["url"] == info["stores"]["woocommerce"]["domain"] and site["url"].startswith("https://127.0.0.1:")
    before = {c["code"] for c in woo_coupons(site)}
    win_back = next(c for c in admin(CAMPAIGNS)["campaigns"]["nodes"] if c["kind"] == "WIN_BACK")
    launched = admin(LAUNCH, {"id": win_back["id"]})["campaignLaunch"]
    assert launched["userErrors"] == [] and launched["campaign"]["status"] == "ACTIVE"
    deadline = time.monotonic() + 120
    while True:
        found = admin(CODES, {"id": win_back["id"]})["campaign"]
        treated = found["results"]["treated"]
        if found["entered"] and treated["codesIssued"] + treated["codesFailed"] >= treated["members"] > 0:
            break
        assert time.monotonic() < deadline, f"the win-back did not make its codes: {found}"
        time.sleep(0.5)
    assert treated["codesFailed"] == 0 and treated["codesIssued"] == treated["members"], found
    made = {c["code"] for c in woo_coupons(site)} - before
    assert made, "codes for WooCommerce members are made on the WooCommerce simulator"
