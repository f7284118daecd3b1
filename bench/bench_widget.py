"""The storefront widget: its size on the wire and its time to first render against the local server.

Starts ``rapport demo`` in a temp dir (SQLite by default, ``--backend postgres`` for a fresh
PostgreSQL database), then opens the demo storefront page signed in as the sample shopper in
headless Chromium, N times. Time to first render is the widget's own ``rapport:balance``
performance mark: from navigation start to the balance on screen. "cold" is a new browser
context each time (empty HTTP cache), "warm" is a reload in one context (the script cached).

    .venv/bin/python -m bench.bench_widget [--runs 20] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.support import free_port, scratch_database

ROOT = Path(__file__).resolve().parents[1]
WIDGET = ROOT / "app" / "static" / "widget" / "rapport-widget.js"
SECRET = "bench-secret-" + "x" * 32
MARK = "rapport:balance"


def widget_size() -> dict[str, int]:
    """Bytes as served, and as ``gzip -9 | wc -c`` counts them (zlib's level 9 without gzip)."""
    raw = WIDGET.read_bytes()
    if shutil.which("gzip"):
        packed = subprocess.run(["gzip", "-9"], input=raw, capture_output=True, check=True).stdout
    else:
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
    return {"bytes": len(raw), "gzip_bytes": len(packed)}


@contextlib.contextmanager
def demo_server(backend: str = "sqlite", timeout: float = 600) -> Iterator[dict[str, Any]]:
    """``rapport demo`` on a free port in a temp dir; yields its demo.json once /healthz answers."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-widget-") as work, contextlib.ExitStack() as stack:
        database = f"sqlite://{work}/rapport.sqlite3"
        if backend == "postgres":
            database = stack.enter_context(scratch_database(prefix="rapport_bench_widget"))
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
        env.update(DATABASE_URL=database, SECRET_KEY=SECRET, PYTHONPATH=str(ROOT), PORT=str(port))
        log = Path(work) / "demo.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "demo", "--port", str(port), "--no-open"],
                cwd=work,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            info, deadline = Path(work) / "demo.json", time.monotonic() + timeout
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"rapport demo did not come up:\n{log.read_text()[-2000:]}")
                if info.exists():
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                time.sleep(0.5)
            yield json.loads(info.read_text())
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


async def _first_render(page: Any, url: str, *, reload: bool = False) -> float:
    if reload:
        await page.reload()
    else:
        await page.goto(url)
    await page.wait_for_selector("rapport-loyalty[data-state=member]", timeout=30_000)
    return await page.evaluate(f"() => performance.getEntriesByName('{MARK}')[0].startTime")


def _summary(samples: list[float]) -> dict[str, Any]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive") if len(samples) > 1 else samples * 19
    return {
        "runs": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(cuts[18], 1),
        "min_ms": round(min(samples), 1),
        "max_ms": round(max(samples), 1),
    }


async def measure_first_render(url: str, runs: int = 20) -> dict[str, Any]:
    """Navigation start to the balance on screen, cold (new context) and warm (reload), in ms."""
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            cold: list[float] = []
            for _ in range(runs):
                context = await browser.new_context()
                cold.append(await _first_render(await context.new_page(), url))
                await context.close()
            context = await browser.new_context()
            page = await context.new_page()
            await _first_render(page, url)
            warm = [await _first_render(page, url, reload=True) for _ in range(runs)]
            await context.close()
        finally:
            await browser.close()
    return {"cold": _summary(cold), "warm": _summary(warm)}


def run(quick: bool = False, backend: str = "sqlite", runs: int | None = None) -> dict[str, Any]:
    """Size and time to first render, for ``python -m bench``."""
    result: dict[str, Any] = {"widget": widget_size(), "backend": backend}
    with demo_server(backend) as demo:
        result["first_render"] = asyncio.run(measure_first_render(demo["storefront_url"], runs or (5 if quick else 20)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="page loads per measurement")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size-only", action="store_true", help="print the widget's size and stop")
    args = parser.parse_args()
    if args.size_only:
        print(json.dumps(widget_size(), indent=2))
        return
    print(json.dumps(run(backend=args.backend, runs=args.runs), indent=2))


if __name__ == "__main__":
    main()
