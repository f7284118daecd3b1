"""Retrying a write PostgreSQL chose as a deadlock's victim.

A sync page and an insights refresh (or two webhook deliveries) may lock the same customer rows
in different orders; PostgreSQL then rolls one transaction back (SQLSTATE 40P01) and expects the
client to run it again. Every page write is an idempotent upsert, so running it again is safe.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

RETRYABLE = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
TRIES = 4


def is_retryable(error: BaseException) -> bool:
    """A transaction rollback PostgreSQL asks the client to retry, however the driver wrapped it."""
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlstate", None) in RETRYABLE:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def retrying(write: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run ``write`` again (up to ``TRIES`` times, with a short random pause) when it loses a deadlock."""

    @functools.wraps(write)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, TRIES + 1):
            try:
                return await write(*args, **kwargs)
            except Exception as error:
                if attempt == TRIES or not is_retryable(error):
                    raise
                await asyncio.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    return run
