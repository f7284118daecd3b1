"""REST representations of the shop's records: what webhook deliveries carry.

Shapes follow the REST Admin API resources (2026-07 definitions): numeric ``id`` plus
``admin_graphql_api_id``, money as two-decimal strings with ``*_set`` money bags,
lowercase status words, timestamps in the shop's time zone with an offset. One quirk of
Shopify's own fixtures is kept: ``refund_line_items[].subtotal`` and ``total_tax`` are
JSON numbers while every ``*_set`` amount is a string.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sandbox.dataset.covers import COVER_SIZE, cover_alt

from .records import (
    ZERO,
    Address,
    AppliedCode,
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    address_id,
    gid,
    rest_money,
)

if TYPE_CHECKING:
    from .state import ShopState


class RestViews:
    """Serializers bound to one shop (its currency and time zone)."""

    def __init__(self, state: ShopState) -> None:
        self.state = state
        self.tz = ZoneInfo(state.settings.iana_timezone)

    def time(self, value: datetime | None) -> str | None:
        return value.astimezone(self.tz).isoformat() if value is not None else None

    def money_set(self, amount: Decimal) -> dict[str, Any]:
        money = {"amount": rest_money(amount), "currency_code": self.state.currency}
        return {"shop_money": money, "presentment_money": dict(money)}

    @staticmethod
    def discount_application(c: AppliedCode) -> dict[str, Any]:
        """A code's entry in ``discount_applications``: a free-shipping code targets the shipping lines."""
        if c.type == "shipping":
            return {
                "type": "discount_code",
                "value": "100.0",
                "value_type": "percentage",
                "allocation_method": "each",
                "target_selection": "all",
                "target_type": "shipping_line",
                "code": c.code,
            }
        return {
            "type": "discount_code",
            "value": rest_money(c.amount),
            "value_type": c.type,
            "allocation_method": "across",
            "target_selection": "all",
            "target_type": "line_item",
            "code": c.code,
        }

    def address(
        self, a: Address | None, *, customer_id: int | None = None, default: bool = False
    ) -> dict[str, Any] | None:
        if a is None:
            return None
        out: dict[str, Any] = {
            "first_name": a.first_name,
            "last_name": a.last_name,
            "name": a.name,
            "company": a.company,
            "address1": a.address1,
            "address2": a.address2,
            "city": a.city,
            "province": a.province_code,
            "province_code": a.province_code,
            "zip": a.zip,
            "country": "United States" if a.country_code == "US" else a.country_code,
            "country_code": a.country_code,
            "phone": a.phone,
        }
        if customer_id is not None:
            out = {
                "id": address_id(customer_id),
                "customer_id": customer_id,
                **out,
                "default": default,
            }
        return out

    # -- customers ----------------------------------------------------------------------------------

    def customer(self, c: Customer, *, embedded: bool = False) -> dict[str, Any]:
        consent = {
            "state": "subscribed" if c.accepts_marketing else "not_subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": self.time(c.consent_updated_at),
        }
        out: dict[str, Any] = {
            "id": c.id,
            "email": c.email,
            "created_at": self.time(c.created_at),
            "updated_at": self.time(c.updated_at),
            "first_name": c.first_name,
            "last_name": c.last_name,
            "state": c.state.lower(),
            "note": c.note,
            "verified_email": c.verified_email,
            "multipass_identifier": None,
            "tax_exempt": False,
            "phone": c.phone,
            "email_marketing_consent": consent,
            "sms_marketing_consent": None,
            "tags": ", ".join(c.tags),
            "currency": self.state.currency,
            "tax_exemptions": [],
            "admin_graphql_api_id": gid("Customer", c.id),
            "default_address": self.address(c.address, customer_id=c.id, default=True),
        }
        if not embedded:  # since 2022-04 the order's embedded customer lacks these
            orders = self.state.customer_orders(c.id)
            last = orders[-1] if orders else None
            out.update(
                orders_count=len(orders),
                total_spent=rest_money(self.state.amount_spent(c.id)),
                last_order_id=last.id if last else None,
                last_order_name=last.name if last else None,
                addresses=[a for a in [self.address(c.address, customer_id=c.id, default=True)] if a],
            )
        return out

    def customer_deleted(self, customer_id: int) -> dict[str, Any]:
        return {
            "id": customer_id,
            "phone": None,
            "addresses": [],
            "tax_exemptions": [],
            "email_marketing_consent": None,
            "sms_marketing_consent": None,
            "admin_graphql_api_id": gid("Customer", customer_id),
        }

    # -- products ------------------------------------------------------------------------------------

    def product(self, p: Product) -> dict[str, Any]:
        image = {
            "id": p.id,
            "product_id": p.id,
            "position": 1,
            "alt": cover_alt(p.title),
            "width": COVER_SIZE,
            "height": COVER_SIZE,
            "src": self.state.image_url(p),
            "variant_ids": [],
            "admin_graphql_api_id": gid("ProductImage", p.id),
        }
        return {
            "id": p.id,
            "title": p.title,
            "body_html": p.body_html,
            "vendor": p.vendor,
            "product_type": p.product_type,
            "created_at": self.time(p.created_at),
            "handle": p.handle,
            "updated_at": self.time(p.updated_at),
            "published_at": self.time(p.published_at),
            "template_suffix": None,
            "published_scope": "global",
            "tags": ", ".join(p.tags),
            "status": p.status.lower(),
            "admin_graphql_api_id": gid("Product", p.id),
            "variants": [
                {
                    "id": v.id,
                    "product_id": p.id,
                    "title": v.title,
                    "price": rest_money(v.price),
                    "sku": v.sku,
                    "position": v.position,
                    "inventory_policy": "deny",
                    "compare_at_price": rest_money(v.compare_at_price) if v.compare_at_price is not None else None,
                    "option1": v.title,
                    "option2": None,
                    "option3": None,
                    "created_at": self.time(v.created_at),
                    "updated_at": self.time(v.updated_at),
                    "taxable": True,
                    "barcode": None,
                    "inventory_quantity": v.inventory_quantity,
                    "admin_graphql_api_id": gid("ProductVariant", v.id),
                }
                for v in p.variants
            ],
            "options": [
                {
                    "product_id": p.id,
                    "name": "Format",
                    "position": 1,
                    "values": [v.title for v in p.variants],
                }
            ],
            "images": [image],
            "image": image,
        }

    def product_deleted(self, product_id: int) -> dict[str, Any]:
        return {"id": product_id}

    # -- orders ----------------------------------------------------------------------------------------

    def line_item(self, li: LineItem) -> dict[str, Any]:
        return {
            "id": li.id,
            "admin_graphql_api_id": gid("LineItem", li.id),
            "fulfillable_quantity": 0,
            "fulfillment_service": "manual",
            "fulfillment_status": None,
            "gift_card": False,
            "grams": 100,
            "name": li.name,
            "price": rest_money(li.unit_price),
            "price_set": self.money_set(li.unit_price),
            "product_exists": li.product_id in self.state.products,
            "product_id": li.product_id,
            "properties": [],
            "quantity": li.quantity,
            "current_quantity": li.current_quantity,
            "requires_shipping": True,
            "sku": li.sku,
            "taxable": True,
            "title": li.title,
            "total_discount": rest_money(li.discount),
            "total_discount_set": self.money_set(li.discount),
            "variant_id": li.variant_id,
            "variant_inventory_management": "shopify",
            "variant_title": li.variant_title,
            "vendor": li.vendor,
            "tax_lines": [],
            "duties": [],
            "discount_allocations": [
                {
                    "amount": rest_money(li.discount),
                    "amount_set": self.money_set(li.discount),
                    "discount_application_index": 0,
                }
            ]
            if li.discount
            else [],
        }

    def refund(self, r: Refund) -> dict[str, Any]:
        lines = {li.id: li for li in self.state.orders[r.order_id].lines}
        return {
            "id": r.id,
            "admin_graphql_api_id": gid("Refund", r.id),
            "order_id": r.order_id,
            "created_at": self.time(r.created_at),
            "processed_at": self.time(r.created_at),
            "note": r.note,
            "restock": r.restock,
            "user_id": None,
            "total_duties_set": self.money_set(ZERO),
            "refund_line_items": [
                {
                    "id": rl.id,
                    "line_item_id": rl.line_item_id,
                    "location_id": None,
                    "quantity": rl.quantity,
                    "restock_type": rl.restock_type.lower(),
                    "subtotal": float(rl.subtotal),
                    "subtotal_set": self.money_set(rl.subtotal),
                    "total_tax": 0.0,
                    "total_tax_set": self.money_set(ZERO),
                    "line_item": self.line_item(lines[rl.line_item_id]),
                }
                for rl in r.lines
            ],
            "transactions": [
                {
                    "id": r.transaction_id,
                    "admin_graphql_api_id": gid("OrderTransaction", r.transaction_id),
                    "amount": rest_money(r.amount),
                    "authorization": None,
                    "created_at": self.time(r.created_at),
                    "currency": self.state.currency,
                    "gateway": "manual",
                    "kind": "refund",
                    "order_id": r.order_id,
                    "parent_id": None,
                    "processed_at": self.time(r.created_at),
                    "source_name": "web",
                    "status": "success",
                    "test": False,
                }
            ],
            "order_adjustments": [],
        }

    def order(self, o: Order) -> dict[str, Any]:
        customer = self.state.customers.get(o.customer_id) if o.customer_id else None
        return {
            "id": o.id,
            "admin_graphql_api_id": gid("Order", o.id),
            "app_id": None,
            "browser_ip": None,
            "buyer_accepts_marketing": o.buyer_accepts_marketing,
            "cancel_reason": o.cancel_reason.lower() if o.cancel_reason else None,
            "cancelled_at": self.time(o.cancelled_at),
            "closed_at": self.time(o.closed_at),
            "confirmation_number": f"C{o.id % 10**9:09d}",
            "confirmed": True,
            "contact_email": o.email,
            "created_at": self.time(o.created_at),
            "currency": o.currency,
            "current_subtotal_price": rest_money(o.current_subtotal),
            "current_subtotal_price_set": self.money_set(o.current_subtotal),
            "current_total_price": rest_money(o.current_total),
            "current_total_price_set": self.money_set(o.current_total),
            "current_total_tax": rest_money(ZERO),
            "current_total_tax_set": self.money_set(ZERO),
            "customer_locale": "en",
            "discount_codes": [{"code": c.code, "amount": rest_money(c.amount), "type": c.type} for c in o.codes],
            "email": o.email,
            "estimated_taxes": False,
            "financial_status": o.financial_status.lower(),
            "fulfillment_status": "fulfilled" if o.fulfillment_status == "FULFILLED" else None,
            "name": o.name,
            "note": o.note,
            "note_attributes": [],
            "number": o.number - 1000,
            "order_number": o.number,
            "phone": o.phone,
            "presentment_currency": o.currency,
            "processed_at": self.time(o.processed_at),
            "source_name": o.source_name,
            "subtotal_price": rest_money(o.subtotal),
            "subtotal_price_set": self.money_set(o.subtotal),
            "tags": ", ".join(o.tags),
            "test": o.test,
            "total_discounts": rest_money(o.total_discount),
            "total_discounts_set": self.money_set(o.total_discount),
            "total_line_items_price": rest_money(o.line_items_total),
            "total_line_items_price_set": self.money_set(o.line_items_total),
            "total_outstanding": rest_money(ZERO),
            "total_price": rest_money(o.total),
            "total_price_set": self.money_set(o.total),
            "total_shipping_price_set": self.money_set(o.shipping),
            "total_tax": rest_money(o.tax),
            "total_tax_set": self.money_set(o.tax),
            "total_weight": 100 * o.quantity,
            "updated_at": self.time(o.updated_at),
            "user_id": None,
            "billing_address": self.address(o.billing_address),
            "shipping_address": self.address(o.shipping_address),
            "customer": self.customer(customer, embedded=True) if customer else None,
            "discount_applications": [self.discount_application(c) for c in o.codes],
            "fulfillments": [],
            "line_items": [self.line_item(li) for li in o.lines],
            "refunds": [self.refund(r) for r in o.refunds],
            "shipping_lines": [],
            "tax_lines": [],
        }

    # -- shop ----------------------------------------------------------------------------------------

    def shop(self) -> dict[str, Any]:
        s = self.state.settings
        return {
            "id": 1,
            "name": s.shop_name,
            "email": s.shop_email,
            "domain": s.shop_domain,
            "myshopify_domain": s.shop_domain,
            "province": "New York",
            "country": "US",
            "country_code": "US",
            "country_name": "United States",
            "currency": self.state.currency,
            "customer_email": s.shop_email,
            "iana_timezone": s.iana_timezone,
            "timezone": f"(GMT-05:00) {s.iana_timezone}",
            "shop_owner": "Pat Owner",
            "money_format": "${{amount}}",
            "plan_name": "basic",
            "plan_display_name": "Basic",
            "created_at": self.time(datetime(1996, 7, 1, tzinfo=self.tz)),
            "updated_at": self.time(self.state.now()),
        }
