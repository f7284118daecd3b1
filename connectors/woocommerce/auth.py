"""How requests to a WooCommerce site prove who we are: the scheme of the site decides.

Over HTTPS WooCommerce reads HTTP Basic (consumer key as user, secret as password); over
plain HTTP it ignores Basic and wants a one-legged OAuth 1.0a signature in the query string.
The signing is the ``woocommerce`` package's own (``woocommerce.oauth.OAuth``), reused
because it matches ``WC_REST_Authentication`` byte for byte; the package's synchronous
``requests`` transport is not used (our calls are async, retried and counted by
``PlatformHTTP``).
"""

from __future__ import annotations

from collections.abc import Generator
from urllib.parse import urlsplit

import httpx
from woocommerce.oauth import OAuth

API_VERSION = "wc/v3"


class OAuth1QueryAuth(httpx.Auth):
    """Signs each request (every retry too: a fresh nonce and timestamp) into its query string."""

    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        signed = OAuth(
            url=str(request.url),
            consumer_key=self.consumer_key,
            consumer_secret=self.consumer_secret,
            version=API_VERSION,
            method=request.method,
        ).get_oauth_url()
        request.url = httpx.URL(signed)
        yield request


def site_auth(site_url: str, consumer_key: str, consumer_secret: str) -> httpx.Auth:
    """Basic over HTTPS, OAuth 1.0a over HTTP, as WooCommerce accepts them."""
    if urlsplit(site_url).scheme == "https":
        return httpx.BasicAuth(consumer_key, consumer_secret)
    return OAuth1QueryAuth(consumer_key, consumer_secret)
