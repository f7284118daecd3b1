"""``/wc-auth/v1/authorize``: the merchant-facing key-creation flow of ``WC_Auth``.

``GET /wc-auth/v1/authorize?app_name=&scope=read|write|read_write&user_id=&return_url=&callback_url=``

The simulator plays a logged-in shop manager who clicks "Approve" at once (WooCommerce
would show a login form, then a grant page, then hit ``/wc-auth/v1/access_granted``):

1. Validation as ``make_validation`` does it: each of the five parameters present
   ("Missing parameter app_name"), scope one of read/write/read_write ("Invalid scope x"),
   both URLs valid, and ``callback_url`` over HTTPS ("The callback_url needs to be over
   SSL"). Simulator concession: ``http://`` callbacks to ``127.0.0.1``, ``localhost`` or
   ``[::1]`` are accepted, so a local receiver needs no certificate.
2. A key is created: ``ck_`` / ``cs_`` + 40 hex characters, permissions = scope.
3. ``POST callback_url`` with JSON ``{"key_id", "user_id", "consumer_key",
   "consumer_secret", "key_permissions"}`` (``user_id`` echoes the app's value as the
   string it was given), ``Content-Type: application/json;charset=UTF-8``. TLS
   certificates are not verified (simulator liberty).
4. Only an exact ``200`` counts: then ``302`` to ``return_url`` with ``success=1&user_id=``
   appended. Otherwise the key is deleted (never usable) and the page is WordPress'
   ``wp_die`` screen: **401**, HTML, "Error: An error occurred in the request and at the
   time were unable to send the consumer data." Every validation error is shown the same
   way (401 HTML, "Error: <message>.").

Simulator-only: ``deny=1`` plays the merchant clicking "Deny": ``302`` to
``return_url?success=0&user_id=...`` and no key. ``/wc-auth/v1/login`` redirects to
``authorize`` with the same query (the merchant is already logged in).
"""

from __future__ import annotations

import html
import json
from urllib.parse import unquote, urlencode, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .state import state_of

REQUIRED = ("app_name", "user_id", "return_url", "callback_url", "scope")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
SEND_FAILED = "An error occurred in the request and at the time were unable to send the consumer data"


class AuthFlowError(Exception):
    pass


def formatted_url(url: str) -> str:
    """``get_formatted_url``: URL-decoded, ``https://`` added when there is no scheme."""
    url = unquote(url)
    return url if "://" in url else "https://" + url


def add_query_arg(url: str, **args: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode(args)}"


def wp_die(message: str) -> Response:
    body = (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="utf-8">\n'
        '<title>Access denied</title>\n</head>\n<body id="error-page">\n'
        f'<div class="wp-die-message">Error: {html.escape(message)}.</div></body>\n</html>'
    )
    return HTMLResponse(body, status_code=401)


def validate(params: dict[str, str]) -> dict[str, str]:
    data = {}
    for name in REQUIRED:
        if not params.get(name):
            raise AuthFlowError(f"Missing parameter {name}")
        data[name] = params[name]
    if data["scope"] not in ("read", "write", "read_write"):
        raise AuthFlowError(f"Invalid scope {data['scope']}")
    for name in ("return_url", "callback_url"):
        url = formatted_url(data[name])
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise AuthFlowError(f"The {url} is not a valid URL")
    callback = urlsplit(formatted_url(data["callback_url"]))
    if callback.scheme != "https" and (callback.hostname or "") not in LOOPBACK:
        raise AuthFlowError("The callback_url needs to be over SSL")
    return data


async def endpoint(request: Request) -> Response:
    """The Starlette endpoint for ``/wc-auth/v1/{route}``."""
    state = state_of(request)
    route = request.path_params.get("route", "").strip("/").lower()
    params = dict(request.query_params)
    try:
        data = validate(params)
        if route == "login":
            return RedirectResponse(f"/wc-auth/v1/authorize?{request.url.query}", status_code=302)
        if route != "authorize":
            raise AuthFlowError("You do not have permission to access this page")
        return_url = formatted_url(data["return_url"])
        if params.get("deny", "").lower() in ("1", "true", "yes"):
            return RedirectResponse(add_query_arg(return_url, success="0", user_id=data["user_id"]), status_code=302)
        key = state.create_api_key(data["scope"], description=f"{data['app_name'][:170]} - API")
        consumer = {
            "key_id": key.key_id,
            "user_id": data["user_id"],
            "consumer_key": key.consumer_key,
            "consumer_secret": key.consumer_secret,
            "key_permissions": key.permissions,
        }
        try:
            async with httpx.AsyncClient(verify=False, timeout=60.0, follow_redirects=False) as client:
                answer = await client.post(
                    formatted_url(data["callback_url"]),
                    content=json.dumps(consumer).encode(),
                    headers={"Content-Type": "application/json;charset=UTF-8"},
                )
            ok = answer.status_code == 200
        except httpx.HTTPError:
            ok = False
        if not ok:
            state.revoke_api_key(key)
            raise AuthFlowError(SEND_FAILED)
        return RedirectResponse(add_query_arg(return_url, success="1", user_id=data["user_id"]), status_code=302)
    except AuthFlowError as exc:
        return wp_die(str(exc))
