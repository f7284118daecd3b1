"""Job functions by name, with their retry budget and time limit.

A job is ``async def fn(ctx, *args)``, the shape arq uses, so one function runs under either
runner. Arguments must be JSON values: the embedded runner stores them in the database.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from store.job_owners import Owner

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
    owner: Owner = Owner.OPERATOR


registry: dict[str, Registered] = {}


def job(
    *, max_tries: int = 5, timeout: float = 300, name: str | None = None, owner: Owner = Owner.OPERATOR
) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under its name (or ``name``).

    ``owner`` says what the first argument is an id of, so the job's row belongs to that
    merchant; the default, the operator, keeps the job out of every merchant's view.
    """

    def register(function: JobFunction) -> JobFunction:
        key = name or function.__name__
        registry[key] = Registered(key, function, max_tries, timeout, owner)
        return function

    return register


BUILTIN_MODULES = (
    "app.jobs.builtin",
    "app.jobs.sync",
    "app.jobs.outbox",
    "app.jobs.reactions",
    "app.jobs.loyalty",
    "app.jobs.insights",
)


def load(modules: Iterable[str] = ()) -> None:
    """Import the built-in jobs and the modules whose ``@job`` functions a worker must know."""
    for module in (*BUILTIN_MODULES, *modules):
        importlib.import_module(module)


def retry_delay(tries: int, base: float, *, cap: float = 300.0) -> float:
    """Seconds before try ``tries + 1``: exponential from ``base``, capped, plus up to ``base`` of jitter."""
    return min(cap, base * 2 ** (tries - 1)) + random.uniform(0, base)


class WorkerLost(RuntimeError):
    """A job whose worker died during its last try: it is failed, not run a try too many."""

    def __init__(self, max_tries: int) -> None:
        super().__init__(f"worker stopped during the last of {max_tries} tries")
