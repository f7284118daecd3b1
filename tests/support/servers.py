"""Where the test servers are, and how a test asks for one."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BACKEND = os.environ.get("RAPPORT_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("RAPPORT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS", "redis://127.0.0.1:6379/7")
IN_CI = os.environ.get("CI", "").lower() == "true"
SECRET = "test-secret-key-" + "x" * 32
ROOT = Path(__file__).resolve().parents[2]


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def need_server(name: str, url: str) -> None:
    """Skip (or, in CI, fail) when the server behind ``url`` is down."""
    if reachable(url):
        return
    message = f"{name} at {urlsplit(url).hostname}:{urlsplit(url).port} is not reachable"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing server fails the run)")
    pytest.skip(message)


def subprocess_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update(DATABASE_URL=database_url, SECRET_KEY=SECRET, PYTHONPATH=str(ROOT), **extra)
    return env
