"""Webhook deliveries as ``WC_Webhook`` sends them.

* **Creation ping** (``deliver_ping``): right after ``POST /webhooks`` succeeds, before the
  201 goes back, a ``POST`` to the delivery URL with the form body ``webhook_id=<id>``,
  a ``User-Agent`` and nothing else WooCommerce-specific (no ``X-WC-*``, no signature).
  Anything but 200 is only logged; the webhook is created regardless.
* **Deliveries** (``deliver``): ``POST`` with ``Content-Type: application/json``, the body
  = the REST v3 representation of the resource **at delivery time** (``*.deleted``:
  ``{"id": n}``; a resource that no longer exists: the REST error body WooCommerce's
  internal request returned), JSON-encoded like ``wp_json_encode`` (``\\/``), and headers
  ``X-WC-Webhook-Source`` (site URL + ``/``), ``-Topic``, ``-Resource``, ``-Event``,
  ``-Signature`` (base64 HMAC-SHA256 of the raw body with the webhook secret), ``-ID``,
  ``-Delivery-ID`` (an md5-style hash of webhook id + current second: two deliveries of
  one webhook within a second share it, so never dedupe on it).
* **No retries.** A status in 200..302 is a success and resets ``failure_count``; anything
  else (or no answer) is a failure: if ``failure_count`` is already above 5 the webhook is
  set ``disabled``, otherwise the count goes up. So the 7th consecutive failure disables
  it (the docs say "after 5"). ``PUT /webhooks/{id} {"status": "active"}`` re-enables it
  without resetting the count (the first later success does).
* **Queue**: changes call ``state.emit``; the same webhook + resource is queued at most
  once until delivered (Action Scheduler's unique pending job), so a burst of updates
  becomes one delivery showing the latest state. :func:`deliver_pending` drains it.

Simulator liberties: HTTP/1.1 instead of 1.0, TLS certificates are not verified (so a
test receiver can use a self-signed one), and the timeout (``http_timeout``) defaults to 10 s (WooCommerce:
60 s for deliveries, 5 s for the ping).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from .resources import WEBHOOK_TOPIC_HOOKS, coupon_json, customer_json, order_json, product_json
from .state import WooState
from .wire import php_json

WC_VERSION = "9.4.3"
WP_VERSION = "6.7.1"
USER_AGENT = f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"
DELIVERY_SALT = b"woo-sim-wp-salt"
MAX_FAILURES = 5  # woocommerce_max_webhook_delivery_failures


def is_valid_topic(topic: str) -> bool:
    """``wc_is_webhook_valid_topic``: a default topic or a custom ``action.<hook>``."""
    topic = topic.strip().lower()
    if topic.startswith("action."):
        return len(topic) > len("action.")
    return topic in WEBHOOK_TOPIC_HOOKS


def signature(secret: str, body: bytes) -> str:
    """``X-WC-Webhook-Signature``: base64(HMAC-SHA256(secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def delivery_id(webhook_id: int, second: int) -> str:
    """``wp_hash($id . strtotime('now'))``: hex HMAC-MD5 with the site salt."""
    return hmac.new(DELIVERY_SALT, f"{webhook_id}{second}".encode(), hashlib.md5).hexdigest()


_MISSING = {
    "order": ("woocommerce_rest_shop_order_invalid_id", "Invalid ID."),
    "product": ("woocommerce_rest_product_invalid_id", "Invalid ID."),
    "coupon": ("woocommerce_rest_shop_coupon_invalid_id", "Invalid ID."),
    "customer": ("woocommerce_rest_invalid_id", "Invalid resource ID."),
}


def build_payload(state: WooState, resource: str, event: str, resource_id: int) -> Any:
    """The delivery body's data, built now (``WC_Webhook::build_payload``)."""
    if event == "deleted":
        return {"id": resource_id}
    site = state.site_url
    with state.lock:
        record: Any
        if resource == "order" and (record := state.orders.get(resource_id)) is not None:
            return order_json(state, record, site)
        if resource == "customer" and (record := state.users.get(resource_id)) is not None:
            return customer_json(record, site)
        if resource == "product" and (record := state.products.get(resource_id)) is not None:
            return product_json(state, record, site)
        if resource == "coupon" and (record := state.coupons.get(resource_id)) is not None:
            return coupon_json(record, site)
    code, message = _MISSING.get(resource, ("rest_no_route", "No route was found matching the URL and request method."))
    return {"code": code, "message": message, "data": {"status": 404}}


async def send_ping(state: WooState, webhook_id: int, *, http_timeout: float = 5.0) -> int | None:
    """The creation ping; returns the status code, or ``None`` if nothing answered."""
    with state.lock:
        hook = state.webhooks[webhook_id]
        url = hook.delivery_url
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        async with httpx.AsyncClient(verify=False, timeout=http_timeout, follow_redirects=False) as client:
            response = await client.post(url, content=f"webhook_id={webhook_id}".encode(), headers=headers)
    except httpx.HTTPError:
        status = None
    else:
        status = response.status_code
    with state.lock:
        if status == 200 and webhook_id in state.webhooks:
            state.webhooks[webhook_id].pending_delivery = False
        state.delivery_log.append({"kind": "ping", "webhook_id": webhook_id, "status": status})
    return status


@dataclass
class _Job:
    webhook_id: int
    topic: str
    resource_id: int
    url: str
    body: bytes
    headers: dict[str, str]
    duplicate: bool
    bad_signature: bool


def record_result(state: WooState, webhook_id: int, status: int | None) -> bool:
    """``log_delivery`` + ``failed_delivery``: update the failure counter; True if now disabled."""
    with state.lock:
        hook = state.webhooks.get(webhook_id)
        if hook is None:
            return False
        if status is not None and 200 <= status < 303:
            hook.failure_count = 0
            return False
        if hook.failure_count > MAX_FAILURES:
            hook.status = "disabled"
            return True
        hook.failure_count += 1
        return False


async def deliver_pending(
    state: WooState,
    *,
    duplicate_rate: float = 0.0,
    shuffle: bool = False,
    bad_signature_rate: float = 0.0,
    seed: int = 0,
    concurrency: int = 8,
    http_timeout: float = 10.0,
) -> dict[str, Any]:
    """Send every queued delivery once (no retries) and empty the queue.

    * ``duplicate_rate``: share of deliveries sent twice, identical body and Delivery-ID
      (what an at-least-once queue can do);
    * ``shuffle``: send in a seeded random order instead of queue order;
    * ``bad_signature_rate``: share signed with a wrong secret;
    * ``concurrency``: deliveries in flight at once.

    Returns ``{"sent", "duplicates", "bad_signatures", "failed", "status_counts",
    "disabled", "deliveries"}``: ``sent`` counts HTTP attempts (duplicates included),
    ``failed`` those without a 200..302 answer, ``status_counts`` maps the status code as a
    string (``"error"`` when nothing answered) to a count, ``disabled`` lists webhook ids
    disabled by this run, ``deliveries`` has one entry per attempt.
    """
    rng = random.Random(f"woo-sim:deliver:{seed}")
    with state.lock:
        queued = list(state.pending.values())
        state.pending.clear()
        now_second = int(state.clock.now().timestamp())
        jobs: list[_Job] = []
        for item in queued:
            hook = state.webhooks.get(item.webhook_id)
            if hook is None:
                continue
            body = php_json(build_payload(state, hook.resource, hook.event, item.resource_id)).strip()
            bad = rng.random() < bad_signature_rate
            secret = hook.secret + ("-wrong" if bad else "")
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-WC-Webhook-Source": state.site_url + "/",
                "X-WC-Webhook-Topic": hook.topic,
                "X-WC-Webhook-Resource": hook.resource,
                "X-WC-Webhook-Event": hook.event,
                "X-WC-Webhook-Signature": signature(secret, body),
                "X-WC-Webhook-ID": str(hook.id),
                "X-WC-Webhook-Delivery-ID": delivery_id(hook.id, now_second),
            }
            job = _Job(hook.id, hook.topic, item.resource_id, hook.delivery_url, body, headers, False, bad)
            jobs.append(job)
            if rng.random() < duplicate_rate:
                jobs.append(_Job(**{**job.__dict__, "duplicate": True}))
    if shuffle:
        rng.shuffle(jobs)

    semaphore = asyncio.Semaphore(max(1, concurrency))
    results: list[int | None] = [None] * len(jobs)

    async with httpx.AsyncClient(verify=False, timeout=http_timeout, follow_redirects=False) as client:

        async def send(index: int, job: _Job) -> None:
            async with semaphore:
                try:
                    response = await client.post(job.url, content=job.body, headers=job.headers)
                except httpx.HTTPError:
                    return
                results[index] = response.status_code

        await asyncio.gather(*(send(i, job) for i, job in enumerate(jobs)))

    counts: Counter[str] = Counter()
    disabled: list[int] = []
    deliveries = []
    failed = 0
    for job, status in zip(jobs, results, strict=True):
        counts["error" if status is None else str(status)] += 1
        ok = status is not None and 200 <= status < 303
        failed += not ok
        if record_result(state, job.webhook_id, status):
            disabled.append(job.webhook_id)
        deliveries.append(
            {
                "webhook_id": job.webhook_id,
                "topic": job.topic,
                "resource_id": job.resource_id,
                "delivery_id": job.headers["X-WC-Webhook-Delivery-ID"],
                "status": status,
                "duplicate": job.duplicate,
                "bad_signature": job.bad_signature,
            }
        )
    with state.lock:
        state.delivery_log.extend({"kind": "delivery", **d} for d in deliveries)
    return {
        "sent": len(jobs),
        "duplicates": sum(j.duplicate for j in jobs),
        "bad_signatures": sum(j.bad_signature for j in jobs),
        "failed": failed,
        "status_counts": dict(counts),
        "disabled": sorted(set(disabled)),
        "deliveries": deliveries,
    }
