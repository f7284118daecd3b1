"""Reads of the big merchant through two web processes: the storefront widget at a steady rate
and the admin members pages (issue 23: the web tier is stateless, so it scales out by process).

The widget runs open loop: request ``i`` starts at ``start + i / rate`` whatever the earlier
answers' speed, alternating between the two processes, and its latency counts from that
scheduled instant (a driver that falls behind shows as latency, never as a quieter load).
``start_lag`` says how late the driver itself was, so a saturated client is told apart from a
slow server. The members pages run sequentially (one admin, one page at a time), alternating
between the processes too. Every answer must be data; an error or no answer within 5 s counts
as a failure. ``web_cpu_ms_per_request`` (the processes' CPU over the run per request sent) says
what one request costs, which bounds the rate two cores can serve whatever the latency.

    from bench.scale_reads import reads
    reads(url, {"store_key": ..., "api_key": ..., "shopper_token": ...}, calls=300)

    # on a database bench_scale seeded, with a new API key and shopper token:
    .venv/bin/python -m bench.scale_reads URL [--calls 300] [--profile web.prof]
    .venv/bin/python -m bench.scale_reads URL --widget-only --rate 100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.bench_graphql import MEMBERS, ROOT, SECRET, WIDGET
from bench.support import free_port, wait_until_up

WEB_PROCESSES = 2
WIDGET_RATE = 200.0
WIDGET_SECONDS = 10.0
TIMEOUT = 5.0
CONNECTIONS = 64
"""Keep-alive connections per web process at most; more requests in flight wait for one (and
that wait counts in their latency, as a browser's would)."""
GOLD_PAGE = MEMBERS.replace("members(first: 50)", 'members(first: 50, tier: "Gold")')
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Web:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU the process has used so far (/proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK


@contextlib.contextmanager
def _web_process(url: str, profile: Path | None = None) -> Iterator[Web]:
    """One web process as bench_graphql starts it (no jobs, no scheduler, no per-IP limit); with
    ``profile``, the process runs under cProfile and writes its stats there when it stops."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        SCHEDULER="false",
        RATE_LIMIT_STOREFRONT_IP="off",
    )
    port = free_port()
    serve = (
        "uvicorn.run(create_app(load_settings(), run_jobs=False), host='127.0.0.1', "
        f"port={port}, log_level='warning', access_log=False, timeout_graceful_shutdown=10)"
    )
    if profile is not None:
        serve = (
            f"import cProfile; p = cProfile.Profile(); p.enable(); {serve}; p.disable(); p.dump_stats({str(profile)!r})"
        )
    code = f"import uvicorn; from app.settings import load_settings; from app.web import create_app; {serve}"
    server = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, 30)
        yield Web(base, server.pid)
    finally:
        server.terminate()  # uvicorn gives the requests it holds 10 s, then writes the profile
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _cuts(samples: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds (zeros when nothing was answered)."""
    if len(samples) < 2:
        only = samples[0] * 1000 if samples else 0.0
        return {"p50_ms": round(only, 2), "p99_ms": round(only, 2), "max_ms": round(only, 2)}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "max_ms": round(max(samples) * 1000, 2),
    }


def _is_data(status: int, body: bytes) -> bool:
    return status == 200 and not json.loads(body).get("errors")


class _Connections:
    """Keep-alive HTTP/1.1 connections to one web process, for POSTs of one JSON body.

    httpx's pool costs the driver milliseconds of CPU per request once hundreds are in flight,
    on the same two cores as the servers; raw streams keep the driver's share small.
    """

    def __init__(self, base: str, path: str, headers: dict[str, str], body: bytes) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        head = {"Host": parts.netloc, "Content-Type": "application/json", "Content-Length": str(len(body)), **headers}
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
        self.request = f"POST {path} HTTP/1.1\r\n{lines}\r\n".encode() + body
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(CONNECTIONS)

    async def post(self) -> tuple[int, bytes]:
        async with self.slots:
            reader, writer = self.idle.pop() if self.idle else await asyncio.open_connection(self.host, self.port)
            try:
                writer.write(self.request)
                status = int((await reader.readline()).split()[1])
                length = None
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    raise ConnectionError("an answer without Content-Length")
                body = await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            self.idle.append((reader, writer))
            return status, body

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def _at_rate(
    webs: Sequence[Web], path: str, query: str, headers: dict[str, str], *, rate: float, seconds: float
) -> dict[str, Any]:
    """Open loop at ``rate`` requests per second, spread round-robin over ``webs``; with the CPU
    seconds each web process spent per answered request."""
    body = json.dumps({"query": query}).encode()
    pools = [_Connections(web.base, path, headers, body) for web in webs]
    latencies: list[float] = []
    lags: list[float] = []
    failures = 0
    try:
        for pool in pools:  # warm each process's caches, its database pool and a few connections
            for status, answer in await asyncio.gather(*(pool.post() for _ in range(10))):
                if not _is_data(status, answer):
                    raise RuntimeError(f"{path}: {status} {answer[:300]!r}")

        async def one(pool: _Connections, due: float) -> None:
            nonlocal failures
            lags.append(time.perf_counter() - due)
            try:
                status, answer = await asyncio.wait_for(pool.post(), TIMEOUT)
                ok = _is_data(status, answer)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - due)
            else:
                failures += 1

        total = int(rate * seconds)
        tasks = []
        cpu = [web.cpu_seconds() for web in webs]
        start = time.perf_counter()
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(pools[i % len(pools)], due)))
        offered = time.perf_counter() - start
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - start
        cpu = [web.cpu_seconds() - before for web, before in zip(webs, cpu, strict=True)]
    finally:
        for pool in pools:
            pool.close()
    return {
        "target_rps": rate,
        "seconds": seconds,
        "requests": total,
        "answered": len(latencies),
        "failures": failures,
        "offered_rps": round(total / offered, 1),
        "answered_rps": round(len(latencies) / wall, 1),
        **_cuts(latencies),
        "start_lag": _cuts(lags),
        # per request sent: a server past its capacity still works on the ones the driver gave up on
        "web_cpu_ms_per_request": round(sum(cpu) * 1000 / total, 2),
        "web_cpu_share": [round(c / wall, 2) for c in cpu],
    }


def _sequential(webs: Sequence[Web], path: str, query: str, headers: dict[str, str], calls: int) -> dict[str, Any]:
    """``calls`` requests one after another, alternating processes, after 3 per process to warm up."""
    samples: list[float] = []
    clients = [httpx.Client(base_url=web.base, headers=headers, timeout=60) for web in webs]
    try:
        for i in range(calls + 3 * len(clients)):
            client = clients[i % len(clients)]
            started = time.perf_counter()
            response = client.post(path, json={"query": query})
            elapsed = time.perf_counter() - started
            if not _is_data(response.status_code, response.content):
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
            if i >= 3 * len(clients):
                samples.append(elapsed)
    finally:
        for client in clients:
            client.close()
    return {"calls": len(samples), **_cuts(samples)}


def reads(url: str, secrets: dict[str, Any], calls: int, *, profile: Path | None = None) -> dict[str, Any]:
    """``calls`` sequential widget calls, the members first page and its Gold-tier filter
    sequentially (``calls // 3``, at least 20 each), then the widget at ``WIDGET_RATE`` req/s for
    ``WIDGET_SECONDS`` s, all through ``WEB_PROCESSES`` web processes on ``url``'s seeded
    database. ``profile``: the first process runs under cProfile and leaves its stats there."""
    shopper = {"X-Rapport-Store-Key": secrets["store_key"], "X-Rapport-Shopper-Token": secrets["shopper_token"]}
    owner = {"Authorization": f"Bearer {secrets['api_key']}"}
    pages = max(calls // 3, 20)
    with contextlib.ExitStack() as stack:
        webs = [stack.enter_context(_web_process(url, profile if i == 0 else None)) for i in range(WEB_PROCESSES)]
        found: dict[str, Any] = {
            "web_processes": len(webs),
            "widget_sequential": _sequential(webs, "/graphql/storefront", WIDGET, shopper, calls),
            "members_first_page": _sequential(webs, "/graphql/admin", MEMBERS, owner, pages),
            "members_gold_tier_page": _sequential(webs, "/graphql/admin", GOLD_PAGE, owner, pages),
        }
        # last: an overloaded server is still working off its queue after the driver gives up
        found["widget_at_rate"] = asyncio.run(
            _at_rate(webs, "/graphql/storefront", WIDGET, shopper, rate=WIDGET_RATE, seconds=WIDGET_SECONDS)
        )
        return {
            **found,
            "load": [round(x, 2) for x in os.getloadavg()],
        }


async def _secrets(url: str) -> dict[str, Any]:
    """A new API key and a shopper token on a database bench_scale seeded (its merchant and SECRET)."""
    from tortoise.context import TortoiseContext

    from app.auth.api_keys import issue
    from app.auth.shopper_tokens import ShopperTokens
    from app.db import tortoise_config
    from sandbox.dataset import MERCHANT_NAME
    from store import crypto
    from store.models import Customer, Merchant, Store

    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        merchant = await Merchant.get(name=MERCHANT_NAME)
        store = await Store.get(merchant_id=merchant.id, platform="shopify")
        shopper = await (
            Customer.filter(store_id=store.id, is_guest=False, orders__id__not_isnull=True)
            .distinct()
            .order_by("id")
            .first()
        )
        if shopper is None:
            raise RuntimeError("no shopper with orders on the Shopify store")
        key = await issue(merchant.id, "bench reads")
        token, _ = ShopperTokens(SECRET).mint(store.id, shopper.id, 3600)
        return {"store_key": store.public_key, "api_key": key.secret, "shopper_token": token}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a database bench_scale seeded and refreshed (it gets a new API key)")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rate", type=float, default=WIDGET_RATE, help="widget requests per second")
    parser.add_argument("--profile", type=Path, help="cProfile stats of the first web process, written here")
    parser.add_argument("--widget-only", action="store_true", help="the widget at --rate only")
    args = parser.parse_args()
    secrets = asyncio.run(_secrets(args.url))
    if args.widget_only:
        shopper = {"X-Rapport-Store-Key": secrets["store_key"], "X-Rapport-Shopper-Token": secrets["shopper_token"]}
        with contextlib.ExitStack() as stack:
            webs = [stack.enter_context(_web_process(args.url, args.profile if i == 0 else None)) for i in range(2)]
            found = asyncio.run(
                _at_rate(webs, "/graphql/storefront", WIDGET, shopper, rate=args.rate, seconds=WIDGET_SECONDS)
            )
    else:
        found = reads(args.url, secrets, args.calls, profile=args.profile)
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
