"""The Shopify app's configuration cannot drift from the app: the committed ``shopify.app.toml`` is
what the generator makes from the README's example settings, and every scope, topic, address and
proxy path in it is one the code asks for or serves."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.routing import Match

from app.settings import Settings
from app.shopify_app import (
    APP_PROXY_SCOPE,
    PROXY_PATH,
    TOML,
    AppConfigError,
    app_config,
    example_settings,
    render,
)
from app.web import create_app
from connectors.shopify import oauth, webhooks
from tests.support.servers import ROOT, SECRET

TOPIC_SCOPES = {
    "orders": "read_orders",
    "refunds": "read_orders",
    "customers": "read_customers",
    "products": "read_products",
    "app": None,
}
"""The scope Shopify requires before it delivers each topic family (none for app/uninstalled)."""


def committed() -> dict:
    return tomllib.loads(TOML.read_text())


@cache
def routes() -> list:
    return create_app(example_settings()).routes


def served(method: str, path: str) -> bool:
    """Whether the app built from the example settings answers ``method path`` with a route of its own."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in routes())


def test_the_committed_toml_is_what_the_generator_makes_from_the_example_settings() -> None:
    assert TOML.read_text() == render(app_config(example_settings()))


def test_scopes_are_the_connectors_plus_the_app_proxy_and_nothing_more() -> None:
    scopes = committed()["access_scopes"]["scopes"].split(",")
    assert set(scopes) == {*oauth.SCOPES, APP_PROXY_SCOPE}
    assert len(scopes) == len(set(scopes))


def test_every_topic_the_connector_subscribes_to_is_declared_and_its_scope_granted() -> None:
    (subscription,) = committed()["webhooks"]["subscriptions"]
    assert tuple(subscription["topics"]) == webhooks.TOPICS
    scopes = set(committed()["access_scopes"]["scopes"].split(","))
    for topic in subscription["topics"]:
        needed = TOPIC_SCOPES[topic.split("/")[0]]
        assert needed is None or needed in scopes, topic


def test_the_mandatory_privacy_topics_are_declared_as_compliance_topics() -> None:
    (subscription,) = committed()["webhooks"]["subscriptions"]
    assert sorted(subscription["compliance_topics"]) == ["customers/data_request", "customers/redact", "shop/redact"]
    assert tuple(subscription["compliance_topics"]) == webhooks.PRIVACY_TOPICS


def test_webhooks_are_delivered_where_the_app_receives_them() -> None:
    config = committed()
    (subscription,) = config["webhooks"]["subscriptions"]
    uri = urlsplit(subscription["uri"])
    assert f"{uri.scheme}://{uri.netloc}" == example_settings().public_base_url
    assert served("POST", uri.path)
    assert config["webhooks"]["api_version"] == example_settings().shopify_api_version


def test_the_admin_url_opens_the_dashboard_and_the_redirect_url_is_the_oauth_callback() -> None:
    config = committed()
    assert config["embedded"] is True
    assert config["client_id"] == example_settings().shopify_api_key
    assert urlsplit(config["application_url"]).path == "/dashboard/"
    assert served("GET", urlsplit(config["application_url"]).path)
    (redirect,) = config["auth"]["redirect_urls"]
    assert served("GET", urlsplit(redirect).path)


def test_the_app_proxy_forwards_the_widgets_proxy_path_to_the_storefront_api() -> None:
    proxy = committed()["app_proxy"]
    assert f"/{proxy['prefix']}/{proxy['subpath']}" == PROXY_PATH == "/apps/rapport"
    # Shopify forwards <shop>/apps/rapport/<rest> to <url>/<rest>: the widget asks <proxy>/graphql/storefront
    assert proxy["url"] == example_settings().public_base_url
    assert served("GET", "/graphql/storefront") and served("POST", "/graphql/storefront")
    assert served("GET", "/widget/rapport-widget.js")


def test_an_address_shopify_cannot_reach_over_https_is_refused_with_the_setting_named() -> None:
    settings = Settings(secret_key=SECRET, public_base_url="http://127.0.0.1:8000", shopify_api_key="abc")
    with pytest.raises(AppConfigError, match="PUBLIC_BASE_URL must be an https://"):
        app_config(settings)


def test_a_missing_client_id_is_refused_with_the_setting_named() -> None:
    settings = Settings(secret_key=SECRET, public_base_url="https://rapport.example.com", shopify_api_key=" ")
    with pytest.raises(AppConfigError, match="SHOPIFY_API_KEY is not set"):
        app_config(settings)


def test_the_command_writes_the_deployments_own_configuration(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": "https://loyalty.shop.test",
        "SHOPIFY_API_KEY": "client-123",
        "SHOPIFY_API_VERSION": "2026-07",
        "PYTHONPATH": str(ROOT),
    }
    target = tmp_path / "shopify.app.toml"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "shopify-app-config", "--output", str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    config = tomllib.loads(target.read_text())
    assert config["client_id"] == "client-123"
    assert config["application_url"] == "https://loyalty.shop.test/dashboard/"
    assert config["webhooks"]["api_version"] == "2026-07"
    assert config["webhooks"]["subscriptions"][0]["uri"] == "https://loyalty.shop.test/webhooks/shopify"


def test_the_command_refuses_plain_http_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "SHOPIFY_API_KEY": "client-123",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "shopify-app-config"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "rapport: PUBLIC_BASE_URL must be an https:// address Shopify can reach, not http://127.0.0.1:8000"
    ]
