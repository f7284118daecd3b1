"""A bulk query over a 5x sample shop runs as Shopify's do: the mutation answers at once, the
file grows on disk while the operation is polled, and the simulator never holds it in memory.

The shop is built and served in a child process (``python -m`` this module), which reports the
mutation's answer time, what polling saw, the file's orders and lines against the shop's, and
its own peak resident set during the operation and download (``VmHWM``, reset through
``/proc/self/clear_refs`` once the shop is built) against the file's size.

Measured (2026-12-07, 17,410 orders and 37,800 lines, a 25.0 MB file, on a loaded machine):
the mutation answered in 0.03 s, the operation completed 18.8 s later, and the peak grew by
10.8 MiB (one chunk's execution, the sorted orders, the download's buffers). Built whole inside
the mutation as before, the connector's orders query (a 38.9 MB file) took 9.0 s to answer and
raised the peak by 203 MiB, so the bound (the file's own size) fails that at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SCALE = 5
ORDERS_WITH_LINES = """{ orders { edges { node {
  id name email createdAt updatedAt cancelledAt displayFinancialStatus currencyCode discountCodes
  totalPriceSet { shopMoney { amount currencyCode } } subtotalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } } customer { id email firstName lastName }
  shippingAddress { firstName lastName address1 city provinceCode zip countryCodeV2 }
  lineItems { edges { node { id title quantity sku variant { id } product { id }
    originalUnitPriceSet { shopMoney { amount } } } } } } } } }"""
RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status } userErrors { field message code } } }"""
POLL = "{ currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url } }"


def test_a_5x_bulk_query_answers_at_once_grows_its_file_while_polled_and_is_not_held_in_memory():
    out = subprocess.run(
        [sys.executable, "-m", "tests.sandbox.shopify.test_shopify_sim_bulk_scale"],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["store_orders"] > 15_000
    assert report["answered_status"] == "CREATED" and report["answer_s"] < 1.0, report
    assert "RUNNING" in report["statuses"] and report["statuses"][-1] == "COMPLETED"
    assert any(0 < n < report["object_count"] for n in report["running_counts"]), "objectCount grows while running"
    assert report["file_order_ids_match"] and report["file_lines"] == report["store_lines"]
    assert report["object_count"] == report["store_orders"] + report["store_lines"]
    assert report["root_object_count"] == report["store_orders"]
    assert report["file_size"] == report["downloaded_bytes"] > 20_000_000
    assert report["growth_mib"] < report["downloaded_bytes"] / 2**20, report


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


def _child() -> dict[str, Any]:
    import httpx

    from sandbox.http_server import serve
    from sandbox.shopify import ShopState, create_app

    state = ShopState.from_scaled("sample", 7, scale=SCALE, api_key="k", api_secret="s")
    token = state.issue_token()
    graphql = "/admin/api/2026-10/graphql.json"
    with (
        serve(create_app(state)) as base_url,
        httpx.Client(base_url=base_url, headers={"X-Shopify-Access-Token": token}, timeout=60) as client,
    ):
        Path("/proc/self/clear_refs").write_text("5")  # the peak from here on is the operation's
        before = _status_kib("VmHWM")
        began = time.perf_counter()
        started = client.post(graphql, json={"query": RUN, "variables": {"q": ORDERS_WITH_LINES}}).json()
        answer_s = time.perf_counter() - began
        statuses, running_counts = [], []
        while True:
            op = client.post(graphql, json={"query": POLL}).json()["data"]["currentBulkOperation"]
            statuses.append(op["status"])
            if op["status"] == "RUNNING":
                running_counts.append(int(op["objectCount"]))
            if op["status"] not in ("CREATED", "RUNNING"):
                break
            time.sleep(0.05)
        run_s = time.perf_counter() - began
        order_ids, lines, downloaded = set(), 0, 0
        with httpx.stream("GET", op["url"], timeout=60) as response:
            for raw in response.iter_lines():
                downloaded += len(raw.encode()) + 1
                row = json.loads(raw)
                if "__parentId" in row:
                    lines += 1
                else:
                    order_ids.add(int(row["id"].rsplit("/", 1)[1]))
        growth_mib = (_status_kib("VmHWM") - before) / 1024
    counts = state.counts()
    return {
        "store_orders": counts["orders"],
        "store_lines": counts["lines"],
        "answered_status": started["data"]["bulkOperationRunQuery"]["bulkOperation"]["status"],
        "answer_s": round(answer_s, 3),
        "run_s": round(run_s, 1),
        "statuses": list(dict.fromkeys(statuses)),
        "running_counts": running_counts,
        "object_count": int(op["objectCount"]),
        "root_object_count": int(op["rootObjectCount"]),
        "file_size": int(op["fileSize"]),
        "downloaded_bytes": downloaded,
        "file_order_ids_match": order_ids == set(state.orders),
        "file_lines": lines,
        "growth_mib": round(growth_mib, 1),
    }


if __name__ == "__main__":
    print(json.dumps(_child()))
