"""Shared pieces of the dashboard's browser tests: the admin and storefront APIs over HTTP (where the
expected figures come from) and opening the dashboard signed in."""

from __future__ import annotations

from typing import Any

import httpx

READY = "main[data-route] #page-title"


async def graphql(
    demo: dict[str, Any], path: str, query: str, variables: dict | None, headers: dict[str, str]
) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{demo['base_url']}/graphql/{path}", json={"query": query, "variables": variables}, headers=headers
        )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def admin(demo: dict[str, Any], query: str, variables: dict | None = None) -> dict[str, Any]:
    """The admin API as the store owner, with demo.json's API key."""
    return await graphql(demo, "admin", query, variables, {"Authorization": f"Bearer {demo['api_key']}"})


async def storefront(demo: dict[str, Any], query: str, variables: dict | None = None) -> dict[str, Any]:
    """The storefront API as the demo shopper on the Shopify store."""
    return await graphql(
        demo,
        "storefront",
        query,
        variables,
        {
            "X-Rapport-Store-Key": demo["stores"]["shopify"]["public_key"],
            "X-Rapport-Shopper-Token": demo["shopper"]["token"],
        },
    )


async def open_dashboard(page: Any, demo: dict[str, Any], route: str = "#/") -> None:
    """Signs in through the demo link (``#key=...``), then goes to ``route`` and waits for its heading."""
    await page.goto(demo["dashboard_url"])
    await page.wait_for_selector(READY)
    if route != "#/":
        await go(page, route)


async def go(page: Any, route: str) -> None:
    """Follows a hash route the way a link does, and waits for the page it opens."""
    name = {"members": "members", "value": "value", "settings": "settings", "sync": "sync"}.get(
        route.strip("#/").split("/")[0].split("?")[0], "overview"
    )
    if route.startswith("#/members/"):
        name = "member"
    await page.evaluate("(route) => { location.hash = route }", route)
    await page.wait_for_selector(f'main[data-route="{name}"] #page-title')


async def formatted(page: Any, number: int) -> str:
    """A number as the dashboard shows it (the browser's own Intl, English)."""
    return await page.evaluate("(n) => new Intl.NumberFormat('en', {maximumFractionDigits: 0}).format(n)", number)
