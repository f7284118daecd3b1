"""REST v3 JSON shapes (``view`` context unless noted), rendered from :mod:`records`.

Conventions that hold everywhere, as in WooCommerce:

* every date comes twice, ``date_x`` in the site timezone (Europe/Berlin) and
  ``date_x_gmt`` in UTC, both ``YYYY-MM-DDTHH:MM:SS`` without a zone;
* money is a decimal string with ``dp`` places (default 2), ids and counts are ints;
* empty values are ``""``, ``null`` or ``[]``, never omitted;
* ``_links`` use the site URL the request came in on.

Order line items carry ``price`` as a JSON **number**: WooCommerce computes it as
``get_total() / get_quantity()`` in PHP floats (the docs table says string; the docs
example and the code give a number). It is the *post-discount* unit price and may be an
inexact float such as ``4.656666666666667``: use ``total``/``subtotal`` for money.

Refunds: the order lists them as ``refunds: [{id, reason, total}]`` with a **negative**
``total`` string; the refund resource has a **positive** ``amount``, and its
``line_items`` are copies of the refunded order lines with **negative** ``quantity``,
``subtotal`` and ``total`` (``wc_create_refund`` stores them so), a new item id, and a
``meta_data`` entry ``{"key": "_refunded_item_id", "value": "<order line id>"}`` (a string,
as read back from the meta table) linking to the order line. ``refund_total`` exists only
as a create-time argument (schema context ``edit``, not stored), so it is never emitted.
``/refunds`` (WC 9.0+) adds ``parent_id`` (the order id) right after ``id``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.dataset.covers import cover_alt

from .clock import wc_date, wc_date_gmt
from .records import (
    Address,
    Coupon,
    CouponLine,
    LineItem,
    MetaItem,
    Order,
    Product,
    Refund,
    User,
    Variation,
    Webhook,
)
from .state import WooState, gravatar
from .wire import money

WEBHOOK_TOPIC_HOOKS: dict[str, list[str]] = {
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
    "customer.created": [
        "user_register",
        "woocommerce_created_customer",
        "woocommerce_new_customer",
    ],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "order.created": ["woocommerce_new_order"],
    "order.updated": [
        "woocommerce_update_order",
        "woocommerce_order_refunded",
        "woocommerce_delete_order_refund",
    ],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
    "product.published": ["woocommerce_product_published"],
}


def rest_url(site: str, path: str) -> str:
    return f"{site}/wp-json/{path.lstrip('/')}"


def links(site: str, self_path: str, collection_path: str, **extra: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "self": [{"href": rest_url(site, self_path)}],
        "collection": [{"href": rest_url(site, collection_path)}],
    }
    for rel, path in extra.items():
        out[rel] = [{"href": rest_url(site, path)}]
    return out


def meta_json(items: list[MetaItem], *, display: bool) -> list[dict[str, Any]]:
    out = []
    for m in items:
        row: dict[str, Any] = {"id": m.id, "key": m.key, "value": m.value}
        if display:
            row["display_key"] = m.display_key if m.display_key is not None else m.key
            row["display_value"] = m.display_value if m.display_value is not None else m.value
        out.append(row)
    return out


def address_json(a: Address, *, billing: bool) -> dict[str, str]:
    out = {
        "first_name": a.first_name,
        "last_name": a.last_name,
        "company": a.company,
        "address_1": a.address_1,
        "address_2": a.address_2,
        "city": a.city,
        "state": a.state,
        "postcode": a.postcode,
        "country": a.country,
    }
    if billing:
        out["email"] = a.email
    out["phone"] = a.phone
    return out


def _price_number(total: Decimal, quantity: int) -> float | int:
    """PHP ``$item->get_total() / $item->get_quantity()``: a float (or 0 when qty is 0)."""
    if quantity == 0:
        return 0
    return float(total) / quantity


def line_item_json(item: LineItem, dp: int) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "product_id": item.product_id,
        "variation_id": item.variation_id,
        "quantity": item.quantity,
        "tax_class": "",
        "subtotal": money(item.subtotal, dp),
        "subtotal_tax": money(0, dp),
        "total": money(item.total, dp),
        "total_tax": money(0, dp),
        "taxes": [],
        "meta_data": meta_json(item.meta, display=True),
        "sku": item.sku,
        "price": _price_number(item.total, item.quantity),
        "image": {"id": 0, "src": ""},
        "parent_name": item.parent_name,
    }


def coupon_line_json(line: CouponLine, dp: int) -> dict[str, Any]:
    return {
        "id": line.id,
        "code": line.code,
        "discount": money(line.discount, dp),
        "discount_tax": money(0, dp),
        "meta_data": meta_json(line.meta, display=True),
    }


def order_json(state: WooState, order: Order, site: str, dp: int = 2) -> dict[str, Any]:
    refunds = [state.refunds[r] for r in order.refund_ids if r in state.refunds]
    paid = order.status in ("processing", "completed", "refunded")
    extra = {"customer": f"wc/v3/customers/{order.customer_id}"} if order.customer_id else {}
    return {
        "id": order.id,
        "parent_id": 0,
        "status": order.status,
        "currency": order.currency,
        "version": order.version,
        "prices_include_tax": False,
        "date_created": wc_date(order.date_created),
        "date_modified": wc_date(order.date_modified),
        "discount_total": money(order.discount_total, dp),
        "discount_tax": money(0, dp),
        "shipping_total": money(order.shipping_total, dp),
        "shipping_tax": money(0, dp),
        "cart_tax": money(0, dp),
        "total": money(order.total, dp),
        "total_tax": money(order.total_tax, dp),
        "customer_id": order.customer_id,
        "order_key": order.order_key,
        "billing": address_json(order.billing, billing=True),
        "shipping": address_json(order.shipping, billing=False),
        "payment_method": order.payment_method,
        "payment_method_title": order.payment_method_title,
        "transaction_id": order.transaction_id,
        "customer_ip_address": "",
        "customer_user_agent": "",
        "created_via": order.created_via,
        "customer_note": order.customer_note,
        "date_completed": wc_date(order.date_completed),
        "date_paid": wc_date(order.date_paid),
        "cart_hash": "",
        "number": order.number,
        "meta_data": [],
        "line_items": [line_item_json(li, dp) for li in order.line_items],
        "tax_lines": [],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [coupon_line_json(cl, dp) for cl in order.coupon_lines],
        "refunds": [{"id": r.id, "reason": r.reason, "total": "-" + money(r.amount, dp)} for r in refunds],
        "payment_url": f"{site}/checkout/order-pay/{order.id}/?pay_for_order=true&key={order.order_key}",
        "is_editable": order.status in ("pending", "on-hold", "auto-draft"),
        "needs_payment": order.status in ("pending", "failed") and order.total > 0,
        "needs_processing": paid,
        "date_created_gmt": wc_date_gmt(order.date_created),
        "date_modified_gmt": wc_date_gmt(order.date_modified),
        "date_completed_gmt": wc_date_gmt(order.date_completed),
        "date_paid_gmt": wc_date_gmt(order.date_paid),
        "currency_symbol": "$" if order.currency == "USD" else order.currency,
        "_links": links(site, f"wc/v3/orders/{order.id}", "wc/v3/orders", **extra),
    }


def refund_json(
    state: WooState, refund: Refund, site: str, dp: int = 2, *, with_parent: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": refund.id}
    if with_parent:
        data["parent_id"] = refund.order_id
    data.update(
        {
            "date_created": wc_date(refund.date_created),
            "date_created_gmt": wc_date_gmt(refund.date_created),
            "amount": money(refund.amount, dp),
            "reason": refund.reason,
            "refunded_by": refund.refunded_by,
            "refunded_payment": refund.refunded_payment,
            "meta_data": [],
            "line_items": [line_item_json(li, dp) for li in refund.line_items],
            "shipping_lines": [],
            "tax_lines": [],
            "fee_lines": [],
        }
    )
    base = f"wc/v3/orders/{refund.order_id}/refunds"
    data["_links"] = links(site, f"{base}/{refund.id}", base, up=f"wc/v3/orders/{refund.order_id}")
    return data


def customer_json(user: User, site: str) -> dict[str, Any]:
    return {
        "id": user.id,
        "date_created": wc_date(user.date_created),
        "date_created_gmt": wc_date_gmt(user.date_created),
        "date_modified": wc_date(user.date_modified),
        "date_modified_gmt": wc_date_gmt(user.date_modified),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "username": user.username,
        "billing": address_json(user.billing, billing=True),
        "shipping": address_json(user.shipping, billing=False),
        "is_paying_customer": user.is_paying_customer,
        "avatar_url": gravatar(user.email),
        "meta_data": [],
        "_links": links(site, f"wc/v3/customers/{user.id}", "wc/v3/customers"),
    }


def _category(product: Product) -> list[dict[str, Any]]:
    return [{"id": product.category_id, "name": product.category_name, "slug": product.category_slug}]


def image_path(slug: str) -> str:
    """Where the site keeps a product's picture (the media library's uploads folder)."""
    return f"/wp-content/uploads/{slug}.svg"


def product_image(product: Product, site: str) -> dict[str, Any]:
    """The product's one image, as ``images[0]`` of the REST product (the simulator serves it)."""
    return {
        "id": product.id,
        "date_created": wc_date(product.date_created),
        "date_created_gmt": wc_date_gmt(product.date_created),
        "date_modified": wc_date(product.date_created),
        "date_modified_gmt": wc_date_gmt(product.date_created),
        "src": f"{site}{image_path(product.slug)}",
        "name": f"{product.slug}.svg",
        "alt": cover_alt(product.name),
    }


def product_json(state: WooState, product: Product, site: str) -> dict[str, Any]:
    variable = product.type == "variable"
    variations = [state.variations[v] for v in product.variation_ids if v in state.variations]
    if variable:
        prices = [v.price for v in variations] or [product.regular_price]
        price = money(min(prices))
        regular = sale = ""
        on_sale = any(v.sale_price is not None for v in variations)
        in_stock = any(v.in_stock for v in variations)
    else:
        price = money(product.price)
        regular = money(product.regular_price)
        sale = money(product.sale_price) if product.sale_price is not None else ""
        on_sale = product.sale_price is not None
        in_stock = product.in_stock
    attributes = []
    if variable:
        attributes.append(
            {
                "id": 0,
                "name": "Format",
                "slug": "format",
                "position": 0,
                "visible": True,
                "variation": True,
                "options": [v.option for v in variations],
            }
        )
    return {
        "id": product.id,
        "name": product.name,
        "slug": product.slug,
        "permalink": f"{site}/product/{product.slug}/",
        "date_created": wc_date(product.date_created),
        "date_created_gmt": wc_date_gmt(product.date_created),
        "date_modified": wc_date(product.date_modified),
        "date_modified_gmt": wc_date_gmt(product.date_modified),
        "type": product.type,
        "status": product.status,
        "featured": False,
        "catalog_visibility": "visible",
        "description": "",
        "short_description": "",
        "sku": product.sku,
        "price": price,
        "regular_price": regular,
        "sale_price": sale,
        "date_on_sale_from": None,
        "date_on_sale_from_gmt": None,
        "date_on_sale_to": None,
        "date_on_sale_to_gmt": None,
        "on_sale": on_sale,
        "purchasable": True,
        "total_sales": 0,
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": "",
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock" if in_stock else "outofstock",
        "backorders": "no",
        "sold_individually": False,
        "categories": _category(product),
        "tags": [],
        "images": [product_image(product, site)],
        "attributes": attributes,
        "default_attributes": [],
        "variations": list(product.variation_ids),
        "grouped_products": [],
        "menu_order": 0,
        "meta_data": [],
        "_links": links(site, f"wc/v3/products/{product.id}", "wc/v3/products"),
    }


def variation_json(variation: Variation, site: str) -> dict[str, Any]:
    base = f"wc/v3/products/{variation.parent_id}/variations"
    return {
        "id": variation.id,
        "date_created": wc_date(variation.date_created),
        "date_created_gmt": wc_date_gmt(variation.date_created),
        "date_modified": wc_date(variation.date_modified),
        "date_modified_gmt": wc_date_gmt(variation.date_modified),
        "description": "",
        "permalink": f"{site}/?p={variation.id}",
        "sku": variation.sku,
        "price": money(variation.price),
        "regular_price": money(variation.regular_price),
        "sale_price": money(variation.sale_price) if variation.sale_price is not None else "",
        "on_sale": variation.sale_price is not None,
        "status": "publish",
        "purchasable": True,
        "virtual": False,
        "downloadable": False,
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock" if variation.in_stock else "outofstock",
        "attributes": [{"id": 0, "name": "Format", "option": variation.option}],
        "menu_order": variation.menu_order,
        "meta_data": [],
        "_links": links(site, f"{base}/{variation.id}", base, up=f"wc/v3/products/{variation.parent_id}"),
    }


def coupon_json(coupon: Coupon, site: str) -> dict[str, Any]:
    return {
        "id": coupon.id,
        "code": coupon.code,
        "amount": money(coupon.amount),
        "status": coupon.status,
        "date_created": wc_date(coupon.date_created),
        "date_created_gmt": wc_date_gmt(coupon.date_created),
        "date_modified": wc_date(coupon.date_modified),
        "date_modified_gmt": wc_date_gmt(coupon.date_modified),
        "discount_type": coupon.discount_type,
        "description": coupon.description,
        "date_expires": wc_date(coupon.date_expires),
        "date_expires_gmt": wc_date_gmt(coupon.date_expires),
        "usage_count": coupon.usage_count,
        "individual_use": coupon.individual_use,
        "product_ids": list(coupon.product_ids),
        "excluded_product_ids": list(coupon.excluded_product_ids),
        "usage_limit": coupon.usage_limit or None,
        "usage_limit_per_user": coupon.usage_limit_per_user or None,
        "limit_usage_to_x_items": coupon.limit_usage_to_x_items or None,
        "free_shipping": coupon.free_shipping,
        "product_categories": list(coupon.product_categories),
        "excluded_product_categories": list(coupon.excluded_product_categories),
        "exclude_sale_items": coupon.exclude_sale_items,
        "minimum_amount": money(coupon.minimum_amount),
        "maximum_amount": money(coupon.maximum_amount),
        "email_restrictions": list(coupon.email_restrictions),
        "used_by": list(coupon.used_by),
        "meta_data": [],
        "_links": links(site, f"wc/v3/coupons/{coupon.id}", "wc/v3/coupons"),
    }


def webhook_json(hook: Webhook, site: str, *, context: str = "view") -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": hook.id,
        "name": hook.name,
        "status": hook.status,
        "topic": hook.topic,
        "resource": hook.resource,
        "event": hook.event,
        "hooks": list(WEBHOOK_TOPIC_HOOKS.get(hook.topic, [])),
        "delivery_url": hook.delivery_url,
    }
    if context == "edit":
        data["secret"] = hook.secret
    data.update(
        {
            "date_created": wc_date(hook.date_created),
            "date_created_gmt": wc_date_gmt(hook.date_created),
            "date_modified": wc_date(hook.date_modified),
            "date_modified_gmt": wc_date_gmt(hook.date_modified),
            "_links": links(site, f"wc/v3/webhooks/{hook.id}", "wc/v3/webhooks"),
        }
    )
    return data
