"""Invariants of the sandbox data set (sandbox.dataset)."""

from __future__ import annotations

import ast
import dataclasses
import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest

from sandbox.dataset import (
    PLATFORMS,
    Order,
    Refund,
    RefundLine,
    SandboxData,
    build,
    build_uncached,
    digest,
    summary,
)
from sandbox.dataset.baskets import read_baskets
from sandbox.dataset.build import split_value

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "sandbox" / "data"
SANDBOX = ROOT / "sandbox"


def raw_rows(source: str) -> list[tuple[int, str, int, Decimal]]:
    """(person id, YYYYMMDD, number of CDs, dollars) straight from the file."""
    name = {"sample": "cdnow_sample.txt.gz", "master": "cdnow_master.txt.gz"}[source]
    rows = []
    with gzip.open(DATA / name, "rt") as fh:
        for line in fh:
            parts = line.split()
            if not parts or not parts[0].isdigit():
                continue
            if source == "sample":
                parts = [parts[0], *parts[2:]]
            rows.append((int(parts[0]), parts[1], int(parts[2]), Decimal(parts[3])))
    return rows


@pytest.fixture(scope="module")
def data() -> SandboxData:
    return build("sample", 7)


@pytest.fixture(scope="module")
def raw() -> list[tuple[int, str, int, Decimal]]:
    return raw_rows("sample")


def normalize_email(email: str) -> str:
    return email.strip().lower()


# -- sizes and money -----------------------------------------------------------------


def test_counts_equal_cdnow(data, raw):
    assert len(raw) == 6919
    assert len(data.orders) == len(raw)
    assert len(data.people) == len({r[0] for r in raw}) == 2357
    assert sorted(o.source_row for o in data.orders) == list(range(len(raw)))
    assert data.merchant_name == "Northwind Records"
    assert set(data.stores) == {"shopify", "woocommerce"}
    assert data.stores["shopify"].domain_or_url == "northwind.myshopify.com"
    assert data.stores["woocommerce"].domain_or_url == "https://shop.northwind.test"
    assert {s.currency for s in data.stores.values()} == {"USD"}


def test_each_order_matches_its_cdnow_row(data, raw):
    for o in data.orders:
        pid, ymd, n_cds, dollars = raw[o.source_row]
        assert o.person_id == pid
        assert o.created_at.strftime("%Y%m%d") == ymd
        assert o.total == dollars and str(o.total) == str(dollars)
        assert o.quantity == n_cds


def test_totals_per_person_equal_raw_file(data, raw):
    expected: dict[int, Decimal] = defaultdict(Decimal)
    for pid, _, _, dollars in raw:
        expected[pid] += dollars
    got: dict[int, Decimal] = defaultdict(Decimal)
    for o in data.orders:
        got[o.person_id] += o.total
    assert got == expected
    assert sum(o.total for o in data.orders) == sum(r[3] for r in raw)


def test_quantities_equal_number_of_cds(data, raw):
    expected = Counter()
    for pid, _, n, _ in raw:
        expected[pid] += n
    got = Counter()
    for o in data.orders:
        got[o.person_id] += sum(line.quantity for line in o.lines)
    assert got == expected


def test_money_is_exact(data):
    zero = Decimal("0.00")
    free = 0
    for o in data.orders:
        for line in o.lines:
            assert line.quantity >= 1
            assert line.quantity * line.unit_price == line.line_total
            assert line.unit_price >= 0
            assert line.unit_price.as_tuple().exponent == -2
        assert sum(line.line_total for line in o.lines) == o.subtotal
        assert o.subtotal - o.total_discount + o.shipping + o.tax == o.total
        assert o.shipping == zero and o.tax == zero
        assert (o.total_discount > 0) == bool(o.discount_codes)
        assert o.financial_status == "paid" and o.cancelled_at is None and o.refunds == ()
        free += o.total == 0
    assert free >= 1  # zero-value rows are kept
    assert sum(bool(o.discount_codes) for o in data.orders) > 0


def test_lines_come_from_one_basket(data):
    baskets = read_baskets()
    index: dict[int, set[int]] = defaultdict(set)
    for i in range(len(baskets)):
        for item in baskets[i]:
            index[item].add(i)
    for o in data.orders[::20]:
        items = [line.item_id for line in o.lines]
        distinct = set(items)
        # only the last line may repeat the previous one's variant (remainder split)
        assert len(items) - len(distinct) <= 1
        if len(items) != len(distinct):
            assert o.lines[-1].variant_platform_id == o.lines[-2].variant_platform_id
            assert o.lines[-1].quantity == 1
        assert set.intersection(*(index[i] for i in distinct)), o.name


def test_split_value_is_exact_and_proportional():
    rows = [[39, 0, 2], [48, 0, 1]]
    out = split_value([list(r) for r in rows], 3001)
    assert sum(q * u for _, _, q, u in out) == 3001
    single = split_value([[39, 0, 3]], 1000)  # 1000 cents over 3 units: split the line
    assert [(q, u) for _, _, q, u in single] == [(2, 333), (1, 334)]
    assert split_value([[39, 0, 4]], 1000)[0][2:] == (4, 250)
    assert split_value([[39, 0, 1], [48, 0, 1]], 0) == [(39, 0, 1, 0), (48, 0, 1, 0)]


# -- stores, accounts, guests ----------------------------------------------------------


def test_both_store_share_and_accounts(data, raw):
    both = data.both_store_person_ids
    share = len(both) / len(data.people)
    assert 0.18 <= share <= 0.22
    purchases = Counter(r[0] for r in raw)
    assert all(purchases[p] >= 2 for p in both)
    holders = {(c.store, c.person_id) for c in data.customers}
    for pid in both:
        assert ("shopify", pid) in holders and ("woocommerce", pid) in holders
    single = [p.person_id for p in data.people if p.person_id not in both]
    stores_of = defaultdict(set)
    for o in data.orders:
        stores_of[o.person_id].add(o.store)
    shop_only = sum(stores_of[p] == {"shopify"} for p in single)
    assert abs(shop_only / len(single) - 0.5) < 0.05


def test_guests(data):
    for store in PLATFORMS:
        view = data.by_store(store)
        guest_orders = [o for o in view.orders if o.customer_platform_id is None]
        assert guest_orders
        buyers = {o.person_id for o in view.orders}
        guest_only = data.guest_only_person_ids[store]
        assert 0.07 <= len(guest_only) / len(buyers) <= 0.13
        assert not guest_only & data.both_store_person_ids
        account = {c.person_id: c for c in view.customers}
        # account holders who sometimes check out as guest, with the account's email
        mixed = [o for o in guest_orders if o.person_id in account]
        assert mixed
        for o in mixed:
            assert o.email == account[o.person_id].email
        ids = {c.platform_id for c in view.customers}
        assert {o.customer_platform_id for o in view.orders} - {None} == ids


def test_customer_and_order_links(data):
    customers = {(c.store, c.platform_id): c for c in data.customers}
    assert data.customer_person == {k: c.person_id for k, c in customers.items()}
    first_order: dict[tuple[str, int], Order] = {}
    for o in data.orders:
        if o.customer_platform_id is None:
            continue
        c = customers[(o.store, o.customer_platform_id)]
        assert c.person_id == o.person_id
        assert o.email == c.email
        first_order.setdefault((o.store, c.platform_id), o)
        assert c.created_at < o.created_at <= c.updated_at
    assert set(first_order) == set(customers)


def test_store_views_and_ids(data):
    for store in PLATFORMS:
        view = data.by_store(store)
        assert view.store is data.stores[store]
        assert all(x.store == store for x in (*view.customers, *view.products, *view.orders))
        numbers = [o.number for o in view.orders]
        assert numbers == list(range(1001, 1001 + len(view.orders)))
        assert [o.name for o in view.orders[:2]] == ["#1001", "#1002"]
        times = [o.created_at for o in view.orders]
        assert times == sorted(times)
        line_ids = [line.platform_id for o in view.orders for line in o.lines]
        assert len(set(line_ids)) == len(line_ids)
        for group in (view.customers, view.products, view.orders):
            ids = [x.platform_id for x in group]
            assert len(set(ids)) == len(ids)
            if store == "shopify":
                assert all(len(str(i)) == 13 for i in ids)
            else:
                assert all(0 < i < 100_000 for i in ids)
        variants = {v.platform_id: (p, v) for p in view.products for v in p.variants}
        assert len(variants) == sum(len(p.variants) for p in view.products)
        for o in view.orders:
            for line in o.lines:
                p, v = variants[line.variant_platform_id]
                assert p.platform_id == line.product_platform_id
                assert v.sku == line.sku and p.title == line.title
    with pytest.raises(ValueError):
        data.by_store("magento")


def test_products_same_skus_different_ids(data):
    shop = {p.sku: p for p in data.by_store("shopify").products}
    woo = {p.sku: p for p in data.by_store("woocommerce").products}
    assert shop.keys() == woo.keys()
    assert all(re.fullmatch(r"RT-\d{5}", sku) for sku in shop)
    for sku, p in shop.items():
        q = woo[sku]
        assert p.platform_id != q.platform_id
        assert (p.title, p.vendor, p.category, p.price) == (q.title, q.vendor, q.category, q.price)
        assert p.item_id == q.item_id and sku == f"RT-{p.item_id:05d}"
        assert 1 <= len(p.variants) <= 3
    products = list(shop.values())
    assert 8 <= len({p.category for p in products}) <= 12
    assert 20 <= len({p.vendor for p in products}) <= 30
    assert any(len(p.variants) > 1 for p in products)
    assert any(not p.in_stock or not all(v.in_stock for v in p.variants) for p in products)
    assert sum(p.in_stock for p in products) > 0.9 * len(products)


# -- identities ------------------------------------------------------------------------


def test_emails_and_phones_unique_per_person(data):
    emails = [p.email for p in data.people]
    phones = [p.phone for p in data.people]
    assert len(set(emails)) == len(emails)
    assert len(set(phones)) == len(phones)
    for p in data.people:
        assert p.email == normalize_email(p.email)
        assert f".{p.person_id:05d}@" in p.email
    owner: dict[str, int] = {}
    for rec in (*data.customers, *data.orders):
        key = normalize_email(rec.email)
        assert owner.setdefault(key, rec.person_id) == rec.person_id
        assert key == data.people_by_id[rec.person_id].email
    digits_owner: dict[str, int] = {}
    for rec in (*data.customers, *data.orders):
        if rec.phone is None:
            continue
        digits = re.sub(r"\D", "", rec.phone)[-10:]
        assert digits_owner.setdefault(digits, rec.person_id) == rec.person_id


def test_identity_noise_on_both_store_people(data):
    accounts = defaultdict(dict)
    for c in data.customers:
        accounts[c.person_id][c.store] = c
    both = data.both_store_person_ids
    email_differs = phone_differs = 0
    for pid in both:
        shop, woo = accounts[pid]["shopify"], accounts[pid]["woocommerce"]
        assert normalize_email(shop.email) == normalize_email(woo.email)
        email_differs += shop.email != woo.email
        if shop.phone and woo.phone:
            assert re.sub(r"\D", "", shop.phone)[-10:] == re.sub(r"\D", "", woo.phone)[-10:]
            phone_differs += shop.phone != woo.phone
    assert 0.30 <= email_differs / len(both) <= 0.50
    assert phone_differs > 0.3 * len(both)
    shop_phones = [c.phone for c in data.by_store("shopify").customers if c.phone]
    assert all(re.fullmatch(r"\+1\d{10}", p) for p in shop_phones)
    woo_phones = [c.phone for c in data.by_store("woocommerce").customers]
    shapes = {re.sub(r"\d", "9", p) for p in woo_phones if p}
    assert {"(999) 999-9999", "999.999.9999", "+99999999999"} <= shapes


def test_phones_valid(data):
    for p in data.people:
        num = phonenumbers.parse(p.phone, None)
        assert phonenumbers.is_valid_number(num), p.phone
        assert phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164) == p.phone
    for rec in (*data.customers, *data.orders):
        if rec.phone is None:
            continue
        num = phonenumbers.parse(rec.phone, "US")
        assert phonenumbers.is_valid_number(num), rec.phone
        canonical = data.people_by_id[rec.person_id].phone
        assert phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164) == canonical


def test_people_fields(data):
    for p in data.people:
        assert p.first_name and p.last_name
        assert set(p.address) == {"address1", "city", "province_code", "zip", "country_code"}
        assert p.address["country_code"] == "US"
        assert re.fullmatch(r"[A-Z]{2}", p.address["province_code"])
        assert re.fullmatch(r"\d{5}", p.address["zip"])
    assert any(p.birthday is None for p in data.people)
    assert any(p.birthday is not None for p in data.people)
    assert 0.3 < sum(p.accepts_marketing for p in data.people) / len(data.people) < 0.6


def test_timestamps_are_utc(data):
    for rec in (*data.customers, *data.products, *data.orders):
        assert rec.created_at.tzinfo is UTC and rec.updated_at.tzinfo is UTC
        assert rec.updated_at >= rec.created_at
    assert all(p.created_at < data.orders[0].created_at for p in data.products)
    assert len({o.created_at.time() for o in data.orders}) > 1000
    assert all(o.updated_at - o.created_at < timedelta(hours=5) for o in data.orders)


# -- immutability, caching, determinism --------------------------------------------------


def test_records_are_immutable_and_cached(data):
    assert build("sample", 7) is data
    assert build(source="sample") is data
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.orders[0].total = Decimal("1")  # type: ignore[misc]
    with pytest.raises(TypeError):
        data.people[0].address["city"] = "Elsewhere"
    assert json.loads(json.dumps(data.people[0].address)) == dict(data.people[0].address)
    assert isinstance(data.orders, tuple) and isinstance(data.orders[0].lines, tuple)
    refund = Refund(1, data.orders[0].created_at, Decimal("1.00"), "n", (RefundLine(1, 1, Decimal("1.00")),))
    assert refund.lines[0].amount == Decimal("1.00")


def test_deterministic(data):
    again = build_uncached("sample", 7)
    assert again is not data
    assert digest(again) == digest(data)
    code = "from sandbox.dataset import build, digest; print(digest(build('sample', 7)))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest(data)


def test_other_seed_differs(data):
    other = build("sample", 8)
    assert digest(other) != digest(data)
    assert other.both_store_person_ids != data.both_store_person_ids
    assert [p.email for p in other.people] != [p.email for p in data.people]
    # the CDNOW facts do not move with the seed
    assert sorted((o.source_row, o.total) for o in other.orders) == sorted((o.source_row, o.total) for o in data.orders)


def test_summary(data):
    s = summary(data)
    assert s["all"] == {
        "people": 2357,
        "both_store_people": len(data.both_store_person_ids),
        "orders": 6919,
    }
    assert s["shopify"]["orders"] + s["woocommerce"]["orders"] == 6919


def test_sandbox_imports_no_project_package():
    forbidden = {"app", "store", "connectors", "loyalty", "insights", "schema"}
    for path in SANDBOX.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path}: imports {name}"


def test_master_sizes_and_totals():
    d = build("master", 7)
    rows = raw_rows("master")
    assert len(rows) == len(d.orders) == 69659
    assert len(d.people) == 23570
    for o in d.orders:
        pid, ymd, n_cds, dollars = rows[o.source_row]
        assert (o.person_id, o.total, o.quantity) == (pid, dollars, n_cds)
        assert sum(line.line_total for line in o.lines) == o.subtotal
        assert o.subtotal - o.total_discount == o.total
    assert 0.18 <= len(d.both_store_person_ids) / len(d.people) <= 0.22
    assert len({p.phone for p in d.people}) == len({p.email for p in d.people}) == 23570
