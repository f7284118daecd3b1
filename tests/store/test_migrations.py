"""Migrations and models agree on every backend, and upgrades keep every row."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.context import TortoiseContext

from app import migrate
from app.db import tortoise_config
from store.introspect import describe, differences

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]


def _committed() -> list[str]:
    """The committed migrations in order, as ``apply`` names them."""
    return [f"models.{path.stem}" for path in sorted((ROOT / "migrations").glob("[0-9][0-9][0-9][0-9]_*.py"))]


async def test_the_models_need_no_migration_the_folder_lacks():
    pending = await migrate.pending_model_changes()
    assert pending == [], f"run `rapport-dev makemigrations`: {[w.name for w in pending]}"


async def test_a_migrated_database_has_exactly_the_schema_of_the_models(database_url):
    assert await migrate.apply(database_url) == _committed()
    assert await migrate.apply(database_url) == []
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        actual = await describe(ctx.db())
    assert differences(actual, await migrate.expected_schema()) == []


@pytest.fixture
def old_migrations(tmp_path, monkeypatch):
    """The migration history as if ``orders.name`` had once been shorter, then widened."""
    package = tmp_path / "old_migrations"
    shutil.copytree(ROOT / "migrations", package, ignore=shutil.ignore_patterns("__pycache__"))
    first = package / "0001_initial.py"
    text = first.read_text()
    assert text.count("('name', fields.CharField(default='', max_length=64))") == 1
    first.write_text(
        text.replace(
            "('name', fields.CharField(default='', max_length=64))",
            "('name', fields.CharField(default='', max_length=40))",
        )
    )
    last = _committed()[-1].removeprefix("models.")
    (package / f"{int(last[:4]) + 1:04d}_widen_order_name.py").write_text(
        "from tortoise import fields, migrations\n"
        "from tortoise.migrations import operations as ops\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('models', '{last}')]\n"
        "    operations = [ops.AlterField(model_name='Order', name='name',\n"
        "                                 field=fields.CharField(default='', max_length=64))]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(migrate, "tortoise_config", lambda url: _config(url, "old_migrations"))
    yield
    sys.modules.pop("old_migrations", None)


def _config(url: str, package: str) -> dict:
    config = tortoise_config(url)
    config["apps"]["models"]["migrations"] = package
    return config


async def test_an_upgrade_keeps_rows_children_and_indexes(database_url, old_migrations):
    from tortoise.migrations.api.migrate import migrate as run_migrations

    async with TortoiseContext():
        await run_migrations(
            config=_config(migrate._migration_url(database_url), "old_migrations"), target="models.0001_initial"
        )
        await Tortoise.close_connections()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        conn = ctx.db()
        await conn.execute_script(
            "INSERT INTO merchants (name, created_at, updated_at) VALUES ('m', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');"
            "INSERT INTO stores (merchant_id, platform, domain, name, currency, timezone, public_key, scopes, install_state, health, consecutive_failures, created_at, updated_at)"
            " VALUES (1, 'shopify', 's.myshopify.com', '', 'USD', 'UTC', 'pk', '', 'installed', 'healthy', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');"
            "INSERT INTO orders (merchant_id, store_id, platform_id, name, currency, subtotal, total_discount, shipping, tax, total, total_refunded, financial_status, discount_codes, test, platform_created_at, platform_updated_at, content_hash, created_at, updated_at)"
            " VALUES (1, 1, '7', '#1001', 'USD', 10, 0, 0, 0, 10, 0, 'paid', '[]', false, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 'h', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');"
            "INSERT INTO order_lines (order_id, store_id, platform_id, sku, title, quantity, unit_price, total_discount, total, is_gift_card)"
            " VALUES (1, 1, '70', 'SKU', 'T', 1, 10, 0, 10, false);"
        )
        await ctx.close_connections()
    applied = await migrate.apply(database_url)
    assert applied[:-1] == _committed()[1:] and applied[-1].endswith("_widen_order_name")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        conn = connections.get("default")
        counts = [
            (await conn.execute_query_dict(f"SELECT count(*) AS n FROM {t}"))[0]["n"]
            for t in ("merchants", "stores", "orders", "order_lines")
        ]
        actual = await describe(conn)
    assert counts == [1, 1, 1, 1]
    assert differences(actual, await migrate.expected_schema()) == []
