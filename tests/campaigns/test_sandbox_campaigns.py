"""Campaigns end to end on the sandbox merchant: the win-back audience against an independent SQL
count, and a launch that makes real codes on the Shopify and WooCommerce simulators (over HTTP)
and sends exactly one email per treated member over real SMTP, nothing to the holdout, nothing
twice, and no marketing again to a shopper who unsubscribed.

The merchant is loaded, refreshed and connected to both simulators once per module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from tortoise import connections
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from app.discounts import ConnectorIssuers
from app.settings import Settings
from campaigns import manage
from campaigns.audiences import evaluate
from campaigns.builtin import CONSENT, TEMPLATES
from campaigns.models import (
    CampaignEntry,
    CampaignKind,
    CodeStatus,
    Group,
    Message,
    MessageStatus,
    Suppression,
    SuppressionReason,
)
from campaigns.runner import run_campaign
from campaigns.sending import send_due
from campaigns.settings import save_mail_config
from campaigns.unsubscribe import unsubscribe
from insights.refresh import refresh_merchant
from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app
from sandbox.woocommerce import WooState, serve_simulator
from store.link_signing import link_key
from store.models import Customer, Platform, Store
from tests.connectors.shopify.support import API_KEY, API_SECRET
from tests.insights.sandbox_store import load_sandbox
from tests.support.servers import BACKEND, SECRET, scratch_database

pytestmark = pytest.mark.db

AS_OF = datetime(1998, 7, 1, tzinfo=UTC)
MAIL_FROM = "shop@example.org"


@dataclass
class Sandbox:
    merchant_id: int
    settings: Settings
    shopify: ShopState
    woo: WooState
    stores: dict[int, Platform]


@pytest.fixture(scope="module")
def simulators() -> Iterator[tuple[ShopState, str, WooState, str]]:
    shop = ShopState.from_dataset("sample", 7, api_key=API_KEY, api_secret=API_SECRET, restore_rate=1000.0)
    woo = WooState.from_dataset("sample", 7)
    with serve(create_app(shop)) as shop_url, serve_simulator(woo, tls=True) as site_url:
        yield shop, shop_url, woo, site_url


@pytest_asyncio.fixture(scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory, simulators) -> AsyncIterator[Sandbox]:
    shop, shop_url, woo, site_url = simulators
    async with scratch_database(tmp_path_factory.mktemp("campaigns")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        loaded = await load_sandbox()
        await refresh_merchant(loaded.merchant_id, as_of=AS_OF)
        key = woo.create_api_key("read_write")
        for store in await Store.filter(merchant_id=loaded.merchant_id):
            if store.platform == Platform.SHOPIFY:
                assert store.domain == shop.settings.shop_domain
                store.access_token = shop.issue_token()
            else:  # the simulated site answers where it is served
                store.domain, store.consumer_key, store.consumer_secret = (
                    site_url,
                    key.consumer_key,
                    key.consumer_secret,
                )
            await store.save()
        await save_mail_config(loaded.merchant_id, {"quiet_start_hour": 0, "quiet_end_hour": 0})
        settings = Settings(
            secret_key=SECRET,
            database_url=url,
            shopify_api_key=API_KEY,
            shopify_api_secret=API_SECRET,
            shopify_base_url=shop_url,
            woocommerce_verify_tls=False,
            allow_site_networks=["127.0.0.0/8"],
        )
        stores = dict(await Store.filter(merchant_id=loaded.merchant_id).values_list("id", "platform"))
        yield Sandbox(loaded.merchant_id, settings, shop, woo, stores)


WIN_BACK_SQL = """
SELECT COUNT(DISTINCT c.profile_id) FROM customers c
JOIN insights_profile_segments s ON s.profile_id = c.profile_id
JOIN insights_profile_stats t ON t.profile_id = c.profile_id
WHERE c.merchant_id = {m} AND c.deleted_at IS NULL AND s.tier = 'vip' AND t.last_order_at <= {cutoff}
AND EXISTS (
    SELECT 1 FROM customers a WHERE a.profile_id = c.profile_id AND a.deleted_at IS NULL
    AND a.accepts_marketing AND a.email IS NOT NULL
    AND TRIM(a.email) <> '' AND LOWER(TRIM(a.email)) NOT IN (SELECT email FROM campaign_suppressions WHERE merchant_id = {m})
)
"""


async def independent_count(merchant_id: int, now: datetime) -> int:
    """VIPs (value tier at the last refresh) silent for 90 days or more, with an account that accepts
    marketing at an address nobody unsubscribed (addresses compared trimmed and lower-cased, as
    suppressions are kept), counted in plain SQL."""
    cutoff = now - timedelta(days=90)
    if BACKEND == "sqlite":  # Tortoise keeps SQLite times as ISO text, +00:00
        sql, args = WIN_BACK_SQL.format(m="?", cutoff="?"), [merchant_id, cutoff.isoformat(" "), merchant_id]
    else:
        sql, args = WIN_BACK_SQL.format(m="$1", cutoff="$2"), [merchant_id, cutoff]
    _, rows = await connections.get("default").execute_query(sql, args)
    return int(next(iter(dict(rows[0]).values())) if isinstance(rows[0], dict) else rows[0][0])


async def test_the_win_back_audience_equals_an_independent_count_of_silent_vips_with_consent(sandbox):
    audience = TEMPLATES[CampaignKind.WIN_BACK].definition.audience
    found = await evaluate(sandbox.merchant_id, audience, AS_OF)
    assert len(found) == await independent_count(sandbox.merchant_id, AS_OF) > 20
    # an unsubscribed VIP leaves both counts
    email = await Customer.filter(profile_id=min(found), accepts_marketing=True).values_list("email", flat=True)
    suppression = await Suppression.create(
        merchant_id=sandbox.merchant_id, email=email[0].strip().lower(), reason=SuppressionReason.UNSUBSCRIBED
    )
    try:
        fewer = await evaluate(sandbox.merchant_id, audience, AS_OF)
        assert min(found) not in fewer
        assert len(fewer) == await independent_count(sandbox.merchant_id, AS_OF) < len(found)
    finally:
        await suppression.delete()
    later = datetime(1998, 9, 1, tzinfo=UTC)  # more VIPs have been silent for 90 days by then
    assert len(await evaluate(sandbox.merchant_id, audience, later)) == await independent_count(
        sandbox.merchant_id, later
    )


async def send_everything(sandbox: Sandbox, smtp, now: datetime) -> None:
    """What the mail job does: send what is due until nothing is left."""
    while True:
        report = await send_due(
            smtp_url=smtp.url,
            mail_from=MAIL_FROM,
            base_url="http://127.0.0.1:8000",
            key=link_key(SECRET),
            now=now,
            merchant_id=sandbox.merchant_id,
        )
        if report.taken == 0:
            return


async def emails_of(profile_ids: set[int]) -> set[str]:
    rows = await Customer.filter(profile_id__in=list(profile_ids)).exclude(email=None).values_list("email", flat=True)
    return {e.strip().lower() for e in rows}


async def test_a_launch_mails_each_treated_member_once_with_a_code_made_on_its_store_and_the_holdout_nothing(
    sandbox, smtp
):
    m, now = sandbox.merchant_id, datetime.now(UTC).replace(microsecond=0)
    issuer_for = ConnectorIssuers(sandbox.settings).issuer_for
    campaign = await manage.create(m, CampaignKind.WIN_BACK, name="Win back VIPs, launched")
    await manage.launch(m, campaign.id, now)
    report = await run_campaign(campaign.id, issuer_for=issuer_for, now=now)
    assert report.codes_failed == 0, report.failures
    assert report.codes_issued == report.entered_treated == report.messages_queued > 20
    assert report.entered_holdout > 0
    await send_everything(sandbox, smtp, now)

    entries = await CampaignEntry.filter(campaign_id=campaign.id)
    treated = [e for e in entries if e.group == Group.TREATED]
    holdout = {e.profile_id for e in entries if e.group == Group.HOLDOUT}
    messages = {msg.entry_id: msg for msg in await Message.filter(campaign_id=campaign.id)}
    assert set(messages) == {e.id for e in treated}
    assert all(msg.status == MessageStatus.SENT for msg in messages.values())
    assert len(smtp.received) == len(treated)
    platforms = set()
    for entry in treated:
        message = messages[entry.id]
        [mail] = smtp.to(message.to_email)
        assert entry.code_status == CodeStatus.ISSUED and entry.code in mail.part("plain")
        account = await Customer.get(profile_id=entry.profile_id, store_id=entry.store_id, is_guest=False)
        if sandbox.stores[entry.store_id] == Platform.SHOPIFY:
            discount = sandbox.shopify.discount_by_code(entry.code)
            assert discount is not None and discount.customer_ids == frozenset({int(account.platform_id)})
            assert discount.kind == "percentage" and discount.usage_limit == 1
        else:
            [coupon] = [c for c in sandbox.woo.coupons.values() if c.code == entry.code.lower()]
            assert coupon.email_restrictions == [account.email.strip().lower()] and coupon.usage_limit == 1
        platforms.add(sandbox.stores[entry.store_id])
    assert platforms == {Platform.SHOPIFY, Platform.WOOCOMMERCE}
    received = {r.to.strip().lower() for r in smtp.received}
    assert not received & await emails_of(holdout)

    again = await run_campaign(campaign.id, issuer_for=issuer_for, now=now + timedelta(hours=3))
    assert (again.entered_treated, again.entered_holdout, again.codes_issued) == (0, 0, 0)
    await send_everything(sandbox, smtp, now + timedelta(hours=3))
    assert len(smtp.received) == len(treated)

    # a shopper who unsubscribes gets no marketing again, whatever the campaign asks for
    gone = messages[treated[0].id].to_email
    await unsubscribe(m, gone, now + timedelta(days=1))
    audience = TEMPLATES[CampaignKind.WIN_BACK].definition.audience
    assert treated[0].profile_id not in await evaluate(m, audience, now + timedelta(days=91))
    news = await manage.create(
        m,
        CampaignKind.CUSTOM,
        name="VIP news",
        audience={"all": [{"field": "value_tier", "op": "eq", "value": "vip"}]},
        actions={"event": False},
        holdout_percent=0,
    )
    await manage.launch(m, news.id, now)
    await run_campaign(news.id, issuer_for=issuer_for, now=now + timedelta(days=8))
    await send_everything(sandbox, smtp, now + timedelta(days=8))
    skipped = await Message.get(campaign_id=news.id, profile_id=treated[0].profile_id)
    assert skipped.status == MessageStatus.SKIPPED and skipped.reason == "unsubscribed"
    assert len(smtp.to(gone)) == 1
    assert len(smtp.received) > len(treated)


async def test_a_store_refusing_codes_means_no_email_for_its_members_and_the_failure_shows(sandbox, smtp):
    m = sandbox.merchant_id
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(days=60)  # clear of the other tests' mail
    issuer_for = ConnectorIssuers(sandbox.settings).issuer_for
    campaign = await manage.create(
        m,
        CampaignKind.CUSTOM,
        name="Five off for VIPs",
        audience={"all": [{"field": "value_tier", "op": "eq", "value": "vip"}, CONSENT]},
        actions={"code": {"kind": "fixed_amount", "value": "5.00"}},
        holdout_percent=0,
    )
    await manage.launch(m, campaign.id, now)
    sandbox.shopify.tokens.revoke_all()  # the merchant uninstalled the app on the Shopify store
    try:
        report = await run_campaign(campaign.id, issuer_for=issuer_for, now=now)
        again = await run_campaign(campaign.id, issuer_for=issuer_for, now=now + timedelta(hours=1))
    finally:
        shopify = await Store.get(merchant_id=m, platform=Platform.SHOPIFY)
        shopify.access_token = sandbox.shopify.issue_token()
        await shopify.save()
    await send_everything(sandbox, smtp, now)
    entries = await CampaignEntry.filter(campaign_id=campaign.id)
    refused = [e for e in entries if sandbox.stores[e.store_id] == Platform.SHOPIFY]
    issued = [e for e in entries if sandbox.stores[e.store_id] == Platform.WOOCOMMERCE]
    assert refused and issued
    assert all(e.code_status == CodeStatus.FAILED and e.code is None for e in refused)
    assert all(e.code_error.startswith("unauthorized") for e in refused)
    assert all(e.code_status == CodeStatus.ISSUED for e in issued)
    assert report.codes_failed == len(refused) and report.failures[0].startswith("member ")
    assert again.codes_retried == 0  # a refusal is final; only an unreachable store is asked again
    assert set(await Message.filter(campaign_id=campaign.id).values_list("entry_id", flat=True)) == {
        e.id for e in issued
    }
    assert len(smtp.received) == len(issued)
    assert all(any(e.code in r.part("plain") for e in issued) for r in smtp.received)
