"""``/wp-json/wc/v3/...``: the REST routes and the WordPress dispatch order around them.

For every ``/wp-json/<route>`` request, in WordPress' order:

1. ``wc/`` routes only: authentication (:mod:`.auth`); an authentication error is
   answered at once (401) whatever the route.
2. ``rest_pre_dispatch``: an authenticated key without read (GET) or write
   (POST/PUT/PATCH/DELETE) permission gets 401 "The API key provided does not have ...".
3. Route + method matching; no match: 404 ``rest_no_route``.
4. Registered-argument validation: 400 ``rest_invalid_param`` / ``rest_missing_callback_param``.
5. The endpoint's permission check: anonymous callers get 401
   ``woocommerce_rest_cannot_view`` "Sorry, you cannot list resources." (lists),
   "Sorry, you cannot view this resource." (items), ``woocommerce_rest_cannot_create``,
   ``_cannot_edit``, ``_cannot_delete``.
6. The handler.

Served: customers (GET list/one), products (+ variations), orders (GET list/one),
``orders/{id}/refunds`` (GET list/one, POST), ``refunds`` (GET, WC 9.0+), coupons (GET
list/one, POST, DELETE: trash, or for good with ``force=true``), webhooks (GET list/one, POST, PUT/PATCH/POST on one, DELETE with
``force=true``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from . import params as P
from .auth import authenticate, check_key_permissions
from .changes import RefundPart, create_coupon, create_refund
from .clock import to_gmt, to_local
from .pagination import api_root_link, list_headers, paginate
from .records import ApiKey, Order, Webhook
from .resources import (
    coupon_json,
    customer_json,
    order_json,
    product_json,
    refund_json,
    variation_json,
    webhook_json,
)
from .state import WooState, rand_hash, state_of
from .webhooks import is_valid_topic, send_ping
from .wire import WPError, error_response, json_response, no_route

Handler = Callable[["Ctx"], Awaitable[Response]]


@dataclass
class Ctx:
    """Everything a handler needs about one request."""

    request: Request
    state: WooState
    site: str
    route: str
    ids: dict[str, int]
    args: dict[str, Any]
    raw_args: dict[str, Any]
    body: dict[str, Any]
    key: ApiKey | None


@dataclass
class RouteDef:
    pattern: re.Pattern[str]
    methods: frozenset[str]
    handler: Handler
    spec: dict[str, P.Arg]
    permission: str  # list | view | create | edit | delete
    extra: dict[str, Any] = field(default_factory=dict)


PERMISSION_ERRORS = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
}


# -- collection helpers -------------------------------------------------------------------


def _column(moment: datetime, gmt: bool) -> datetime:
    return to_gmt(moment) if gmt else to_local(moment)


def date_filter(
    items: Iterable[Any],
    args: dict[str, Any],
    created: Callable[[Any], datetime],
    modified: Callable[[Any], datetime] | None,
) -> list[Any]:
    """``after``/``before`` on the created column, ``modified_*`` on the modified one;
    strict comparisons on the local or GMT column per ``dates_are_gmt``."""
    if all(args.get(k) is None for k in ("after", "before", "modified_after", "modified_before")):
        return list(items)
    gmt = bool(args.get("dates_are_gmt"))
    out = []
    for item in items:
        c = _column(created(item), gmt)
        if args.get("after") is not None and not c > args["after"]:
            continue
        if args.get("before") is not None and not c < args["before"]:
            continue
        if modified is not None:
            m = _column(modified(item), gmt)
            if args.get("modified_after") is not None and not m > args["modified_after"]:
                continue
            if args.get("modified_before") is not None and not m < args["modified_before"]:
                continue
        out.append(item)
    return out


def include_exclude(items: list[Any], args: dict[str, Any], ident: Callable[[Any], int]) -> list[Any]:
    include = P.ids(args.get("include"))
    exclude = set(P.ids(args.get("exclude")))
    if include:
        items = [i for i in items if ident(i) in include]
    if exclude:
        items = [i for i in items if ident(i) not in exclude]
    return items


def sort_items(
    items: list[Any],
    args: dict[str, Any],
    keys: dict[str, Callable[[Any], Any]],
    ident: Callable[[Any], int],
) -> list[Any]:
    orderby = args.get("orderby") or "date"
    reverse = (args.get("order") or "desc") == "desc"
    if orderby == "include":
        include = P.ids(args.get("include"))
        pos = {v: i for i, v in enumerate(include)}
        return sorted(items, key=lambda i: pos.get(ident(i), len(pos)), reverse=reverse)
    key = keys.get(orderby, ident)
    return sorted(items, key=key, reverse=reverse)


def respond_list(ctx: Ctx, items: list[Any], render: Callable[[Any], dict[str, Any]]) -> Response:
    page, per_page, offset = ctx.args["page"], ctx.args["per_page"], ctx.args.get("offset")
    chunk, total, pages = paginate(items, page, per_page, offset)
    headers = list_headers(ctx.site, ctx.route, ctx.raw_args, page, total, pages)
    with ctx.state.lock:
        body = [render(i) for i in chunk]
    return json_response(body, 200, headers)


def respond_item(
    ctx: Ctx, payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return json_response(payload, status, {"Link": api_root_link(ctx.site), **(headers or {})})


def _dp(ctx: Ctx) -> int:
    dp = ctx.args.get("dp")
    return 2 if dp is None else abs(int(dp))


def _contains(needle: str, *haystack: str) -> bool:
    needle = needle.lower()
    return any(needle in (h or "").lower() for h in haystack)


# -- orders -----------------------------------------------------------------------------


def _order_statuses(args: dict[str, Any]) -> set[str] | None:
    statuses = args.get("status") or ["any"]
    if "any" in statuses:
        return None
    return set(statuses)


async def list_orders(ctx: Ctx) -> Response:
    s, a = ctx.state, ctx.args
    with s.lock:
        wanted = _order_statuses(a)
        items = [o for o in s.orders.values() if (o.status != "trash" if wanted is None else o.status in wanted)]
        if a.get("customer") is not None:
            items = [o for o in items if o.customer_id == a["customer"]]
        if a.get("product") is not None:
            items = [o for o in items if any(li.product_id == a["product"] for li in o.line_items)]
        if a.get("search"):
            term = a["search"]
            items = [o for o in items if _order_matches(o, term)]
        items = include_exclude(items, a, lambda o: o.id)
        items = date_filter(items, a, lambda o: o.date_created, lambda o: o.date_modified)
        items = sort_items(
            items,
            a,
            {
                "date": lambda o: (o.date_created, o.id),
                "modified": lambda o: (o.date_modified, o.id),
                "id": lambda o: o.id,
                "title": lambda o: (o.date_created, o.id),
                "slug": lambda o: o.id,
            },
            lambda o: o.id,
        )
    dp = _dp(ctx)
    return respond_list(ctx, items, lambda o: order_json(s, o, ctx.site, dp))


def _order_matches(order: Order, term: str) -> bool:
    if term.strip().isdigit() and int(term) == order.id:
        return True
    b, sh = order.billing, order.shipping
    return _contains(
        term,
        b.first_name,
        b.last_name,
        b.email,
        b.phone,
        b.company,
        b.address_1,
        b.city,
        b.postcode,
        sh.first_name,
        sh.last_name,
        sh.address_1,
        sh.city,
        *(li.name for li in order.line_items),
    )


async def get_order(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        order = s.orders.get(ctx.ids["id"])
        if order is None:
            raise WPError("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        return respond_item(ctx, order_json(s, order, ctx.site, _dp(ctx)))


# -- refunds ----------------------------------------------------------------------------


def _refund_list(ctx: Ctx, refunds: list[Any], with_parent: bool) -> Response:
    s, a = ctx.state, ctx.args
    items = include_exclude(refunds, a, lambda r: r.id)
    items = date_filter(items, a, lambda r: r.date_created, lambda r: r.date_created)
    items = sort_items(
        items,
        a,
        {
            "date": lambda r: (r.date_created, r.id),
            "modified": lambda r: (r.date_created, r.id),
            "id": lambda r: r.id,
        },
        lambda r: r.id,
    )
    dp = _dp(ctx)
    return respond_list(ctx, items, lambda r: refund_json(s, r, ctx.site, dp, with_parent=with_parent))


async def list_order_refunds(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        refunds = [r for r in s.refunds.values() if r.order_id == ctx.ids["order_id"]]
        return _refund_list(ctx, refunds, with_parent=False)


async def list_refunds(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        return _refund_list(ctx, list(s.refunds.values()), with_parent=True)


async def get_order_refund(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        refund = s.refunds.get(ctx.ids["id"])
        if refund is None:
            raise WPError("woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.", 404)
        if ctx.ids["order_id"] not in s.orders:
            raise WPError("woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
        if refund.order_id != ctx.ids["order_id"]:
            raise WPError("woocommerce_rest_invalid_order_refund_id", "Invalid order refund ID.", 404)
        return respond_item(ctx, refund_json(s, refund, ctx.site, _dp(ctx)))


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


async def create_order_refund(ctx: Ctx) -> Response:
    """``POST /orders/{id}/refunds``: ``amount``, ``reason``, ``line_items[{id, quantity,
    refund_total}]``, ``api_refund`` (default true)."""
    s, body = ctx.state, ctx.body
    with s.lock:
        order = s.orders.get(ctx.ids["order_id"])
        if order is None:
            raise WPError("woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
        amount = _decimal(body.get("amount"))
        if amount is not None and amount < 0:
            raise WPError(
                "woocommerce_rest_invalid_order_refund",
                "Refund amount must be greater than zero.",
                400,
            )
        lines = {li.id: li for li in order.line_items}
        parts = []
        for row in body.get("line_items") or []:
            line = lines.get(int(row.get("id", 0)))
            if line is None:
                continue
            qty = int(row.get("quantity") or 0)
            money_back = _decimal(row.get("refund_total")) or Decimal("0.00")
            if qty or money_back:
                parts.append(RefundPart(line, qty, money_back))
        if amount is None:
            amount = sum((p.amount for p in parts), Decimal("0.00"))
        remaining = order.total - s.refunded_amount(order)
        if amount <= 0 or amount > remaining:
            raise WPError("woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
        refund = create_refund(
            s,
            order,
            parts,
            amount=amount,
            reason=str(body.get("reason") or ""),
            refunded_payment=bool(body.get("api_refund", True)) and order.payment_method != "bacs",
        )
        payload = refund_json(s, refund, ctx.site, 2)
    location = f"{ctx.site}/wp-json/wc/v3/orders/{order.id}/refunds/{refund.id}"
    return respond_item(ctx, payload, 201, {"Location": location})


# -- customers --------------------------------------------------------------------------


async def list_customers(ctx: Ctx) -> Response:
    s, a = ctx.state, ctx.args
    with s.lock:
        role = a.get("role") or "customer"
        items = [u for u in s.users.values() if role == "all" or u.role == role]
        if a.get("email"):
            wanted = a["email"].strip().lower()
            items = [u for u in items if u.email.strip().lower() == wanted]
        if a.get("search"):
            term = a["search"]
            items = [u for u in items if _contains(term, u.email, u.username, u.display_name)]
        items = include_exclude(items, a, lambda u: u.id)
        items = sort_items(
            items,
            a,
            {
                "id": lambda u: u.id,
                "name": lambda u: (u.display_name.lower(), u.id),
                "registered_date": lambda u: (u.date_created, u.id),
            },
            lambda u: u.id,
        )
    return respond_list(ctx, items, lambda u: customer_json(u, ctx.site))


async def get_customer(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        user = s.users.get(ctx.ids["id"])
        if user is None:
            raise WPError("woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
        return respond_item(ctx, customer_json(user, ctx.site))


# -- products ---------------------------------------------------------------------------


async def list_products(ctx: Ctx) -> Response:
    s, a = ctx.state, ctx.args
    with s.lock:
        status = a.get("status") or "any"
        items = [p for p in s.products.values() if (p.status != "trash" if status == "any" else p.status == status)]
        if a.get("type"):
            items = [p for p in items if p.type == a["type"]]
        if a.get("sku"):
            skus = {x.strip() for x in a["sku"].split(",")}
            items = [p for p in items if p.sku in skus]
        if a.get("category"):
            cats = set(P.ids(a["category"]))
            items = [p for p in items if p.category_id in cats]
        if a.get("stock_status"):
            want = a["stock_status"] == "instock"
            items = [p for p in items if _product_in_stock(s, p) == want]
        if a.get("search"):
            items = [p for p in items if _contains(a["search"], p.name)]
        items = include_exclude(items, a, lambda p: p.id)
        items = date_filter(items, a, lambda p: p.date_created, lambda p: p.date_modified)
        items = sort_items(
            items,
            a,
            {
                "date": lambda p: (p.date_created, p.id),
                "modified": lambda p: (p.date_modified, p.id),
                "id": lambda p: p.id,
                "title": lambda p: (p.name.lower(), p.id),
                "slug": lambda p: (p.slug, p.id),
            },
            lambda p: p.id,
        )
    return respond_list(ctx, items, lambda p: product_json(s, p, ctx.site))


def _product_in_stock(state: WooState, product: Any) -> bool:
    if product.type == "variable":
        return any(state.variations[v].in_stock for v in product.variation_ids)
    return bool(product.in_stock)


async def get_product(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        product = s.products.get(ctx.ids["id"])
        if product is None:
            raise WPError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        return respond_item(ctx, product_json(s, product, ctx.site))


async def list_variations(ctx: Ctx) -> Response:
    s, a = ctx.state, ctx.args
    with s.lock:
        product = s.products.get(ctx.ids["product_id"])
        items = [s.variations[v] for v in product.variation_ids] if product is not None else []
        if a.get("sku"):
            skus = {x.strip() for x in a["sku"].split(",")}
            items = [v for v in items if v.sku in skus]
        items = include_exclude(items, a, lambda v: v.id)
        items = date_filter(items, a, lambda v: v.date_created, lambda v: v.date_modified)
        items = sort_items(
            items,
            a,
            {
                "date": lambda v: (v.date_created, v.id),
                "modified": lambda v: (v.date_modified, v.id),
                "id": lambda v: v.id,
            },
            lambda v: v.id,
        )
    return respond_list(ctx, items, lambda v: variation_json(v, ctx.site))


async def get_variation(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        variation = s.variations.get(ctx.ids["id"])
        if variation is None or variation.parent_id != ctx.ids["product_id"]:
            raise WPError("woocommerce_rest_product_variation_invalid_id", "Invalid ID.", 404)
        return respond_item(ctx, variation_json(variation, ctx.site))


# -- coupons ----------------------------------------------------------------------------


async def list_coupons(ctx: Ctx) -> Response:
    s, a = ctx.state, ctx.args
    with s.lock:
        items = [c for c in s.coupons.values() if c.status != "trash"]
        if a.get("code"):
            code = a["code"].strip().lower()
            items = [c for c in items if c.code == code]
        if a.get("search"):
            items = [c for c in items if _contains(a["search"], c.code)]
        items = include_exclude(items, a, lambda c: c.id)
        items = date_filter(items, a, lambda c: c.date_created, lambda c: c.date_modified)
        items = sort_items(
            items,
            a,
            {
                "date": lambda c: (c.date_created, c.id),
                "modified": lambda c: (c.date_modified, c.id),
                "id": lambda c: c.id,
                "title": lambda c: (c.code, c.id),
                "slug": lambda c: (c.code, c.id),
            },
            lambda c: c.id,
        )
    return respond_list(ctx, items, lambda c: coupon_json(c, ctx.site))


async def get_coupon(ctx: Ctx) -> Response:
    s = ctx.state
    with s.lock:
        coupon = s.coupons.get(ctx.ids["id"])
        if coupon is None:
            raise WPError("woocommerce_rest_shop_coupon_invalid_id", "Invalid ID.", 404)
        return respond_item(ctx, coupon_json(coupon, ctx.site))


async def delete_coupon(ctx: Ctx) -> Response:
    """``DELETE /coupons/{id}``: coupons are posts, so without ``force`` WooCommerce moves one to
    the trash (where checkout no longer accepts it; a second time is 410); ``force=true`` deletes
    it for good. Either answers the coupon as it was, and fires ``coupon.deleted``."""
    s = ctx.state
    force = str(ctx.raw_args.get("force", ctx.body.get("force", ""))).lower() in ("1", "true")
    with s.lock:
        coupon = s.coupons.get(ctx.ids["id"])
        if coupon is None:
            raise WPError("woocommerce_rest_shop_coupon_invalid_id", "Invalid ID.", 404)
        payload = coupon_json(coupon, ctx.site)
        if force:
            del s.coupons[coupon.id]
        elif coupon.status == "trash":
            raise WPError("woocommerce_rest_already_trashed", "The coupon has already been deleted.", 410)
        else:
            coupon.status = "trash"
            coupon.date_modified = s.clock.tick()
            payload = coupon_json(coupon, ctx.site)
        s.emit("coupon", "deleted", coupon.id)
    return respond_item(ctx, payload)


async def post_coupon(ctx: Ctx) -> Response:
    coupon = create_coupon(ctx.state, ctx.body)
    location = f"{ctx.site}/wp-json/wc/v3/coupons/{coupon.id}"
    return respond_item(ctx, coupon_json(coupon, ctx.site), 201, {"Location": location})


# -- webhooks ---------------------------------------------------------------------------


def _valid_url(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s/?#]+[^\s]*$", url.strip()))


async def list_webhooks(ctx: Ctx) -> Response:
    s, a = ctx.state, ctx.args
    with s.lock:
        items = list(s.webhooks.values())
        if a.get("status") and a["status"] != "all":
            items = [w for w in items if w.status == a["status"]]
        if a.get("search"):
            items = [w for w in items if _contains(a["search"], w.name)]
        items = include_exclude(items, a, lambda w: w.id)
        items = date_filter(items, {**a, "dates_are_gmt": False}, lambda w: w.date_created, None)
        items = sort_items(
            items,
            a,
            {
                "date": lambda w: (w.date_created, w.id),
                "id": lambda w: w.id,
                "title": lambda w: (w.name, w.id),
            },
            lambda w: w.id,
        )
    return respond_list(ctx, items, lambda w: webhook_json(w, ctx.site))


def _webhook(ctx: Ctx) -> Webhook:
    hook = ctx.state.webhooks.get(ctx.ids["id"])
    if hook is None:
        raise WPError("woocommerce_rest_shop_webhook_invalid_id", "ID is invalid.", 400)
    return hook


async def get_webhook(ctx: Ctx) -> Response:
    with ctx.state.lock:
        hook = _webhook(ctx)
        return respond_item(ctx, webhook_json(hook, ctx.site, context=ctx.args.get("context") or "view"))


async def post_webhook(ctx: Ctx) -> Response:
    """Create, answer 201 only after the creation ping went out (as ``create_item`` does)."""
    s, body = ctx.state, ctx.body
    topic = str(body.get("topic") or "").strip()
    url = str(body.get("delivery_url") or "").strip()
    if not topic or not is_valid_topic(topic):
        raise WPError(
            "woocommerce_rest_shop_webhook_invalid_topic",
            "Webhook topic is required and must be valid.",
            400,
        )
    if not _valid_url(url):
        raise WPError(
            "woocommerce_rest_shop_webhook_invalid_delivery_url",
            "Webhook delivery URL must be a valid URL starting with http:// or https://.",
            400,
        )
    status = str(body.get("status") or "active")
    if status not in ("active", "paused", "disabled"):
        status = "disabled"
    with s.lock:
        stamp = s.clock.tick()
        hook = Webhook(
            id=s.webhook_id(),
            name=str(body.get("name") or f"Webhook created on {stamp:%b %d, %Y @ %I:%M %p}"),
            status=status,
            topic=topic.lower(),
            delivery_url=url,
            secret=str(body.get("secret") or rand_hash()[:50]),
            user_id=ctx.key.user_id if ctx.key else s.admin_user_id,
            date_created=stamp,
            date_modified=stamp,
        )
        s.webhooks[hook.id] = hook
        payload = webhook_json(hook, ctx.site, context="edit")
    await send_ping(s, hook.id)
    location = f"{ctx.site}/wp-json/wc/v3/webhooks/{hook.id}"
    return respond_item(ctx, payload, 201, {"Location": location})


async def update_webhook(ctx: Ctx) -> Response:
    s, body = ctx.state, ctx.body
    with s.lock:
        hook = _webhook(ctx)
        if body.get("topic"):
            if not is_valid_topic(str(body["topic"])):
                raise WPError(
                    "woocommerce_rest_shop_webhook_invalid_topic",
                    "Webhook topic must be valid.",
                    400,
                )
            hook.topic = str(body["topic"]).strip().lower()
        if body.get("delivery_url"):
            if not _valid_url(str(body["delivery_url"])):
                raise WPError(
                    "woocommerce_rest_shop_webhook_invalid_delivery_url",
                    "Webhook delivery URL must be a valid URL starting with http:// or https://.",
                    400,
                )
            hook.delivery_url = str(body["delivery_url"]).strip()
        if body.get("secret"):
            hook.secret = str(body["secret"])
        if body.get("status"):
            status = str(body["status"]).lower()
            if status not in ("active", "paused", "disabled"):
                raise WPError(
                    "woocommerce_rest_shop_webhook_invalid_status",
                    "Webhook status must be valid.",
                    400,
                )
            hook.status = status
        if body.get("name"):
            hook.name = str(body["name"])
        hook.date_modified = s.clock.tick()
        return respond_item(ctx, webhook_json(hook, ctx.site, context="edit"))


async def delete_webhook(ctx: Ctx) -> Response:
    s = ctx.state
    force = str(ctx.raw_args.get("force", ctx.body.get("force", ""))).lower() in ("1", "true")
    if not force:
        raise WPError("woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501)
    with s.lock:
        hook = s.webhooks.get(ctx.ids["id"])
        if hook is None:
            raise WPError("woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.", 404)
        payload = webhook_json(hook, ctx.site, context="edit")
        del s.webhooks[hook.id]
        for key in [k for k in s.pending if k[0] == hook.id]:
            del s.pending[key]
    return respond_item(ctx, payload)


# -- table and dispatch -------------------------------------------------------------------

_ID = r"(?P<id>\d+)"


def _route(pattern: str, methods: str, handler: Handler, spec: dict[str, P.Arg], permission: str) -> RouteDef:
    return RouteDef(re.compile(pattern), frozenset(methods.split()), handler, spec, permission)


ROUTES: list[RouteDef] = [
    _route(r"wc/v3/customers", "GET", list_customers, P.CUSTOMERS, "list"),
    _route(rf"wc/v3/customers/{_ID}", "GET", get_customer, P.SINGLE, "view"),
    _route(r"wc/v3/products", "GET", list_products, P.PRODUCTS, "list"),
    _route(rf"wc/v3/products/{_ID}", "GET", get_product, P.SINGLE, "view"),
    _route(
        r"wc/v3/products/(?P<product_id>\d+)/variations",
        "GET",
        list_variations,
        P.VARIATIONS,
        "list",
    ),
    _route(
        rf"wc/v3/products/(?P<product_id>\d+)/variations/{_ID}",
        "GET",
        get_variation,
        P.SINGLE,
        "view",
    ),
    _route(r"wc/v3/orders", "GET", list_orders, P.ORDERS, "list"),
    _route(rf"wc/v3/orders/{_ID}", "GET", get_order, P.SINGLE, "view"),
    _route(r"wc/v3/orders/(?P<order_id>\d+)/refunds", "GET", list_order_refunds, P.REFUNDS, "list"),
    _route(r"wc/v3/orders/(?P<order_id>\d+)/refunds", "POST", create_order_refund, {}, "create"),
    _route(rf"wc/v3/orders/(?P<order_id>\d+)/refunds/{_ID}", "GET", get_order_refund, P.SINGLE, "view"),
    _route(r"wc/v3/refunds", "GET", list_refunds, P.REFUNDS, "list"),
    _route(r"wc/v3/coupons", "GET", list_coupons, P.COUPONS, "list"),
    _route(r"wc/v3/coupons", "POST", post_coupon, {"code": P.Arg("string", required=True)}, "create"),
    _route(rf"wc/v3/coupons/{_ID}", "GET", get_coupon, P.SINGLE, "view"),
    _route(rf"wc/v3/coupons/{_ID}", "DELETE", delete_coupon, {}, "delete"),
    _route(r"wc/v3/webhooks", "GET", list_webhooks, P.WEBHOOKS, "list"),
    _route(
        r"wc/v3/webhooks",
        "POST",
        post_webhook,
        {"topic": P.Arg("string", required=True), "delivery_url": P.Arg("string", required=True)},
        "create",
    ),
    _route(rf"wc/v3/webhooks/{_ID}", "GET", get_webhook, P.SINGLE, "view"),
    _route(rf"wc/v3/webhooks/{_ID}", "POST PUT PATCH", update_webhook, {}, "edit"),
    _route(rf"wc/v3/webhooks/{_ID}", "DELETE", delete_webhook, {}, "delete"),
]


async def _read_body(request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    """(JSON-or-form body params, form params only): WordPress merges JSON and POST bodies."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return {}, {}
    raw = await request.body()
    ctype = request.headers.get("content-type", "").lower()
    if "json" in ctype and raw.strip():
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise WPError(
                "rest_invalid_json",
                "Invalid JSON body passed.",
                400,
                extra={"json_error_code": 4, "json_error_message": str(exc)},
            ) from None
        return (data if isinstance(data, dict) else {}), {}
    if "application/x-www-form-urlencoded" in ctype:
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return dict(form), form
    return {}, {}


WP_HEADERS = {
    # sent by WP_REST_Server::serve_request on every REST response
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
    "Access-Control-Allow-Headers": "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
}


async def endpoint(request: Request) -> Response:
    """The Starlette endpoint for ``/wp-json/{rest_route:path}``."""
    response = await dispatch(request)
    for name, value in WP_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def dispatch(request: Request) -> Response:
    state = state_of(request)
    route = request.path_params.get("rest_route", "").strip("/")
    site = f"{request.url.scheme}://{request.url.netloc}"
    try:
        body, form = await _read_body(request)
        key: ApiKey | None = None
        if route.startswith("wc/") or route.startswith("wc-"):
            result = authenticate(state, request, form)
            if result.error is not None:
                raise result.error
            key = result.key
            if key is not None:
                denied = check_key_permissions(key, request.method)
                if denied is not None:
                    raise denied
        match = None
        for definition in ROUTES:
            m = definition.pattern.fullmatch(route)
            if m and request.method in definition.methods:
                match = (definition, m)
                break
        if match is None:
            raise no_route()
        definition, m = match
        raw_args = P.request_args(request)
        merged = {**raw_args, **{k: v for k, v in body.items() if k in definition.spec}}
        args = P.validate(definition.spec, merged)
        if key is None:
            code, message = PERMISSION_ERRORS[definition.permission]
            raise WPError(code, message, 401)
        ctx = Ctx(
            request=request,
            state=state,
            site=site,
            route=route,
            ids={k: int(v) for k, v in m.groupdict().items()},
            args=args,
            raw_args=raw_args,
            body=body,
            key=key,
        )
        return await definition.handler(ctx)
    except WPError as error:
        return error_response(error, {"Link": api_root_link(site)})
