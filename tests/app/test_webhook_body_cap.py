"""Webhook bodies are capped before anything is verified: a huge unsigned POST gets 413, unread.

Run against ``rapport serve`` in its own process, so its memory can be read from ``/proc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from store.models import Merchant, Platform, Store, WebhookEvent
from tests.support.servers import rapport_serve

pytestmark = pytest.mark.db

MB = 1024 * 1024
HUNDRED_MB = 100 * MB
CAP = 4 * MB


def _server_pid(port: int) -> int:
    """The ``rapport serve`` process listening on ``port``."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"serve" in argv and str(port).encode() in argv:
                return int(proc.name)
    raise LookupError(f"no rapport serve on port {port}")


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError("no VmRSS")


def _post_huge(base: str, path: str, *, chunked: bool, total: int = HUNDRED_MB, headers: str = "") -> tuple[int, int]:
    """POST ``total`` bytes of an unsigned body, sending while the server reads, and stop at its
    answer; returns the status and how many body bytes the server let in before answering."""
    url = urlsplit(base)
    head = f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n{headers}"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {total}\r\n\r\n"
    piece = b"x" * (256 * 1024)
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    sent, answer = 0, b""
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        pending = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 1)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    break
                answer += data
                if not data or b"\r\n\r\n" in answer:
                    break
            elif writable:
                if not pending:
                    pending = frame
                try:
                    n = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    continue  # the server stopped reading; its answer is on the way
                pending = pending[n:]
                if not pending:
                    sent += len(piece)
    assert answer, "the server never answered"
    return int(answer.split(b" ", 2)[1]), sent


@pytest.fixture
async def woo_store(db) -> Store:
    merchant = await Merchant.create(name="Northwind Records")
    return await Store.create(
        merchant=merchant,
        platform=Platform.WOOCOMMERCE,
        domain="https://shop.example",
        public_key="pk_woo_cap",
        webhook_secret="wc_hook_secret",
    )


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
async def test_a_100_mb_unsigned_post_to_either_webhook_endpoint_gets_413_without_being_buffered(
    database_url, woo_store, chunked
):
    with rapport_serve(database_url, SHOPIFY_API_SECRET="app-secret") as base:
        pid = _server_pid(urlsplit(base).port)
        before = _rss(pid)
        for path in ("/webhooks/shopify", f"/webhooks/woocommerce/{woo_store.id}"):
            status, let_in = await asyncio.to_thread(_post_huge, base, path, chunked=chunked)
            assert status == 413, path
            assert let_in < 40 * MB, f"{path}: the server read {let_in // MB} MB before answering"
        grown = _rss(pid) - before
    assert grown < 30 * MB, f"RSS grew by {grown // MB} MB for two 100 MB bodies"
    assert await WebhookEvent.all().count() == 0


async def test_a_content_length_over_the_cap_is_refused_before_any_of_the_body_is_sent(database_url, woo_store):
    with rapport_serve(database_url) as base:
        url = urlsplit(base)
        for path in ("/webhooks/shopify", f"/webhooks/woocommerce/{woo_store.id}"):
            with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
                sock.sendall(
                    f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {CAP + 1}\r\n\r\n".encode()
                )
                assert sock.recv(65536).startswith(b"HTTP/1.1 413 "), path


async def test_a_body_at_the_cap_is_read_and_judged_by_its_signature(database_url, woo_store):
    with rapport_serve(database_url, SHOPIFY_API_SECRET="app-secret") as base:
        status, _ = await asyncio.to_thread(_post_huge, base, "/webhooks/shopify", chunked=False, total=CAP)
    assert status == 401  # read whole, then refused for its missing signature
