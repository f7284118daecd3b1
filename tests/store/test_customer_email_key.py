"""Every way an account's email is written keeps the key loyalty matches it by, and the
migration that adds the key fills it for accounts written before, as the application would."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext

from app import migrate
from app.db import tortoise_config
from insights.privacy.erase import erase_profile
from store.ingest import upsert_customers, upsert_orders
from store.models import Customer, Merchant, Store
from store.models.customers import email_key
from store.people import ensure_profiles
from store.records import CustomerRecord, OrderRecord

pytestmark = pytest.mark.db
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_key_is_the_email_trimmed_and_lower_cased_in_python():
    assert email_key("  ÅSA@Exämple.ORG\t") == "åsa@exämple.org"
    assert email_key("") is email_key("   ") is email_key(None) is None


async def _store() -> Store:
    merchant = await Merchant.create(name="m")
    return await Store.create(
        merchant=merchant, platform="shopify", domain="s.myshopify.com", currency="USD", public_key="pk"
    )


async def test_ingest_writes_the_key_and_a_newer_record_rewrites_it(db):
    store = await _store()
    await upsert_customers(store, [CustomerRecord(platform_id="1", updated_at=T0, email=" Ann@Example.ORG")])
    assert (await Customer.get(platform_id="1")).email_key == "ann@example.org"
    later = T0.replace(day=2)
    await upsert_customers(store, [CustomerRecord(platform_id="1", updated_at=later, email="Bob@example.org")])
    assert (await Customer.get(platform_id="1")).email_key == "bob@example.org"
    order = OrderRecord(
        platform_id="o1",
        name="#1",
        currency="USD",
        total=Decimal(10),
        created_at=T0,
        updated_at=T0,
        customer=CustomerRecord(platform_id="2", updated_at=T0, email="CAROL@example.org"),
    )
    await upsert_orders(store, [order])
    assert (await Customer.get(platform_id="2")).email_key == "carol@example.org"


async def test_writes_through_the_model_keep_the_key(db):
    store = await _store()
    customer = await Customer.create(
        merchant_id=store.merchant_id,
        store=store,
        platform_id="1",
        email="Ann@Example.org",
        platform_updated_at=T0,
        content_hash="h",
    )
    assert (await Customer.get(id=customer.id)).email_key == "ann@example.org"
    customer.email = "DAN@example.org"
    await customer.save(update_fields=["email"])
    assert (await Customer.get(id=customer.id)).email_key == "dan@example.org"


async def test_erasing_a_person_erases_the_key_with_the_email(db):
    store = await _store()
    await upsert_customers(store, [CustomerRecord(platform_id="1", updated_at=T0, email="Ann@Example.org")])
    customer = await Customer.get(platform_id="1")
    profile = (await ensure_profiles([customer.id]))[customer.id]
    await erase_profile(profile, actor="admin:1")
    erased = await Customer.get(id=customer.id)
    assert (erased.email, erased.email_key) == (None, None)


async def test_the_migration_fills_the_key_of_accounts_written_before_it(database_url):
    from tortoise.migrations.api.migrate import migrate as run_migrations

    async with TortoiseContext():
        await run_migrations(
            config=tortoise_config(migrate._migration_url(database_url)), target="models.0019_measure_program_impact"
        )
        await Tortoise.close_connections()
    emails = [" ÅSA@Exämple.ORG ", "Bob@Example.org", "   ", None, "carl@example.org"]
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        conn = ctx.db()
        await conn.execute_script(
            "INSERT INTO merchants (name, created_at, updated_at) VALUES ('m', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');"
            "INSERT INTO stores (merchant_id, platform, domain, name, currency, timezone, public_key, scopes, install_state, health, consecutive_failures, created_at, updated_at)"
            " VALUES (1, 'shopify', 's.myshopify.com', '', 'USD', 'UTC', 'pk', '', 'installed', 'healthy', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');"
        )
        for n, email in enumerate(emails):
            value = "NULL" if email is None else "'" + email + "'"
            await conn.execute_script(
                "INSERT INTO customers (merchant_id, store_id, platform_id, is_guest, email, verified_email, accepts_marketing,"
                " tags, platform_updated_at, content_hash, created_at, updated_at)"
                f" VALUES (1, 1, '{n}', false, {value}, true, false, '', '2026-01-01 00:00:00+00:00', 'h',"
                " '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')"
            )
        await ctx.close_connections()
    assert "models.0020_customer_email_key" in await migrate.apply(database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        rows = await ctx.db().execute_query_dict("SELECT platform_id, email_key FROM customers ORDER BY platform_id")
    assert [r["email_key"] for r in rows] == [email_key(e) for e in emails]
