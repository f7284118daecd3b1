"""``/_sim/...``: simulator-only controls over HTTP (no authentication; not WooCommerce).

* ``GET  /_sim/state``: ``counts()``, ``totals()`` (money as strings), faults, site URL.
* ``POST /_sim/faults``: JSON with any of ``http_429_every_n``, ``retry_after``,
  ``server_error_burst``, ``slow_ms``, ``truncate_next_n``; ``{"clear": true}`` resets.
* ``POST /_sim/changes``: ``{"op": "add_orders", "n": 5}`` or ``{"ops": [...]}``; ops are
  the :class:`~sandbox.woocommerce.changes.Changes` method names with their keyword
  arguments; answers ``{"results": [{"op", "ids"}]}``.
* ``POST /_sim/webhooks/deliver``: keyword arguments of ``deliver_pending``; answers its report.
* ``POST /_sim/keys``: ``{"permissions": "read_write"}`` -> a new API key.
* ``GET  /_sim/deliveries``: every ping and delivery attempt so far.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .state import state_of


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    return data if isinstance(data, dict) else {}


async def get_state(request: Request) -> Response:
    state = state_of(request)
    with state.lock:
        payload = {
            "site_url": state.site_url,
            "counts": state.counts(),
            "totals": state.totals(),
            "faults": state.faults.snapshot(),
        }
    return JSONResponse(_plain(payload))


async def post_faults(request: Request) -> Response:
    state = state_of(request)
    data = await _json(request)
    if data.pop("clear", False):
        state.faults.clear()
    try:
        state.faults.set(**data)
    except (KeyError, TypeError, ValueError) as exc:
        return JSONResponse({"error": f"unknown or bad fault setting: {exc}"}, status_code=400)
    return JSONResponse(_plain(state.faults.snapshot()))


async def post_changes(request: Request) -> Response:
    state = state_of(request)
    data = await _json(request)
    ops = data.get("ops") or [data]
    results = []
    for spec in ops:
        spec = dict(spec)
        op = spec.pop("op", None)
        try:
            ids = state.changes.apply(str(op), **spec)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"bad change {op!r}: {exc}"}, status_code=400)
        results.append({"op": op, "ids": ids})
    return JSONResponse({"results": results})


async def post_deliver(request: Request) -> Response:
    state = state_of(request)
    data = await _json(request)
    report = await state.deliver_pending(**data)
    return JSONResponse(_plain(report))


async def post_key(request: Request) -> Response:
    state = state_of(request)
    data = await _json(request)
    key = state.create_api_key(str(data.get("permissions", "read_write")))
    return JSONResponse(
        {
            "key_id": key.key_id,
            "consumer_key": key.consumer_key,
            "consumer_secret": key.consumer_secret,
            "key_permissions": key.permissions,
        }
    )


async def get_deliveries(request: Request) -> Response:
    state = state_of(request)
    with state.lock:
        return JSONResponse(_plain(list(state.delivery_log)))


ROUTES: list[Route] = [
    Route("/_sim/state", get_state, methods=["GET"]),
    Route("/_sim/faults", post_faults, methods=["POST"]),
    Route("/_sim/changes", post_changes, methods=["POST"]),
    Route("/_sim/webhooks/deliver", post_deliver, methods=["POST"]),
    Route("/_sim/keys", post_key, methods=["POST"]),
    Route("/_sim/deliveries", get_deliveries, methods=["GET"]),
]
