"""The Shopify simulator serves the sandbox history as recorded, or moved to end on a given day
(``--ends``, as ``rapport demo`` starts it), with the same ids and amounts either way."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

import httpx

from sandbox.dataset import build
from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app
from tests.app.test_cli import free_port
from tests.support.servers import ROOT

GRAPHQL = "/admin/api/2026-10/graphql.json"
ENDS = date(2026, 12, 5)
NEWEST = """{ orders(first: 1, sortKey: CREATED_AT, reverse: true) {
  nodes { id name createdAt totalPriceSet { shopMoney { amount } } } } }"""
OLDEST = """{ orders(first: 1, sortKey: CREATED_AT) { nodes { id name createdAt } } }"""


def ask(base_url: str, token: str, query: str) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}{GRAPHQL}", json={"query": query}, headers={"X-Shopify-Access-Token": token}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["orders"]["nodes"][0]


def test_a_simulator_built_to_end_on_a_day_serves_that_history_with_the_recorded_ids_and_amounts():
    recorded = ShopState.from_dataset("sample", 7)
    moved = ShopState.from_dataset("sample", 7, ends=ENDS)
    with serve(create_app(recorded)) as old_url, serve(create_app(moved)) as new_url:
        before = ask(old_url, recorded.issue_token("read_orders"), NEWEST)
        after = ask(new_url, moved.issue_token("read_orders"), NEWEST)
    assert before["createdAt"].startswith("1998-06-30")
    assert after["createdAt"].startswith(ENDS.isoformat())
    assert after["createdAt"][10:] == before["createdAt"][10:]  # the same time of day
    assert (after["id"], after["name"], after["totalPriceSet"]) == (
        before["id"],
        before["name"],
        before["totalPriceSet"],
    )


def test_the_simulator_command_takes_the_last_day_of_its_history():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.shopify", "--port", str(port), "--ends", ENDS.isoformat(), "--print-token"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        token = None
        for line in process.stdout:
            if found := re.match(r"access token: (\S+)", line):
                token = found.group(1)
                break
        assert token is not None, "the simulator printed no token"
        base_url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                newest = ask(base_url, token, NEWEST)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        oldest = ask(base_url, token, OLDEST)
    finally:
        process.terminate()
        process.wait(timeout=10)
    first = build("sample", 7, ends=ENDS).by_store("shopify").orders[0].created_at
    assert newest["createdAt"].startswith(ENDS.isoformat())
    assert oldest["createdAt"].startswith(first.date().isoformat())
    assert first.date() == date(1997, 1, 1) + timedelta(days=(ENDS - date(1998, 6, 30)).days)


def test_a_bad_last_day_stops_the_simulator_command_with_a_usage_line():
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.shopify", "--ends", "yesterday"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "argument --ends: expected a day as YYYY-MM-DD, not 'yesterday'" in result.stderr
