"""The WordPress plugin on a real WordPress (Debian's package, MariaDB, ``php -S``) beside
``rapport demo``: the owner connects the site from Settings → Rapport, a shopper signs in and
sees their balance in the widget, the settings form refuses requests without its nonce or the
capability, and deleting the plugin removes what it stored. WooCommerce is not packaged by
Debian, so the shopper is a WordPress user whose id is a WooCommerce customer's id in the demo."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio

from app.auth.site_requests import site_secret
from tests.browser.test_widget import admin, formatted
from tests.support.servers import SECRET
from tests.support.wordpress import ADMIN, WordPress, wordpress

# The plugin does not depend on Rapport's database backend: these run once, in the SQLite run.
pytestmark = [pytest.mark.slow]

LOYALTY = "rapport-loyalty"
SHOPPER_PASSWORD = "shopper-" + "q" * 12
WOO_MEMBERS = """query($store: ID!) { members(first: 30, storeId: $store) { nodes { profile { customers(first: 5) {
  nodes { platformId isGuest store { id } loyalty { balance { available pending } } } } } } } }"""
ORIGINS = """mutation($s: ID!, $o: [String!]!) { storefrontOriginsSet(input: {storeId: $s, origins: $o}) {
  origins userErrors { message } } }"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    with wordpress(tmp_path_factory.mktemp("wordpress")) as wp:
        yield wp


@pytest_asyncio.fixture
async def pending_stores(demo_database: str) -> AsyncIterator[list[int]]:
    """Stores a test's connection left pending in the shared demo, removed afterwards so the
    other browser tests still see the demo's two stores."""
    created: list[int] = []
    yield created
    if not created:
        return
    if demo_database.startswith("sqlite://"):
        with sqlite3.connect(demo_database.removeprefix("sqlite://")) as conn:
            conn.executemany("DELETE FROM stores WHERE id = ? AND install_state = 'pending'", [(i,) for i in created])
        return
    import asyncpg

    conn = await asyncpg.connect(demo_database.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DELETE FROM stores WHERE id = ANY($1::int[]) AND install_state = 'pending'", created)
    finally:
        await conn.close()


async def sign_in(page: Any, site: WordPress, login: str, password: str) -> None:
    """WordPress's login scripts may reset the password field after the page's load (seen once in
    CI: "The password field is empty"), so the fields are filled once the network is idle, read back
    before the click, and a login page that comes back is tried again, at most three times."""
    for attempt in range(3):
        await page.goto(f"{site.url}/wp-login.php")
        await page.wait_for_load_state("networkidle")
        await page.fill("#user_login", login)
        await page.fill("#user_pass", password)
        if await page.input_value("#user_pass") != password:
            continue
        await page.click("#wp-submit")
        try:  # the click starts a navigation that "load" of the login page itself may precede
            await page.wait_for_url(lambda url: "wp-login.php" not in url, timeout=30_000)
            return
        except Exception as exc:
            if attempt == 2 or "The password field is empty" not in await page.content():
                raise AssertionError(f"still on the login page: {await page.content()}") from exc
    raise AssertionError("the password field would not keep its value")


def option(site: WordPress, name: str) -> str:
    return site.php("echo (string) get_option($args['name'], '');", name=name)


async def woo_customer_with_points(demo: dict[str, Any]) -> dict[str, Any]:
    store = f"gid://rapport/Store/{demo['stores']['woocommerce']['id']}"
    for member in (await admin(demo, WOO_MEMBERS, {"store": store}))["members"]["nodes"]:
        for account in member["profile"]["customers"]["nodes"]:
            if (
                not account["isGuest"]
                and account["store"]["id"] == store
                and account["loyalty"]
                and account["loyalty"]["balance"]["available"] > 0
                and account["platformId"].isdigit()
            ):
                return account
    raise AssertionError("no WooCommerce customer of the demo has points")


async def test_the_owner_connects_the_site_from_settings_and_is_sent_to_woocommerce_approval(
    demo, site, page, screenshot, pending_stores
):
    await sign_in(page, site, *ADMIN)
    await page.goto(f"{site.url}/wp-admin/options-general.php?page=rapport")
    await page.fill("#rapport_url", demo["base_url"])
    await page.fill("#rapport_api_key", demo["api_key"])
    async with page.expect_navigation():
        await page.click("#rapport-connect")
    await page.wait_for_load_state("load")
    # WooCommerce's approval page (WordPress adds its trailing slash; without WooCommerce, a 404)
    assert urlsplit(page.url).path.rstrip("/") == "/wc-auth/v1/authorize", page.url
    grant = parse_qs(urlsplit(page.url).query)
    assert grant["app_name"] == ["Rapport"] and grant["scope"] == ["read_write"]
    assert grant["callback_url"][0].endswith("/auth/woocommerce/callback")

    store_id = int(option(site, "rapport_store_id"))
    pending_stores.append(store_id)
    assert option(site, "rapport_site_secret") == site_secret(SECRET, store_id)
    assert option(site, "rapport_url") == demo["base_url"]
    autoload = site.php(
        'global $wpdb; echo $wpdb->get_var("SELECT autoload FROM $wpdb->options '
        "WHERE option_name = 'rapport_site_secret'\");"
    )
    assert autoload == "no"
    assert demo["api_key"] not in site.php(
        'global $wpdb; echo json_encode($wpdb->get_col("SELECT option_value FROM $wpdb->options"));'
    )

    await page.goto(f"{site.url}/wp-admin/options-general.php?page=rapport")
    html = await page.content()
    assert f"#{store_id}" in html and option(site, "rapport_public_key") in html
    assert site_secret(SECRET, store_id) not in html and demo["api_key"] not in html
    assert await page.locator("#rapport_api_key").input_value() == ""
    await screenshot(page, "wordpress-settings")


async def test_a_signed_in_customer_sees_their_balance_in_the_widget(demo, site, page, page_errors, screenshot):
    woo = demo["stores"]["woocommerce"]
    customer = await woo_customer_with_points(demo)
    store_gid = f"gid://rapport/Store/{woo['id']}"
    # the site's own domain is always allowed; the demo's store is the simulator's, so the demo's
    # page origins are kept and the WordPress site is added beside them
    demo_origins = {demo["base_url"], demo["base_url"].replace("127.0.0.1", "localhost")}
    added = await admin(demo, ORIGINS, {"s": store_gid, "o": sorted({*demo_origins, site.url})})
    assert added["storefrontOriginsSet"]["userErrors"] == [] and site.url in added["storefrontOriginsSet"]["origins"]
    site.php(
        "Rapport_Options::save_connection($args['url'], $args['store'], $args['key'], $args['secret']);",
        url=demo["base_url"],
        store=woo["id"],
        key=woo["public_key"],
        secret=site_secret(SECRET, woo["id"]),
    )
    user_id = int(customer["platformId"])
    site.add_user(user_id, f"customer{user_id}", SHOPPER_PASSWORD)
    rewards = site.add_page("Rewards", '<!-- wp:rapport/loyalty /-->\n\n[rapport_bought_together product="17"]')

    await page.goto(rewards)
    await page.wait_for_selector(f"{LOYALTY}[data-state=guest]")
    assert "data-shopper-token" not in await page.content()

    await sign_in(page, site, f"customer{user_id}", SHOPPER_PASSWORD)
    await page.goto(rewards)
    await page.wait_for_selector(f"{LOYALTY}[data-state=member]")
    balance = customer["loyalty"]["balance"]
    shown = await page.locator(f"{LOYALTY} .balance").inner_text()
    assert shown == f"{await formatted(page, balance['available'])} points"
    html = await page.content()
    assert site_secret(SECRET, woo["id"]) not in html
    assert 'product-id="gid://woocommerce/Product/17"' in html
    await screenshot(page, "wordpress-widget", f"{LOYALTY} .card")
    assert page_errors == []


async def test_the_settings_form_refuses_a_post_without_its_nonce_or_without_manage_options(demo, site, page):
    before = option(site, "rapport_url")
    await sign_in(page, site, *ADMIN)
    form = {"action": "rapport_connect", "rapport_url": "http://127.0.0.1:9", "rapport_api_key": demo["api_key"]}
    no_nonce = await page.request.post(f"{site.url}/wp-admin/admin-post.php", form=form)
    assert no_nonce.status == 403
    forged = await page.request.post(f"{site.url}/wp-admin/admin-post.php", form={**form, "_wpnonce": "0123456789"})
    assert forged.status == 403
    site.add_user(9_000_001, "subscriber", SHOPPER_PASSWORD)
    await page.context.clear_cookies()
    await sign_in(page, site, "subscriber", SHOPPER_PASSWORD)
    as_subscriber = await page.request.post(f"{site.url}/wp-admin/admin-post.php", form=form)
    assert as_subscriber.status == 403
    settings = await page.request.get(f"{site.url}/wp-admin/options-general.php?page=rapport")
    assert settings.status == 403
    await page.context.clear_cookies()
    anonymous = await page.request.post(f"{site.url}/wp-admin/admin-post.php", form=form, max_redirects=0)
    assert anonymous.status in (200, 302, 400)
    assert option(site, "rapport_url") == before


async def test_a_bad_address_or_key_is_said_on_the_settings_page_and_nothing_is_saved(demo, site, page):
    before = option(site, "rapport_store_id")
    await sign_in(page, site, *ADMIN)
    for key, said in (
        ("rpk_000000000000_" + "x" * 43, "Rapport refused to connect this site"),
        ("<script>alert(1)</script>", "starts with rpk_"),
    ):
        await page.goto(f"{site.url}/wp-admin/options-general.php?page=rapport")
        await page.fill("#rapport_url", demo["base_url"])
        await page.fill("#rapport_api_key", key)
        async with page.expect_navigation():
            await page.click("#rapport-connect")
        await page.wait_for_selector(".notice-error")
        assert said in await page.locator(".notice-error").inner_text()
        assert "<script>alert(1)" not in await page.content()
    assert option(site, "rapport_store_id") == before


def test_deleting_the_plugin_removes_its_options_and_kept_tokens(site):
    site.php("update_user_meta(1, '_rapport_shopper_token', ['token' => 't', 'until' => time() + 60]);")
    left = site.php("""
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        uninstall_plugin('rapport/rapport.php');
        global $wpdb;
        echo json_encode([$wpdb->get_col("SELECT option_name FROM $wpdb->options WHERE option_name LIKE 'rapport\\\\_%'"),
                          $wpdb->get_col("SELECT meta_key FROM $wpdb->usermeta WHERE meta_key = '_rapport_shopper_token'")]);
    """)
    assert left.strip() == "[[],[]]"
