"""A stand-in for a Shopify storefront with Rapport's app proxy: a real HTTP server on its own origin.

It serves the demo page and the widget as a theme would, and forwards ``/apps/rapport/*`` to
the app the way Shopify's app proxy does: the original query plus ``shop``, ``path_prefix``,
``timestamp``, ``logged_in_customer_id`` and the HMAC ``signature`` over all of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from app.auth.app_proxy import signature

PREFIX = "/apps/rapport"
SHOPIFY_APP_KEY = "browser-test-app"
SHOPIFY_APP_SECRET = "browser-test-app-secret-" + "s" * 16
"""The demo's Shopify app credentials (set by the demo fixture), so the stand-in signs as Shopify would."""
HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "content-encoding"}


@contextmanager
def shop_with_app_proxy(
    app_url: str, shop: str, secret: str, customer_platform_id: str | None, pages: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Yields the shop's base URL; ``customer_platform_id`` is who Shopify says is logged in, and
    ``pages`` are HTML documents the shop itself serves by path (a theme's rendered templates)."""

    class Shop(BaseHTTPRequestHandler):
        def forward(self) -> None:
            parts = urlsplit(self.path)
            if pages and parts.path in pages:
                body = pages[parts.path].encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            params = parse_qsl(parts.query, keep_blank_values=True)
            path = parts.path
            if path.startswith(PREFIX + "/"):
                path = path[len(PREFIX) :]
                params += [
                    ("shop", shop),
                    ("path_prefix", PREFIX),
                    ("timestamp", str(int(time.time()))),
                    ("logged_in_customer_id", customer_platform_id or ""),
                ]
                params.append(("signature", signature(params, secret)))
            elif path.startswith("/products/"):
                path = "/demo/storefront.html"
            body = self.rfile.read(int(self.headers.get("content-length") or 0)) or None
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
            answer = httpx.request(
                self.command, f"{app_url}{path}?{urlencode(params)}", content=body, headers=headers, timeout=30
            )
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            try:
                self.wfile.write(answer.content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser left the page before the answer arrived, as a shopper may

        do_GET = do_POST = forward

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
