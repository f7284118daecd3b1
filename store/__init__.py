"""The store: Tortoise models, idempotent batched upserts and merchant-scoped queries."""
