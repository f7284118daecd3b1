"""REST authentication as ``WC_REST_Authentication`` performs it.

Order of checks (``authenticate`` on ``determine_current_user``):

1. Only when the request is HTTPS (``is_ssl()``; here: the scheme the server sees):
   ``consumer_key``/``consumer_secret`` query parameters, else HTTP Basic. An unknown key
   is *not* an error (the request just stays anonymous); a known key with the wrong secret
   sets ``woocommerce_rest_authentication_error`` "Consumer secret is invalid.".
2. If that did not authenticate: OAuth 1.0a one-legged, on HTTP *and* HTTPS. Parameters
   come from the query string, a form body and an ``Authorization: OAuth ...`` header. No
   ``oauth_*`` parameter at all means "not trying OAuth"; some missing is an error.
   Then: key lookup, signature, timestamp (±15 min), nonce.

Basic credentials over plain HTTP are ignored, so such a request is anonymous and the
endpoint's own permission check answers 401 ``woocommerce_rest_cannot_view``.

Signature: ``METHOD&rawurlencode(home_url(path))&`` + the strcmp-sorted parameters, each
``rawurlencode``d, joined as ``key%3Dvalue`` with ``%26``; HMAC-SHA1 or HMAC-SHA256 keyed
with ``consumer_secret + "&"``, base64. Duplicate query keys keep the last value (PHP
``$_GET``), which is what makes the ``woocommerce`` Python client's doubled parameters
harmless. PHP ``rawurlencode`` escapes ``/`` while that client's ``quote`` does not, so a
parameter value containing ``/`` fails verification, as it would against WooCommerce.

Differences, on purpose: nonces are remembered as a set per key for 15 minutes (WooCommerce
keys its nonce list by timestamp, so two requests in the same second overwrite each other's
entry); and no ``WWW-Authenticate`` header is sent, because in the current code the OAuth
attempt that follows a failed Basic attempt resets ``auth_method`` before
``send_unauthorized_headers`` looks at it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote

from starlette.requests import Request

from .records import ApiKey
from .state import WooState
from .wire import WPError

OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
WINDOW_SECONDS = 15 * 60


@dataclass
class AuthResult:
    key: ApiKey | None
    error: WPError | None
    method: str  # "basic_auth" | "oauth1" | ""


def _auth_error(message: str) -> WPError:
    return WPError("woocommerce_rest_authentication_error", message, 401)


def rawurlencode(value: str) -> str:
    """PHP ``rawurlencode`` (RFC 3986: only ``A-Za-z0-9-_.~`` stay)."""
    return quote(value, safe="-_.~")


def query_params(raw_query: str) -> dict[str, str]:
    """``$_GET``: later duplicates win, ``+`` is a space, keys keep their brackets."""
    return dict(parse_qsl(raw_query, keep_blank_values=True))


def parse_oauth_header(header: str) -> dict[str, str]:
    """``WC_REST_Authentication::parse_header``."""
    if not header.startswith("OAuth "):
        return {}
    params: dict[str, str] = {}
    for name, _, quoted, bare in re.findall(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))', header):
        params[name] = unquote((quoted or bare).replace("+", " "))
    return params


def signature_base(method: str, base_url: str, params: dict[str, str]) -> str:
    """The OAuth string to sign, built as ``check_oauth_signature`` builds it."""
    pairs = []
    for key in sorted(params, key=lambda k: k.encode()):
        joined = f"{rawurlencode(key)}={rawurlencode(params[key])}"
        pairs.append(rawurlencode(joined))
    return f"{method.upper()}&{rawurlencode(base_url)}&{'%26'.join(pairs)}"


def sign(method: str, base_url: str, params: dict[str, str], secret: str, algorithm: str) -> str:
    """Base64 HMAC of :func:`signature_base` (``algorithm`` is ``sha1`` or ``sha256``)."""
    digest = getattr(hashlib, algorithm)
    base = signature_base(method, base_url, params)
    mac = hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()
    return base64.b64encode(mac).decode()


def _basic_credentials(request: Request, query: dict[str, str]) -> tuple[str, str]:
    if query.get("consumer_key") and query.get("consumer_secret"):
        return query["consumer_key"], query["consumer_secret"]
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return user, password
    return "", ""


def authenticate(state: WooState, request: Request, form: dict[str, str] | None = None) -> AuthResult:
    """Who is calling: a key, an authentication error, or nobody (anonymous)."""
    query = query_params(request.url.query)
    error: WPError | None = None
    if request.url.scheme == "https":
        ck, cs = _basic_credentials(request, query)
        if ck and cs:
            key = state.find_key(ck)
            if key is not None:
                if hmac.compare_digest(key.consumer_secret.encode(), cs.encode()):
                    return AuthResult(key, None, "basic_auth")
                error = _auth_error("Consumer secret is invalid.")
    return _oauth(state, request, query, form or {}, error)


def _oauth(
    state: WooState,
    request: Request,
    query: dict[str, str],
    form: dict[str, str],
    error: WPError | None,
) -> AuthResult:
    params = {**query, **form}
    header_params = parse_oauth_header(request.headers.get("authorization", "").strip())
    params.update(header_params)
    present = [p for p in OAUTH_PARAMS if params.get(p)]
    if not present:
        return AuthResult(None, error, "oauth1")
    missing = [p for p in OAUTH_PARAMS if not params.get(p)]
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        err = WPError(
            "woocommerce_rest_authentication_missing_parameter",
            f"Missing OAuth {noun} {', '.join(missing)}",
            401,
        )
        return AuthResult(None, err, "oauth1")
    key = state.find_key(params["oauth_consumer_key"])
    if key is None:
        return AuthResult(None, _auth_error("Consumer key is invalid."), "oauth1")

    provided = unquote(params["oauth_signature"].replace(" ", "+"))
    signed = {k: v for k, v in params.items() if k != "oauth_signature"}
    method = params["oauth_signature_method"]
    base_url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
    if method not in ("HMAC-SHA1", "HMAC-SHA256"):
        return AuthResult(None, _auth_error("Invalid signature - signature method is invalid."), "oauth1")
    expected = sign(request.method, base_url, signed, key.consumer_secret, method[5:].lower().replace("-", ""))
    if not hmac.compare_digest(expected.encode(), provided.encode()):
        return AuthResult(None, _auth_error("Invalid signature - provided signature does not match."), "oauth1")

    try:
        timestamp = int(params["oauth_timestamp"])
    except ValueError:
        timestamp = 0
    now = int(time.time())
    if timestamp < now - WINDOW_SECONDS or timestamp > now + WINDOW_SECONDS:
        return AuthResult(None, _auth_error("Invalid timestamp."), "oauth1")
    nonce = params["oauth_nonce"]
    with state.lock:
        for old, seen_at in list(key.nonces.items()):
            if seen_at < now - WINDOW_SECONDS:
                del key.nonces[old]
        if nonce in key.nonces:
            return AuthResult(None, _auth_error("Invalid nonce - nonce has already been used."), "oauth1")
        key.nonces[nonce] = timestamp
    return AuthResult(key, None, "oauth1")


def check_key_permissions(key: ApiKey, method: str) -> WPError | None:
    """``check_permissions``: read keys may GET/HEAD, write keys may POST/PUT/PATCH/DELETE."""
    perms = key.permissions
    if method in ("GET", "HEAD"):
        if perms not in ("read", "read_write"):
            return _auth_error("The API key provided does not have read permissions.")
    elif method in ("POST", "PUT", "PATCH", "DELETE"):
        if perms not in ("write", "read_write"):
            return _auth_error("The API key provided does not have write permissions.")
    elif method != "OPTIONS":
        return _auth_error("Unknown request method.")
    return None
