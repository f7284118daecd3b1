from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from store.sql import dialect_of

PAGE = 50_000


def _key(email: str | None) -> str | None:
    """``store.models.customers.email_key`` as of this migration (kept here so the backfill stays what it was)."""
    return (email or "").strip().lower() or None


async def backfill(apps, schema_editor) -> None:
    """Fill ``email_key`` for existing accounts: one statement does the ASCII work, then a pass in
    Python corrects the rows SQL folds differently (SQLite's ``lower`` is ASCII only, ``trim``
    spaces only), so every row ends as the application writes it."""
    conn = schema_editor.client
    dialect = dialect_of(conn)
    await conn.execute_script("UPDATE customers SET email_key = NULLIF(lower(trim(email)), '') WHERE email IS NOT NULL")
    last = 0
    while True:
        rows = await conn.execute_query_dict(
            "SELECT id, email, email_key FROM customers WHERE email IS NOT NULL AND id > "
            f"{dialect.param(1)} ORDER BY id LIMIT {PAGE}",
            [last],
        )
        if not rows:
            return
        for row in rows:
            if row["email_key"] != (key := _key(row["email"])):
                await conn.execute_query(
                    f"UPDATE customers SET email_key = {dialect.param(1)} WHERE id = {dialect.param(2)}",
                    [key, row["id"]],
                )
        last = rows[-1]["id"]


async def forget(apps, schema_editor) -> None:
    """Nothing to undo: removing the column drops its values."""


class Migration(migrations.Migration):
    dependencies = [("models", "0019_measure_program_impact")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Customer",
            name="email_key",
            field=fields.CharField(
                null=True,
                description="the email as accounts compare it (``email_key()``): verified-email lookups match it on an index",
                max_length=320,
            ),
        ),
        ops.RunPython(backfill, forget),
        ops.AddIndex(
            model_name="Customer",
            index=Index(fields=["merchant_id", "email_key"]),
        ),
    ]
