"""Resolvers of the simulator's Admin GraphQL schema, over the shop state.

Records answer by attribute (``createdAt`` reads ``created_at``); everything the records
do not hold as-is (global ids, money bags, connections, scope checks) has a resolver here.
Serialization of the custom scalars is set here too: ``DateTime`` is UTC with ``Z`` and
whole seconds; ``Decimal`` and ``Money`` drop trailing zeros beyond one decimal ("10.0",
"59.9"; the simulator's reading of Shopify's GraphQL, unverified on a live shop);
``UnsignedInt64`` is a string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    StringValueNode,
    execute,
    parse,
    validate,
)

from sandbox.dataset.covers import COVER_SIZE, cover_alt

from . import bulk as bulk_rules
from . import discounts as discount_rules
from .bulk import BulkOperation
from .pagination import CursorError, encode_cursor, paginate
from .records import (
    Customer,
    Discount,
    LineItem,
    Order,
    Product,
    Refund,
    RefundLineItem,
    Variant,
    address_id,
    gid,
    gid_kind,
    graphql_decimal,
    iso_z,
    parse_gid,
)
from .resources import CUSTOMERS, ORDERS, PRODUCTS, SOURCES, Resource, time_key
from .search import SearchError, compile_query
from .webhooks import TOPIC_SCOPES, Subscription, topic_rest

if TYPE_CHECKING:
    from .oauth import AccessToken
    from .state import ShopState


@dataclass
class Context:
    state: ShopState
    token: AccessToken
    api_version: str
    base_url: str = ""
    bulk: bool = False  # inside a bulk operation: page arguments are ignored
    bulk_after: str | None = None  # inside a bulk operation: where the root connection's chunk starts
    bulk_next: str | None = None  # set by a bulk operation's root connection: where the next chunk starts
    search: list[dict[str, Any]] = field(default_factory=list)

    def require(self, scope: str, field_name: str) -> None:
        if not self.token.has_scope(scope):
            raise GraphQLError(
                f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
                extensions={
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": f"`{scope}` access scope.",
                },
            )


# -- scalars ------------------------------------------------------------------------------------------


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"Invalid DateTime: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise GraphQLError(f"Invalid DateTime: {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise GraphQLError(f"Invalid Decimal: {value!r}") from exc


def _literal(parse_value: Callable[[Any], Any]) -> Callable[..., Any]:
    def parse_literal(node: Any, _variables: Any = None) -> Any:
        if isinstance(node, StringValueNode) or hasattr(node, "value"):
            return parse_value(node.value)
        raise GraphQLError("Invalid literal")

    return parse_literal


def _setup_scalars(schema: GraphQLSchema) -> None:
    def money(value: Any) -> str:
        return graphql_decimal(Decimal(value)) if not isinstance(value, str) else value

    specs: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "DateTime": (lambda v: iso_z(v) if isinstance(v, datetime) else str(v), _parse_datetime),
        "Decimal": (money, _parse_decimal),
        "Money": (money, _parse_decimal),
        "UnsignedInt64": (lambda v: str(int(v)), lambda v: int(str(v))),
        "URL": (str, str),
    }
    for name, (serialize, parse_value) in specs.items():
        scalar: Any = schema.type_map[name]
        scalar.serialize = scalar.coerce_output_value = serialize
        scalar.parse_value = scalar.coerce_input_value = parse_value
        scalar.parse_literal = _literal(parse_value)


# -- helpers -------------------------------------------------------------------------------------------


def _ctx(info: GraphQLResolveInfo) -> Context:
    return info.context


def _bag(info: GraphQLResolveInfo, amount: Decimal) -> dict[str, Any]:
    money = {"amount": amount, "currencyCode": _ctx(info).state.currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def _money(info: GraphQLResolveInfo, amount: Decimal) -> dict[str, Any]:
    return {"amount": amount, "currencyCode": _ctx(info).state.currency}


def _mailing(address: Any, owner_id: int) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "__typename": "MailingAddress",
        "id": gid("MailingAddress", address_id(owner_id)),
        "firstName": address.first_name,
        "lastName": address.last_name,
        "name": address.name,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "province": address.province_code,
        "provinceCode": address.province_code,
        "zip": address.zip,
        "country": "United States" if address.country_code == "US" else address.country_code,
        "countryCodeV2": address.country_code,
        "phone": address.phone,
    }


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


@cache
def _snake(name: str) -> str:
    return _SNAKE.sub("_", name).lower()


def default_resolver(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """Dicts answer by GraphQL name; records by the snake_case attribute of the same name."""
    if isinstance(source, dict):
        return source.get(info.field_name)
    return getattr(source, _snake(info.field_name), None)


def _paged(
    info: GraphQLResolveInfo,
    args: dict[str, Any],
    items: list[Any],
    keys: list[Any],
    keep: Callable[[Any], bool] | None = None,
) -> dict[str, Any]:
    """A connection over sorted ``items``: the page asked for; inside a bulk operation, everything,
    except at the root, which gives one chunk from ``bulk_after`` and notes where the next starts."""
    ctx = _ctx(info)
    root = ctx.bulk and info.path.prev is None
    reverse = bool(args.get("reverse"))
    if root:
        window: dict[str, Any] = {"first": bulk_rules.CHUNK, "after": ctx.bulk_after, "reverse": reverse}
    elif ctx.bulk:
        window = {"first": len(items), "reverse": reverse}
    else:
        window = {k: args.get(k) for k in ("first", "after", "last", "before")} | {"reverse": reverse}
    try:
        page = paginate(items, keys, keep=keep, **window)
    except CursorError as exc:
        raise GraphQLError(str(exc)) from exc
    if root:
        ctx.bulk_next = encode_cursor(page.keys[-1]) if page.has_next else None
    return page.as_connection()


def _local(
    items: list[Any],
    key: Callable[[Any], tuple[Any, int]],
    args: dict[str, Any],
    info: GraphQLResolveInfo,
) -> dict[str, Any]:
    """Connection over a small list (lines of an order, variants of a product...)."""
    rows = sorted(((key(it), it) for it in items), key=lambda row: row[0])
    return _paged(info, args, [r for _, r in rows], [k for k, _ in rows])


def _matcher(info: GraphQLResolveInfo, resource: Resource, query: str | None) -> Any:
    ctx = _ctx(info)
    if not query:
        return None
    try:
        matcher = compile_query(
            query,
            resource.fields,
            resource.text,
            ignore_unquoted_time=ctx.state.settings.unquoted_datetime_ignores_time,
        )
    except SearchError as exc:
        raise GraphQLError(f"Invalid search query: {exc}") from exc
    if matcher.warnings:
        ctx.search.append({"path": list(info.path.as_list()), "query": query, "warnings": matcher.warnings})
    return matcher


def _connection(
    resource: Resource,
    info: GraphQLResolveInfo,
    args: dict[str, Any],
    records: list[Any] | None = None,
) -> dict[str, Any]:
    ctx = _ctx(info)
    sort = args.get("sortKey") or "ID"
    key = resource.sorts[sort]
    if records is None:
        items, keys = ctx.state.sorted_records(resource.kind, sort, lambda: SOURCES[resource.kind](ctx.state), key)
    else:
        rows = sorted(((key(r), r.id), r) for r in records)
        items, keys = [r for _, r in rows], [k for k, _ in rows]
    return _paged(info, args, items, keys, _matcher(info, resource, args.get("query")))


def _count(resource: Resource, info: GraphQLResolveInfo, query: str | None, limit: int | None) -> dict[str, Any]:
    ctx = _ctx(info)
    ctx.require(resource.scope, f"{resource.kind}Count")
    keep = _matcher(info, resource, query)
    total = sum(1 for r in SOURCES[resource.kind](ctx.state) if keep is None or keep(r))
    if limit is not None and total > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": total, "precision": "EXACT"}


# -- root queries ----------------------------------------------------------------------------------------


def _list_root(resource: Resource) -> Callable[..., Any]:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        _ctx(info).require(resource.scope, resource.kind)
        return _connection(resource, info, args)

    return resolve


def _lookup(state: ShopState, value: str) -> tuple[Any, str | None]:
    """Record for a global id, and the scope needed to read it."""
    kind, number = gid_kind(value), parse_gid(value)
    if number is None:
        return None, None
    if kind == "Order":
        return state.orders.get(number), "read_orders"
    if kind == "LineItem":
        return state.lines.get(number), "read_orders"
    if kind == "Refund":
        refund = next((r for o in state.orders.values() for r in o.refunds if r.id == number), None)
        return refund, "read_orders"
    if kind == "Customer":
        return state.customers.get(number), "read_customers"
    if kind == "Product":
        return state.products.get(number), "read_products"
    if kind == "ProductVariant":
        return state.variants.get(number), "read_products"
    if kind == "WebhookSubscription":
        return state.webhooks.subscriptions.get(number), None
    if kind == "DiscountCodeNode":
        return state.discounts.get(number), "read_discounts"
    if kind == "BulkOperation":
        state.bulk.refresh()
        return state.bulk.operations.get(number), None
    return None, None


def _node(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    if parse_gid(id) is None:
        raise GraphQLError(f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"})
    record, scope = _lookup(_ctx(info).state, id)
    if record is not None and scope:
        _ctx(info).require(scope, "node")
    return record


def _nodes(_root: Any, info: GraphQLResolveInfo, ids: list[str]) -> list[Any]:
    if len(ids) > 250:
        raise GraphQLError("The input array size of 251 is greater than the maximum allowed of 250.")
    return [_node(_root, info, i) for i in ids]


def _by_id(kind: str, scope: str, table: Callable[[ShopState], dict[int, Any]]) -> Callable[..., Any]:
    def resolve(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
        _ctx(info).require(scope, kind[0].lower() + kind[1:])
        number = parse_gid(id, kind)
        if number is None and parse_gid(id) is None:
            raise GraphQLError(f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"})
        return table(_ctx(info).state).get(number) if number is not None else None

    return resolve


def _shop(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    state = _ctx(info).state
    s = state.settings
    return {
        "__typename": "Shop",
        "id": gid("Shop", 1),
        "name": s.shop_name,
        "email": s.shop_email,
        "myshopifyDomain": s.shop_domain,
        "currencyCode": state.currency,
        "ianaTimezone": s.iana_timezone,
        "timezoneAbbreviation": state.webhooks.rest.tz.tzname(state.now()) or "UTC",
    }


def _subscriptions(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    subs = list(_ctx(info).state.webhooks.subscriptions.values())
    if args.get("topics"):
        subs = [s for s in subs if s.topic in args["topics"]]
    if args.get("uri"):
        subs = [s for s in subs if s.uri == args["uri"]]
    if args.get("sortKey") == "ID":
        return _local(subs, lambda s: (s.id, s.id), args, info)
    return _local(subs, lambda s: (time_key(s.created_at), s.id), args, info)


def _discount_by_code(_root: Any, info: GraphQLResolveInfo, code: str) -> Discount | None:
    _ctx(info).require("read_discounts", "codeDiscountNodeByCode")
    return _ctx(info).state.discount_by_code(code)


# -- mutations --------------------------------------------------------------------------------------------


def _user_error(field_path: list[str], message: str) -> dict[str, Any]:
    return {"field": field_path, "message": message}


def _subscription_create(
    _root: Any, info: GraphQLResolveInfo, topic: str, webhookSubscription: dict[str, Any]
) -> dict[str, Any]:
    ctx = _ctx(info)
    hooks = ctx.state.webhooks
    uri = (webhookSubscription.get("uri") or "").strip()
    errors = []
    scope = TOPIC_SCOPES.get(topic)
    if scope and not ctx.token.has_scope(scope):
        errors.append(
            _user_error(
                ["topic"],
                f"Access denied for topic {topic_rest(topic)}. Required access: `{scope}` access scope.",
            )
        )
    if not uri:
        errors.append(_user_error(["webhookSubscription", "uri"], "Address can't be blank"))
    elif not re.match(r"^(https?://[^\s/]+|pubsub://|arn:aws:events:)", uri):
        errors.append(_user_error(["webhookSubscription", "uri"], "Address is invalid"))
    elif any(s.topic == topic and s.uri == uri for s in hooks.subscriptions.values()):
        errors.append(_user_error(["webhookSubscription", "uri"], "Address for this topic has already been taken"))
    if errors:
        return {"webhookSubscription": None, "userErrors": errors}
    sub = hooks.subscribe(
        topic,
        uri,
        api_version=ctx.api_version,
        include_fields=webhookSubscription.get("includeFields"),
        filter=webhookSubscription.get("filter"),
    )
    if webhookSubscription.get("format"):
        sub.format = webhookSubscription["format"]
    return {"webhookSubscription": sub, "userErrors": []}


def _subscription_delete(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    number = parse_gid(id, "WebhookSubscription")
    if number is None or not _ctx(info).state.webhooks.unsubscribe(number):
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [_user_error(["id"], "Webhook subscription does not exist")],
        }
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


def _discount_create(_root: Any, info: GraphQLResolveInfo, basicCodeDiscount: dict[str, Any]) -> dict[str, Any]:
    ctx = _ctx(info)
    ctx.require("write_discounts", "discountCodeBasicCreate")
    discount, errors = discount_rules.create_basic(ctx.state, basicCodeDiscount)
    return {"codeDiscountNode": discount, "userErrors": errors}


def _free_shipping_create(
    _root: Any, info: GraphQLResolveInfo, freeShippingCodeDiscount: dict[str, Any]
) -> dict[str, Any]:
    ctx = _ctx(info)
    ctx.require("write_discounts", "discountCodeFreeShippingCreate")
    discount, errors = discount_rules.create_free_shipping(ctx.state, freeShippingCodeDiscount)
    return {"codeDiscountNode": discount, "userErrors": errors}


def _discount_delete(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    ctx = _ctx(info)
    ctx.require("write_discounts", "discountCodeDelete")
    number = parse_gid(id, "DiscountCodeNode")
    if number is None or ctx.state.discounts.pop(number, None) is None:
        return {
            "deletedCodeDiscountId": None,
            "userErrors": [
                {
                    "field": ["id"],
                    "message": "Discount does not exist",
                    "code": "INVALID",
                    "extraInfo": None,
                }
            ],
        }
    ctx.state.touch()
    return {"deletedCodeDiscountId": id, "userErrors": []}


# -- bulk operations ------------------------------------------------------------------------------


def _bulk_error(message: str, code: str = "INVALID") -> dict[str, Any]:
    return {
        "bulkOperation": None,
        "userErrors": [{"field": ["query"], "message": message, "code": code}],
    }


def _bulk_run(_root: Any, info: GraphQLResolveInfo, query: str, groupObjects: bool | None = None) -> dict[str, Any]:
    ctx = _ctx(info)
    running = ctx.state.bulk.running(ctx.token.client_id)
    if running is not None:
        message = f"A bulk query operation for this app and shop is already in progress: {running.gid}."
        return {
            "bulkOperation": None,
            "userErrors": [{"field": None, "message": message, "code": "OPERATION_IN_PROGRESS"}],
        }
    try:
        document = parse(query)
    except GraphQLError as exc:
        return _bulk_error(f"Invalid bulk query: {exc.message}")
    problems = validate(info.schema, document)
    if problems:
        return _bulk_error(f"Invalid bulk query: {problems[0].message}")
    reason = bulk_rules.check(info.schema, document)
    if reason:
        return _bulk_error(reason)
    schema, state, token = info.schema, ctx.state, ctx.token

    def chunk(single: DocumentNode, after: str | None) -> tuple[dict[str, Any], str | None]:
        inner = Context(state, token, ctx.api_version, ctx.base_url, bulk=True, bulk_after=after)
        result = execute(schema, single, context_value=inner, field_resolver=default_resolver)
        assert isinstance(result, ExecutionResult), "the simulator's resolvers are synchronous"
        if result.errors:
            denied = any((e.extensions or {}).get("code") == "ACCESS_DENIED" for e in result.errors)
            raise bulk_rules.BulkFailure(
                "ACCESS_DENIED" if denied else "INTERNAL_SERVER_ERROR", result.errors[0].message
            )
        return result.data or {}, inner.bulk_next

    op = state.bulk.start(token.client_id, query, document, chunk, ctx.base_url)
    return {"bulkOperation": op, "userErrors": []}


def _bulk_cancel(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    bulk = _ctx(info).state.bulk
    op = bulk.operations.get(parse_gid(id, "BulkOperation") or 0)
    if op is None:
        return {
            "bulkOperation": None,
            "userErrors": [_user_error(["id"], "Bulk operation does not exist")],
        }
    bulk.refresh()
    if op.status not in ("CREATED", "RUNNING"):
        message = f"A bulk operation cannot be canceled when it is {op.status.lower()}"
        return {"bulkOperation": op, "userErrors": [_user_error(["id"], message)]}
    bulk.cancel(op)
    return {"bulkOperation": op, "userErrors": []}


def _bulk_by_id(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    bulk = _ctx(info).state.bulk
    bulk.refresh()
    op = bulk.operations.get(parse_gid(id, "BulkOperation") or 0)
    return op if op is not None and op.client_id == _ctx(info).token.client_id else None


# -- object resolvers ----------------------------------------------------------------------------------------


def _state(info: GraphQLResolveInfo) -> ShopState:
    return _ctx(info).state


def _customer_orders(customer: Customer, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    _ctx(info).require("read_orders", "orders")
    return _connection(ORDERS, info, args, records=_state(info).customer_orders(customer.id))


def _resolvers() -> dict[str, dict[str, Callable[..., Any]]]:
    def line_key(x: Any) -> tuple[int, int]:
        return (x.id, x.id)

    return {
        "QueryRoot": {
            "shop": _shop,
            "node": _node,
            "nodes": _nodes,
            "orders": _list_root(ORDERS),
            "customers": _list_root(CUSTOMERS),
            "products": _list_root(PRODUCTS),
            "order": _by_id("Order", "read_orders", lambda s: s.orders),
            "customer": _by_id("Customer", "read_customers", lambda s: s.customers),
            "product": _by_id("Product", "read_products", lambda s: s.products),
            "ordersCount": lambda _r, i, query=None, limit=None: _count(ORDERS, i, query, limit),
            "customersCount": lambda _r, i, query=None, limit=None: _count(CUSTOMERS, i, query, limit),
            "productsCount": lambda _r, i, query=None, limit=None: _count(PRODUCTS, i, query, limit),
            "webhookSubscriptions": _subscriptions,
            "webhookSubscription": lambda _r, i, id: _state(i).webhooks.subscriptions.get(
                parse_gid(id, "WebhookSubscription") or 0
            ),
            "codeDiscountNode": _by_id("DiscountCodeNode", "read_discounts", lambda s: s.discounts),
            "codeDiscountNodeByCode": _discount_by_code,
            "currentBulkOperation": lambda _r, i, type="QUERY": _state(i).bulk.current(_ctx(i).token.client_id, type),
            "bulkOperation": _bulk_by_id,
        },
        "Mutation": {
            "webhookSubscriptionCreate": _subscription_create,
            "webhookSubscriptionDelete": _subscription_delete,
            "discountCodeBasicCreate": _discount_create,
            "discountCodeFreeShippingCreate": _free_shipping_create,
            "discountCodeDelete": _discount_delete,
            "bulkOperationRunQuery": _bulk_run,
            "bulkOperationCancel": _bulk_cancel,
        },
        "BulkOperation": {
            "id": lambda op, _i: op.gid,
        },
        "Order": {
            "id": lambda o, _i: gid("Order", o.id),
            "legacyResourceId": lambda o, _i: o.id,
            "closed": lambda o, _i: o.closed_at is not None,
            "confirmed": lambda o, _i: True,
            "displayFinancialStatus": lambda o, _i: o.financial_status,
            "displayFulfillmentStatus": lambda o, _i: o.fulfillment_status,
            "currencyCode": lambda o, _i: o.currency,
            "presentmentCurrencyCode": lambda o, _i: o.currency,
            "subtotalLineItemsQuantity": lambda o, _i: o.quantity,
            "currentSubtotalLineItemsQuantity": lambda o, _i: sum(li.current_quantity for li in o.lines),
            "subtotalPriceSet": lambda o, i: _bag(i, o.subtotal),
            "currentSubtotalPriceSet": lambda o, i: _bag(i, o.current_subtotal),
            "totalPriceSet": lambda o, i: _bag(i, o.total),
            "currentTotalPriceSet": lambda o, i: _bag(i, o.current_total),
            "totalDiscountsSet": lambda o, i: _bag(i, o.total_discount),
            "totalShippingPriceSet": lambda o, i: _bag(i, o.shipping),
            "totalTaxSet": lambda o, i: _bag(i, o.tax),
            "currentTotalTaxSet": lambda o, i: _bag(i, o.tax),
            "totalRefundedSet": lambda o, i: _bag(i, o.total_refunded),
            "totalReceivedSet": lambda o, i: _bag(i, o.received),
            "netPaymentSet": lambda o, i: _bag(i, o.received - o.total_refunded),
            "discountCode": lambda o, _i: o.discount_codes[0] if o.codes else None,
            "discountCodes": lambda o, _i: o.discount_codes,
            "customer": lambda o, i: _state(i).customers.get(o.customer_id) if o.customer_id else None,
            "customerAcceptsMarketing": lambda o, _i: o.buyer_accepts_marketing,
            "billingAddress": lambda o, _i: _mailing(o.billing_address, o.id),
            "shippingAddress": lambda o, _i: _mailing(o.shipping_address, o.id),
            "lineItems": lambda o, i, **a: _local(o.lines, line_key, a, i),
            "refunds": lambda o, _i, first=None: o.refunds[:first] if first is not None else o.refunds,
        },
        "LineItem": {
            "id": lambda li, _i: gid("LineItem", li.id),
            "refundableQuantity": lambda li, _i: li.current_quantity,
            "variant": lambda li, i: _state(i).variants.get(li.variant_id),
            "product": lambda li, i: _state(i).products.get(li.product_id),
            "isGiftCard": lambda li, _i: False,
            "requiresShipping": lambda li, _i: True,
            "taxable": lambda li, _i: True,
            "originalUnitPriceSet": lambda li, i: _bag(i, li.unit_price),
            "originalTotalSet": lambda li, i: _bag(i, li.original_total),
            "discountedUnitPriceSet": lambda li, i: _bag(i, li.discounted_unit_price),
            "discountedUnitPriceAfterAllDiscountsSet": lambda li, i: _bag(i, li.discounted_unit_price),
            "discountedTotalSet": lambda li, i: _bag(i, li.discounted_total),
            "totalDiscountSet": lambda li, i: _bag(i, li.discount),
        },
        "Refund": {
            "id": lambda r, _i: gid("Refund", r.id),
            "legacyResourceId": lambda r, _i: r.id,
            "updatedAt": lambda r, _i: r.created_at,
            "order": lambda r, i: _state(i).orders[r.order_id],
            "totalRefundedSet": lambda r, i: _bag(i, r.amount),
            "refundLineItems": lambda r, i, **a: _local(r.lines, line_key, a, i),
        },
        "RefundLineItem": {
            "id": lambda rl, _i: gid("RefundLineItem", rl.id),
            "lineItem": lambda rl, i: _state(i).lines[rl.line_item_id],
            "restocked": lambda rl, _i: rl.restock_type == "RETURN",
            "priceSet": lambda rl, i: _bag(i, _state(i).lines[rl.line_item_id].unit_price),
            "subtotalSet": lambda rl, i: _bag(i, rl.subtotal),
            "totalTaxSet": lambda rl, i: _bag(i, Decimal(0)),
        },
        "Customer": {
            "id": lambda c, _i: gid("Customer", c.id),
            "legacyResourceId": lambda c, _i: c.id,
            "defaultEmailAddress": lambda c, _i: (
                {
                    "emailAddress": c.email,
                    "marketingState": "SUBSCRIBED" if c.accepts_marketing else "NOT_SUBSCRIBED",
                }
                if c.email
                else None
            ),
            "defaultPhoneNumber": lambda c, _i: {"phoneNumber": c.phone} if c.phone else None,
            "numberOfOrders": lambda c, i: len(_state(i).customer_orders(c.id)),
            "amountSpent": lambda c, i: _money(i, _state(i).amount_spent(c.id)),
            "lastOrder": lambda c, i: (_state(i).customer_orders(c.id) or [None])[-1],
            "taxExempt": lambda c, _i: False,
            "locale": lambda c, _i: "en",
            "defaultAddress": lambda c, _i: _mailing(c.address, c.id),
            "addresses": lambda c, _i, first=None: [a for a in [_mailing(c.address, c.id)] if a][:first],
            "emailMarketingConsent": lambda c, _i: (
                {
                    "marketingState": "SUBSCRIBED" if c.accepts_marketing else "NOT_SUBSCRIBED",
                    "marketingOptInLevel": "SINGLE_OPT_IN",
                    "consentUpdatedAt": c.consent_updated_at,
                }
                if c.email
                else None
            ),
            "orders": _customer_orders,
        },
        "Product": {
            "id": lambda p, _i: gid("Product", p.id),
            "legacyResourceId": lambda p, _i: p.id,
            "descriptionHtml": lambda p, _i: p.body_html,
            "featuredImage": lambda p, i: {
                "id": gid("ProductImage", p.id),
                "url": _state(i).image_url(p),
                "altText": cover_alt(p.title),
                "width": COVER_SIZE,
                "height": COVER_SIZE,
            },
            "onlineStoreUrl": lambda p, i: _state(i).online_store_url(p),
            "variants": lambda p, i, **a: _local(p.variants, line_key, a, i),
        },
        "ProductVariant": {
            "id": lambda v, _i: gid("ProductVariant", v.id),
            "legacyResourceId": lambda v, _i: v.id,
            "displayName": lambda v, i: (
                f"{_state(i).products[v.product_id].title} - {v.title}"
                if v.product_id in _state(i).products
                else v.title
            ),
            "product": lambda v, i: _state(i).products.get(v.product_id),
        },
        "WebhookSubscription": {
            "id": lambda s, _i: s.gid,
            "legacyResourceId": lambda s, _i: s.id,
            "apiVersion": lambda s, _i: {
                "handle": s.api_version,
                "displayName": s.api_version,
                "supported": True,
            },
        },
        "DiscountCodeNode": {
            "id": lambda d, _i: gid("DiscountCodeNode", d.id),
            "codeDiscount": lambda d, _i: d,
        },
        "DiscountCodeBasic": {
            **_code_discount_fields(),
            "customerGets": lambda d, i: {
                "value": {"__typename": "DiscountPercentage", "percentage": float(d.value)}
                if d.kind == "percentage"
                else {
                    "__typename": "DiscountAmount",
                    "amount": _money(i, d.value),
                    "appliesOnEachItem": d.applies_on_each_item,
                },
                "appliesOnOneTimePurchase": True,
                "appliesOnSubscription": False,
            },
        },
        "DiscountCodeFreeShipping": {
            **_code_discount_fields(),
            "appliesOnOneTimePurchase": lambda d, _i: d.one_time_purchase,
            "appliesOnSubscription": lambda d, _i: d.subscription,
            "destinationSelection": lambda d, _i: (
                {"__typename": "DiscountCountryAll", "allCountries": True}
                if d.countries is None
                else {
                    "__typename": "DiscountCountries",
                    "countries": sorted(d.countries),
                    "includeRestOfWorld": d.rest_of_world,
                }
            ),
            "maximumShippingPrice": lambda d, i: (
                _money(i, d.max_shipping_price) if d.max_shipping_price is not None else None
            ),
        },
    }


def _code_discount_fields() -> dict[str, Callable[..., Any]]:
    """Resolvers every code discount type shares (basic and free shipping)."""
    return {
        "summary": lambda d, i: discount_rules.summary(d, _state(i).currency),
        "status": lambda d, i: d.status(_state(i).now()),
        "appliesOncePerCustomer": lambda d, _i: d.once_per_customer,
        "asyncUsageCount": lambda d, _i: d.usage_count,
        "codesCount": lambda d, _i: {"count": 1, "precision": "EXACT"},
        "codes": lambda d, i, **a: _local(
            [
                {
                    "id": gid("DiscountRedeemCode", d.code_id),
                    "code": d.code,
                    "asyncUsageCount": d.usage_count,
                    "_n": d.code_id,
                }
            ],
            lambda c: (c["_n"], c["_n"]),
            a,
            i,
        ),
        "context": _discount_context,
        "minimumRequirement": _minimum_requirement,
        "combinesWith": lambda d, _i: {
            k: d.combines_with.get(k, False) for k in ("orderDiscounts", "productDiscounts", "shippingDiscounts")
        },
    }


def _discount_context(d: Discount, info: GraphQLResolveInfo) -> dict[str, Any]:
    """Who may use the code: everyone, listed customers, or customer segments."""
    if d.customer_ids is None:
        return {"__typename": "DiscountBuyerSelectionAll", "all": "ALL"}
    if d.segment_ids:
        return {
            "__typename": "DiscountCustomerSegments",
            "segments": [{"id": gid("Segment", n)} for n in sorted(d.segment_ids)],
        }
    customers = _state(info).customers
    return {
        "__typename": "DiscountCustomers",
        "customers": [customers[n] for n in sorted(d.customer_ids) if n in customers],
    }


def _minimum_requirement(d: Discount, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    if d.min_subtotal is not None:
        return {"__typename": "DiscountMinimumSubtotal", "greaterThanOrEqualToSubtotal": _money(info, d.min_subtotal)}
    if d.min_quantity is not None:
        return {"__typename": "DiscountMinimumQuantity", "greaterThanOrEqualToQuantity": d.min_quantity}
    return None


_TYPENAMES: dict[type, str] = {
    Order: "Order",
    Customer: "Customer",
    Product: "Product",
    Variant: "ProductVariant",
    LineItem: "LineItem",
    Refund: "Refund",
    RefundLineItem: "RefundLineItem",
    Subscription: "WebhookSubscription",
    Discount: "DiscountCodeNode",
    BulkOperation: "BulkOperation",
}


def _resolve_type(value: Any, _info: GraphQLResolveInfo, abstract: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("__typename")
    if isinstance(value, Discount) and abstract.name == "DiscountCode":
        return "DiscountCodeFreeShipping" if value.free_shipping else "DiscountCodeBasic"
    return _TYPENAMES.get(type(value))


def install(schema: GraphQLSchema) -> None:
    """Attach scalars, resolvers and type resolution to a schema built from ``schema.graphql``."""
    _setup_scalars(schema)
    for type_name, fields in _resolvers().items():
        gql_type: Any = schema.type_map[type_name]
        for name, fn in fields.items():
            gql_type.fields[name].resolve = fn
    for name in (
        "Node",
        "DiscountCode",
        "DiscountCustomerGetsValue",
        "DiscountContext",
        "DiscountMinimumRequirement",
        "DiscountShippingDestinationSelection",
    ):
        abstract: Any = schema.type_map[name]
        abstract.resolve_type = _resolve_type
