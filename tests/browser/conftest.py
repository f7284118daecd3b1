"""Browser tests against the real demo: ``rapport demo`` in a temp dir, headless Chromium, axe-core.

One demo per run (session scope): it migrates, loads the sandbox merchant, publishes the sample
program, starts the Shopify simulator and serves on a free port; the tests read its
``demo.json``. The database is a SQLite file in the temp dir, or a fresh PostgreSQL database
when ``RAPPORT_TEST_DB=postgres``. Chromium is Debian's, driven by Playwright's async API.
Without chromium (or npm, for axe-core) the tests skip with a message, and fail under CI.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.app.test_cli import free_port
from tests.browser.app_proxy import SHOPIFY_APP_KEY, SHOPIFY_APP_SECRET
from tests.support.servers import (
    BACKEND,
    PG_ADMIN_URL,
    need_server,
    npm_install,
    pg_admin,
    subprocess_env,
    unavailable,
)

AXE_CORE = "axe-core@4.14.1"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DEMO_START_SECONDS = 600
"""Loading the sandbox, refreshing insights and earning every order's points, on a busy machine."""
BLOCKING = ("serious", "critical")


def _rapport() -> list[str]:
    """The installed ``rapport`` command beside this interpreter, else the module."""
    command = Path(sys.executable).with_name("rapport")
    return [str(command)] if command.exists() else [sys.executable, "-m", "app.cli"]


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite file, or a fresh PostgreSQL database dropped at the end of the run."""
    if BACKEND == "sqlite":
        yield f"sqlite://{tmp_path_factory.mktemp('demo-db') / 'rapport.sqlite3'}"
        return
    need_server("PostgreSQL", PG_ADMIN_URL)
    name = f"rapport_browser_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database: str) -> Iterator[dict[str, Any]]:
    """``rapport demo`` serving on a free port; yields its parsed demo.json once /healthz answers."""
    work = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = subprocess_env(
        demo_database,
        PORT=str(port),
        SHOPIFY_API_KEY=SHOPIFY_APP_KEY,
        SHOPIFY_API_SECRET=SHOPIFY_APP_SECRET,
        # the WordPress tests connect a site served on 127.0.0.1 over http
        ALLOW_HTTP_SITES="true",
        ALLOW_SITE_NETWORKS='["127.0.0.0/8"]',
    )
    log_path = work / "demo.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*_rapport(), "demo", "--port", str(port), "--no-open"],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    info_path = work / "demo.json"
    try:
        deadline = time.monotonic() + DEMO_START_SECONDS
        while not (info_path.exists() and _healthy(f"http://127.0.0.1:{port}")):
            if process.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {process.returncode}" if process.returncode is not None else "timed out"
                pytest.fail(f"rapport demo {state}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield json.loads(info_path.read_text())
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """Debian's headless Chromium through Playwright."""
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught exceptions of the page under test: a widget must never throw at the page."""
    return []


@pytest_asyncio.fixture
async def page(browser: Any, demo: dict[str, Any], page_errors: list[str]) -> AsyncIterator[Any]:
    """A fresh browser context per test (no shared cache or storage), clipboard allowed for the demo."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo["base_url"])
    tab = await context.new_page()
    tab.set_default_timeout(20_000)
    tab.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        yield tab
    finally:
        await context.close()


@pytest.fixture
def screenshot() -> Callable[..., Awaitable[Path]]:
    """Saves a full-page PNG under tests/browser/screenshots/ (gitignored; README images are picked
    from it), and with ``element`` (a selector) a second one of just that element (``<name>-element.png``)."""

    async def save(tab: Any, name: str, element: str | None = None) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await tab.screenshot(path=str(path), full_page=True)
        if element is not None:
            await tab.locator(element).first.screenshot(path=str(SCREENSHOTS / f"{name}-element.png"))
        return path

    return save


@pytest.fixture(scope="session")
def axe_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """axe-core from the npm registry, pinned, installed into a temp dir for this run."""
    script = npm_install(tmp_path_factory.mktemp("axe"), AXE_CORE, needs_node=False) / "axe-core" / "axe.min.js"
    if not script.exists():
        unavailable(f"{AXE_CORE} has no axe.min.js")
    return script


@pytest.fixture
def axe(axe_script: Path) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """Runs axe-core on the page (or on the elements the selectors name, shadow trees included)
    and returns the serious and critical violations, each with the nodes it found."""

    async def run(tab: Any, *selectors: str) -> list[dict[str, Any]]:
        if not await tab.evaluate("() => Boolean(window.axe)"):
            await tab.add_script_tag(path=str(axe_script))
        result = await tab.evaluate(
            """async (selectors) => {
                const context = selectors.length
                    ? {include: selectors.flatMap((s) => Array.from(document.querySelectorAll(s)))}
                    : document;
                if (selectors.length && !context.include.length) throw new Error("nothing matches " + selectors);
                const found = await axe.run(context, {resultTypes: ["violations"]});
                return found.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary}))}));
            }""",
            list(selectors),
        )
        return [v for v in result if v["impact"] in BLOCKING]

    return run
