"""The API explorer: GraphiQL vendored into the app, served for the admin API only and only where
the settings ask for it, under a policy that keeps the page to the app's own origin."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import SettingsError, load_settings
from app.web import create_app
from tests.support.servers import SECRET

EXPLORER = Path(__file__).resolve().parents[2] / "app" / "static" / "explorer"
VENDOR = EXPLORER / "vendor"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
"""What a browser sends when it opens a URL."""
VENDORED = {
    "/explorer/vendor/graphiql/graphiql.min.js": "text/javascript",
    "/explorer/vendor/graphiql/graphiql.min.css": "text/css",
    "/explorer/vendor/react/react.production.min.js": "text/javascript",
    "/explorer/vendor/react-dom/react-dom.production.min.js": "text/javascript",
    "/explorer/explorer.js": "text/javascript",
    "/explorer/explorer.css": "text/css",
}
SETTINGS = [
    {"environment": "production"},
    {"environment": "development"},
    {"environment": "production", "graphql_explorer": True},
    {"environment": "development", "graphql_explorer": False},
]


@asynccontextmanager
async def client(tmp_path: Path, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app under these settings; nothing here touches the database."""
    app = create_app(
        load_settings(
            database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}", secret_key=SECRET, scheduler=False, **settings
        ),
        run_jobs=False,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rapport.test") as c:
        yield c


def _shown(settings: dict[str, Any]) -> bool:
    return settings.get("graphql_explorer", settings["environment"] == "development")


@pytest.mark.parametrize("settings", SETTINGS)
async def test_the_storefront_endpoint_never_serves_an_explorer_in_any_environment(tmp_path, settings):
    async with client(tmp_path, **settings) as c:
        response = await c.get("/graphql/storefront", headers={"Accept": BROWSER})
        html = await c.get("/graphql/storefront", headers={"Accept": "text/html"})
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/json")
    assert html.status_code == 406 and "graphiql" not in html.text.lower()


@pytest.mark.parametrize("settings", SETTINGS)
async def test_the_admin_endpoint_sends_a_browser_to_the_explorer_only_when_it_is_served(tmp_path, settings):
    async with client(tmp_path, **settings) as c:
        opened = await c.get("/graphql/admin", headers={"Accept": BROWSER})
        page = await c.get("/explorer/", headers={"Accept": BROWSER})
        script = await c.get("/explorer/vendor/graphiql/graphiql.min.js")
    if _shown(settings):
        assert opened.status_code == 307 and opened.headers["location"] == "/explorer/"
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert script.status_code == 200
    else:
        assert opened.status_code == 401 and "graphiql" not in opened.text.lower()
        assert page.status_code == 404 and script.status_code == 404


def test_production_keeps_the_explorer_off_unless_asked_and_a_bad_value_is_named():
    assert not load_settings(secret_key=SECRET).explorer
    assert load_settings(secret_key=SECRET, environment="development").explorer
    assert load_settings(secret_key=SECRET, graphql_explorer="true").explorer
    assert not load_settings(secret_key=SECRET, environment="development", graphql_explorer="false").explorer
    with pytest.raises(SettingsError, match="^bad setting GRAPHQL_EXPLORER: "):
        load_settings(secret_key=SECRET, graphql_explorer="sometimes")


async def test_a_query_on_the_admin_endpoint_is_never_mistaken_for_a_browser(tmp_path):
    async with client(tmp_path, environment="development") as c:
        with_query = await c.get("/graphql/admin", params={"query": "{ __typename }"}, headers={"Accept": BROWSER})
        posted = await c.post("/graphql/admin", json={"query": "{ __typename }"}, headers={"Accept": BROWSER})
        json_client = await c.get("/graphql/admin", headers={"Accept": "application/json"})
    assert with_query.status_code == posted.status_code == json_client.status_code == 401
    assert with_query.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_page_loads_and_calls_nothing_but_its_own_origin(tmp_path):
    async with client(tmp_path, environment="development") as c:
        page = await c.get("/explorer/")
        bare = await c.get("/explorer")
        raw = await c.get("/explorer/index.html")
    policy = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in policy and "http" not in policy and "*" not in policy
    assert raw.headers["content-security-policy"] == policy  # the same page by its file name is no way around it
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert bare.status_code == 307 and bare.headers["location"] == "/explorer/"
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all("//" not in url and not url.startswith("/") for url in urls)
    assert "<script>" not in page.text  # no inline script for the policy to allow


async def test_the_vendored_files_are_served_with_their_content_types(tmp_path):
    async with client(tmp_path, environment="development") as c:
        for path, media in VENDORED.items():
            response = await c.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].split(";")[0] == media, path
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.content == (EXPLORER / path.removeprefix("/explorer/")).read_bytes()


def test_every_vendored_library_has_its_licence_and_a_versions_line():
    versions = (VENDOR / "VERSIONS.txt").read_text()
    for package in ("graphiql@4.1.2", "react@18.3.1", "react-dom@18.3.1"):
        name = package.split("@")[0]
        line = next(line for line in versions.splitlines() if line.startswith(package))
        assert "(MIT" in line and "MIT License" in (VENDOR / name / "LICENSE").read_text()
        for copied in re.findall(rf"\b{name}/[\w./-]+", line):
            assert (VENDOR / copied).is_file(), copied
    bundled = (VENDOR / "graphiql" / "BUNDLED-LICENSES.txt").read_text()
    assert all(f"\n{name} " in bundled for name in ("graphql", "codemirror", "markdown-it"))
    assert "sourceMappingURL" not in (VENDOR / "graphiql" / "graphiql.min.js").read_text()[-200:]


async def test_hostile_paths_and_methods_find_nothing(tmp_path):
    async with client(tmp_path, environment="development") as c:
        assert (await c.get("/explorer/../settings.py")).status_code == 404
        assert (await c.get("/explorer/%2e%2e/%2e%2e/settings.py")).status_code == 404
        assert (await c.get("/explorer/vendor/graphiql/missing.js")).status_code == 404
        assert (await c.post("/explorer/", content=b"key=x")).status_code == 405
        assert (await c.put("/graphql/admin", headers={"Accept": "text/html"})).status_code == 405
