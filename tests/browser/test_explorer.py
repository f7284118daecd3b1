"""The API explorer in headless Chromium against ``rapport demo``, with every request that leaves
the app's origin aborted: the vendored GraphiQL loads, signs in with the demo's key (taken from
the link, then gone from the address bar), sends it with each query and shows the admin API's
answer. A page without a key asks for one, and a refused key sends it back to that form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio

pytestmark = [pytest.mark.db, pytest.mark.slow]

QUERY = "{ merchant { name } stores(first: 5) { edges { node { name platform } } } }"
EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = ".graphiql-response .CodeMirror"


@pytest_asyncio.fixture
async def offline(page: Any, demo: dict[str, Any]) -> AsyncIterator[dict[str, list[Any]]]:
    """The page with the network cut off outside the app's origin; yields what was blocked, the
    admin calls' Authorization headers and any Content-Security-Policy violation."""
    origin = demo["base_url"]
    seen: dict[str, list[Any]] = {"blocked": [], "authorization": [], "violations": []}

    async def only_the_app(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if f"{parts.scheme}://{parts.netloc}" == origin:
            await route.continue_()
        else:
            seen["blocked"].append(route.request.url)
            await route.abort("internetdisconnected")

    await page.route("**/*", only_the_app)
    page.on(
        "request",
        lambda request: (
            seen["authorization"].append(request.headers.get("authorization"))
            if request.url.endswith("/graphql/admin")
            else None
        ),
    )
    page.on(
        "console",
        lambda message: seen["violations"].append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield seen


async def run_query(page: Any, query: str) -> dict[str, Any]:
    """Types the query into GraphiQL's editor, presses its Run button and reads the result pane."""
    await page.wait_for_selector(EDITOR)
    await page.evaluate(
        "([editor, query]) => document.querySelector(editor).CodeMirror.setValue(query)", [EDITOR, query]
    )
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        "(result) => document.querySelector(result)?.CodeMirror.getValue().includes('\"data\"')", arg=RESULT
    )
    return json.loads(await page.evaluate("(result) => document.querySelector(result).CodeMirror.getValue()", RESULT))


def admin_answer(demo: dict[str, Any], query: str) -> dict[str, Any]:
    response = httpx.post(
        f"{demo['base_url']}/graphql/admin",
        json={"query": query},
        headers={"Authorization": f"Bearer {demo['api_key']}"},
        timeout=30,
    )
    return response.json()


async def test_the_explorer_loads_offline_and_runs_a_query_signed_in_with_the_demo_key(
    page, demo, offline, page_errors, screenshot
):
    await page.goto(demo["explorer_url"])
    answer = await run_query(page, QUERY)
    assert answer == admin_answer(demo, QUERY)
    assert answer["data"]["merchant"]["name"] and len(answer["data"]["stores"]["edges"]) == 2
    assert "key=" not in page.url and page.url == f"{demo['base_url']}/explorer/"
    assert await page.evaluate("() => sessionStorage.getItem('rapport.adminKey')") == demo["api_key"]
    assert offline["authorization"] and set(offline["authorization"]) == {f"Bearer {demo['api_key']}"}
    await page.wait_for_selector(".graphiql-doc-explorer-title, .graphiql-sidebar")
    await screenshot(page, "explorer")
    assert offline["blocked"] == [] and offline["violations"] == [] and page_errors == []


async def test_a_browser_opening_the_admin_endpoint_lands_on_the_explorer(page, demo, offline):
    await page.goto(f"{demo['base_url']}/graphql/admin")
    await page.wait_for_selector("#key-form")
    assert page.url == f"{demo['base_url']}/explorer/"


async def test_without_a_key_the_page_asks_for_one_and_a_refused_key_comes_back_with_the_reason(
    page, demo, offline, page_errors, screenshot
):
    await page.goto(f"{demo['base_url']}/explorer/")
    await page.wait_for_selector("#key-form")
    assert await page.is_hidden("#graphiql")
    await screenshot(page, "explorer-sign-in")
    await page.fill("#key", "rpk_not_a_real_key")
    await page.click("#key-form button[type=submit]")
    await page.wait_for_function("() => document.getElementById('reason').textContent.includes('refused')")
    assert await page.is_visible("#key-form") and await page.is_hidden("#graphiql")
    assert await page.evaluate("() => sessionStorage.getItem('rapport.adminKey')") is None
    await page.fill("#key", demo["api_key"])
    await page.click("#key-form button[type=submit]")
    answer = await run_query(page, "{ __typename merchant { name } }")
    assert answer["data"]["__typename"] == "Query"
    await page.click("#sign-out")
    await page.wait_for_selector("#key-form")
    assert await page.evaluate("() => sessionStorage.getItem('rapport.adminKey')") is None
    assert offline["blocked"] == [] and offline["violations"] == [] and page_errors == []
