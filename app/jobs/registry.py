"""Job functions by name, with their retry budget and time limit.

A job is ``async def fn(ctx, *args)``, the shape arq uses, so one function runs under either
runner. Arguments must be JSON values: the embedded runner stores them in the database.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

JobFunction = Callable[..., Awaitable[Any]]


class JobContext(TypedDict, total=False):
    job_id: str
    job_try: int
    queue: Any
    settings: Any


@dataclass(frozen=True)
class Registered:
    name: str
    function: JobFunction
    max_tries: int
    timeout: float


registry: dict[str, Registered] = {}


def job(*, max_tries: int = 5, timeout: float = 300, name: str | None = None) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under its name (or ``name``)."""

    def register(function: JobFunction) -> JobFunction:
        key = name or function.__name__
        registry[key] = Registered(key, function, max_tries, timeout)
        return function

    return register


def load(modules: Iterable[str]) -> None:
    """Import the modules whose ``@job`` functions a worker must know."""
    for module in modules:
        importlib.import_module(module)


def backoff(tries: int, *, base: float = 1.0, cap: float = 300.0, jitter: float = 0.0) -> float:
    """Seconds before try ``tries + 1``: exponential, capped, optionally jittered by the caller."""
    return min(cap, base * 2 ** (tries - 1)) + jitter
