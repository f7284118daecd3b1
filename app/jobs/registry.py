"""Job functions by name, with their retry budget and time limit.

A job is ``async def fn(ctx, *args)``, the shape arq uses, so one function runs under either
runner. Arguments must be JSON values: the embedded runner stores them in the database.
``@job`` returns a :class:`JobHandle`, so callers queue ``sync_store.enqueue(queue, ...)`` and
each job's name is written once, where it is defined.
"""

from __future__ import annotations

import functools
import importlib
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypedDict, TypeVar

from store.job_owners import Owner

if TYPE_CHECKING:
    from app.jobs.queue import JobQueue

P = ParamSpec("P")
R = TypeVar("R")

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


class JobHandle(Generic[P, R]):
    """A registered job: call it to run it here and now, or ``enqueue`` it for a worker by its name."""

    def __init__(self, spec: Registered, function: Callable[P, Awaitable[R]]) -> None:
        self.spec = spec
        self.function = function
        functools.update_wrapper(self, function)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def registered(self) -> bool:
        """Whether the registry (what the workers run) still holds this job."""
        return self.spec.name in registry

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Awaitable[R]:
        return self.function(*args, **kwargs)

    async def enqueue(self, queue: JobQueue, *args: Any, key: str | None = None, delay: float = 0) -> bool:
        """Queue this job with ``args`` (JSON values); ``False`` when ``key`` is already queued."""
        return await queue.enqueue(self, *args, key=key, delay=delay)

    def __repr__(self) -> str:
        return f"<job {self.name}>"


JobRef = str | JobHandle[..., Any]
"""What a queue takes: a handle, or a job's name as stored (a replay, a failed job's row)."""


def name_of(function: JobRef) -> str:
    return function if isinstance(function, str) else function.name


def job(
    *, max_tries: int = 5, timeout: float = 300, name: str | None = None, owner: Owner = Owner.OPERATOR
) -> Callable[[Callable[P, Awaitable[R]]], JobHandle[P, R]]:
    """Register a job function under its name (or ``name``).

    ``owner`` says what the first argument is an id of, so the job's row belongs to that
    merchant; the default, the operator, keeps the job out of every merchant's view.
    """

    def register(function: Callable[P, Awaitable[R]]) -> JobHandle[P, R]:
        key = name or function.__name__
        spec = Registered(key, function, max_tries, timeout, owner)
        registry[key] = spec
        return JobHandle(spec, function)

    return register


BUILTIN_MODULES = (
    "app.jobs.builtin",
    "app.jobs.sync",
    "app.jobs.outbox",
    "app.jobs.reactions",
    "app.jobs.loyalty",
    "app.jobs.insights",
    "app.jobs.campaigns",
    "app.jobs.mail",
    "app.jobs.feedback",
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
