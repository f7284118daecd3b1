# ruff: noqa: F811  (pytest fixtures imported from the schema tests are parameters of the tests)
"""Complaints over GraphQL: the signed-in shopper files for themselves only (their account, their
own order, bounded text, one complaint per request key, a daily limit) and never sees notes or the
assignee; the merchant lists, filters, replies (mailed), notes (not mailed), assigns and resolves
only its own complaints: another merchant's id is not found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.models import Message, MessageKind, MessageStatus
from feedback.complaints import SHOPPER_DAILY_LIMIT
from feedback.models import Complaint, ComplaintMessage, ComplaintStatus, FeedbackSource, MessageAuthor
from schema.core.ids import to_gid
from store.models import Customer, Order
from tests.schema.conftest import (  # noqa: F401  (the seeded world and the app over HTTP)
    admin,
    client,
    data,
    database_url,
    db,
    error_code,
    private_client,
    private_db,
    private_world,
    settings,
    shared,
    storefront,
    template,
    world,
)
from tests.schema.test_storefront_loyalty import signed_in
from tests.store.test_upsert import counted_statements

pytestmark = pytest.mark.db

CREATE = """mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) {
  complaint { id reference kind category status subject receivedAt messages { author body } }
  userErrors { field message code } } }"""
ADMIN_CREATE = """mutation($input: AdminComplaintCreateInput!) { complaintCreate(input: $input) {
  complaint { id reference source status profile { id } order { id } } userErrors { field message code } } }"""
REPLY = """mutation($input: ComplaintReplyInput!) { complaintReply(input: $input) {
  complaint { id status firstResponseAt firstResponseMinutes responseBreached resolvedAt }
  email { status kind toEmail } userErrors { field message code } } }"""
NOTE = """mutation($input: ComplaintNoteInput!) { complaintNote(input: $input) {
  complaint { id messages { author body } } userErrors { field message code } } }"""
UPDATE = """mutation($input: ComplaintUpdateInput!) { complaintUpdate(input: $input) {
  complaint { id status assignee category resolvedAt resolutionMinutes } userErrors { field message code } } }"""
LIST = """query($status: [ComplaintStatus!], $breached: Boolean, $profileId: ID, $assignee: String) {
  complaints(first: 50, status: $status, breached: $breached, profileId: $profileId, assignee: $assignee) {
    nodes { id reference status assignee responseBreached resolutionBreached firstResponseMinutes } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Complaint { id reference subject
  messages { author body mailed } } } }"""
ONE = """query($id: ID!) { complaint(id: $id) { id subject messages { id author authorName } } }"""


def complaint_input(**over) -> dict:
    return {"category": "DELIVERY", "subject": "Late parcel", "body": "It is a week late.", **over}


async def own_order(customer: Customer) -> Order:
    return await Order.filter(customer_id=customer.id).order_by("id").first()


async def test_a_shopper_files_a_complaint_about_their_own_order_once_per_request_key(client, world):
    me = await signed_in(client, world.shopper)
    order = await own_order(world.shopper)
    variables = {"input": complaint_input(orderId=to_gid("Order", order.id), requestKey="k-1", kind="REQUEST")}
    first = data(await storefront(client, world.shopify, CREATE, variables, headers=me))["complaintCreate"]
    again = data(await storefront(client, world.shopify, CREATE, variables, headers=me))["complaintCreate"]
    assert first["userErrors"] == [] and again["complaint"]["id"] == first["complaint"]["id"]
    shown = first["complaint"]
    assert (shown["kind"], shown["category"], shown["status"], shown["subject"]) == (
        "REQUEST",
        "DELIVERY",
        "OPEN",
        "Late parcel",
    )
    assert shown["messages"] == [{"author": "SHOPPER", "body": "It is a week late."}]
    (row,) = await Complaint.filter(merchant_id=world.merchant.id)
    assert shown["reference"] == f"C-{row.id:06d}"
    assert (row.customer_id, row.profile_id, row.order_id, row.store_id, row.source) == (
        world.shopper.id,
        (await Customer.get(id=world.shopper.id)).profile_id,
        order.id,
        world.shopify.id,
        FeedbackSource.WIDGET,
    )


async def test_anonymous_callers_foreign_orders_oversized_text_and_floods_are_refused(client, world):
    anonymous = await storefront(client, world.shopify, CREATE, {"input": complaint_input()})
    assert error_code(anonymous) == "UNAUTHENTICATED"
    me = await signed_in(client, world.shopper)
    theirs = await own_order(world.other_shopper)
    cases = [
        (complaint_input(orderId=to_gid("Order", theirs.id)), ["input", "orderId"]),
        (complaint_input(orderId=to_gid("Order", 999_999_999)), ["input", "orderId"]),
        (complaint_input(orderId=to_gid("Profile", 1)), ["input", "orderId"]),
        (complaint_input(subject="s" * 201), ["input", "subject"]),
        (complaint_input(body="b" * 5001), ["input", "body"]),
        (complaint_input(body="   "), ["input", "body"]),
        (complaint_input(requestKey="k" * 65), ["input", "requestKey"]),
    ]
    for variables, field in cases:
        answer = data(await storefront(client, world.shopify, CREATE, {"input": variables}, headers=me))
        (refusal,) = answer["complaintCreate"]["userErrors"]
        assert (refusal["field"], refusal["code"], answer["complaintCreate"]["complaint"]) == (field, "INVALID", None)
    assert await Complaint.filter(merchant_id=world.merchant.id).count() == 0
    for n in range(SHOPPER_DAILY_LIMIT):
        ok = data(
            await storefront(client, world.shopify, CREATE, {"input": complaint_input(requestKey=f"f{n}")}, headers=me)
        )
        assert ok["complaintCreate"]["userErrors"] == []
    flood = data(
        await storefront(client, world.shopify, CREATE, {"input": complaint_input(requestKey="f-x")}, headers=me)
    )
    (refusal,) = flood["complaintCreate"]["userErrors"]
    assert "24 hours" in refusal["message"] and flood["complaintCreate"]["complaint"] is None
    retry = data(
        await storefront(client, world.shopify, CREATE, {"input": complaint_input(requestKey="f0")}, headers=me)
    )
    assert retry["complaintCreate"]["userErrors"] == [], "a retry of one already filed still answers it"
    assert await Complaint.filter(merchant_id=world.merchant.id).count() == SHOPPER_DAILY_LIMIT
    other = await signed_in(client, world.other_shopper)
    ok = data(
        await storefront(client, world.shopify, CREATE, {"input": complaint_input(requestKey="f0")}, headers=other)
    )
    assert ok["complaintCreate"]["userErrors"] == [], "the limit is per shopper"
    assert ok["complaintCreate"]["complaint"]["id"] != retry["complaintCreate"]["complaint"]["id"], (
        "a request key is the shopper's own: the same key from another shopper files their own complaint"
    )
    assert await Complaint.filter(merchant_id=world.merchant.id).count() == SHOPPER_DAILY_LIMIT + 1


async def test_the_merchant_replies_by_mail_notes_internally_assigns_and_resolves(client, world):
    profile_id = (await Customer.get(id=world.shopper.id)).profile_id
    order = await own_order(world.shopper)
    made = data(
        await admin(
            client,
            ADMIN_CREATE,
            {
                "input": complaint_input(
                    profileId=to_gid("Profile", profile_id), orderId=to_gid("Order", order.id), category="PRODUCT"
                )
            },
        )
    )["complaintCreate"]
    assert made["userErrors"] == [] and made["complaint"]["source"] == "DASHBOARD"
    someone_elses = await own_order(world.other_shopper)
    wrong = data(
        await admin(
            client,
            ADMIN_CREATE,
            {
                "input": complaint_input(
                    profileId=to_gid("Profile", profile_id), orderId=to_gid("Order", someone_elses.id)
                )
            },
        )
    )["complaintCreate"]
    assert (wrong["complaint"], wrong["userErrors"][0]["field"]) == (None, ["input", "orderId"])
    assert await Complaint.filter(merchant_id=world.merchant.id).count() == 1
    assert made["complaint"]["order"] == {"id": to_gid("Order", order.id)}
    cid = made["complaint"]["id"]
    noted = data(await admin(client, NOTE, {"input": {"complaintId": cid, "body": "VIP: refund without asking"}}))
    assert noted["complaintNote"]["complaint"]["messages"][-1] == {
        "author": "NOTE",
        "body": "VIP: refund without asking",
    }
    assert await Message.filter(merchant_id=world.merchant.id, template="complaint_reply").count() == 0
    replied = data(await admin(client, REPLY, {"input": {"complaintId": cid, "body": "A new one is on its way."}}))
    reply = replied["complaintReply"]
    assert (
        reply["userErrors"] == [] and reply["email"]["status"] == "QUEUED" and reply["email"]["kind"] == "TRANSACTIONAL"
    )
    assert reply["complaint"]["status"] == "WAITING" and reply["complaint"]["firstResponseAt"] is not None
    assert 0 <= reply["complaint"]["firstResponseMinutes"] < 5 and reply["complaint"]["responseBreached"] is False
    (mail,) = await Message.filter(merchant_id=world.merchant.id, template="complaint_reply")
    assert mail.data["reply"] == "A new one is on its way." and mail.data["reference"].startswith("C-")
    assert "VIP" not in str(mail.data)
    updated = data(
        await admin(client, UPDATE, {"input": {"complaintId": cid, "assignee": "sam", "status": "RESOLVED"}})
    )
    done = updated["complaintUpdate"]["complaint"]
    assert (done["status"], done["assignee"], done["resolvedAt"] is not None) == ("RESOLVED", "sam", True)
    refused = data(await admin(client, REPLY, {"input": {"complaintId": cid, "body": "One more thing"}}))
    assert refused["complaintReply"]["userErrors"][0]["code"] == "WRONG_STATUS"
    reopened = data(await admin(client, UPDATE, {"input": {"complaintId": cid, "status": "OPEN"}}))
    assert reopened["complaintUpdate"]["complaint"]["resolvedAt"] is None
    node = data(await admin(client, NODE, {"id": cid}))["node"]
    assert [m["author"] for m in node["messages"]] == ["SHOPPER", "NOTE", "MERCHANT"]
    assert [m["mailed"] for m in node["messages"]] == [False, False, True]
    one = data(await admin(client, ONE, {"id": cid}))["complaint"]
    assert one["id"] == cid and len({m["id"] for m in one["messages"]}) == 3
    assert one["messages"][1]["authorName"].startswith("admin:")  # who wrote the note: an id, never a name


async def test_the_list_filters_by_status_breach_person_and_assignee(client, world):
    now = datetime.now(UTC)
    profile_id = (await Customer.get(id=world.shopper.id)).profile_id
    other_profile = (await Customer.get(id=world.other_shopper.id)).profile_id

    async def planted(profile: int, received: timedelta, responded: timedelta | None, **over) -> Complaint:
        return await Complaint.create(
            merchant_id=world.merchant.id,
            profile_id=profile,
            source=FeedbackSource.API,
            subject="planted",
            received_at=now - received,
            first_response_at=now - received + responded if responded is not None else None,
            **over,
        )

    fresh = await planted(profile_id, timedelta(minutes=30), None)  # within the hour, still open
    late_open = await planted(profile_id, timedelta(minutes=61), None, assignee="sam")  # no answer past the hour
    late_answer = await planted(
        other_profile, timedelta(hours=3), timedelta(minutes=90), status=ComplaintStatus.WAITING
    )
    quick = await planted(other_profile, timedelta(hours=3), timedelta(minutes=10), status=ComplaintStatus.WAITING)

    async def ids(**variables) -> set[str]:
        return {n["id"] for n in data(await admin(client, LIST, variables))["complaints"]["nodes"]}

    def gid(*rows: Complaint) -> set[str]:
        return {to_gid("Complaint", r.id) for r in rows}

    assert await ids() == gid(fresh, late_open, late_answer, quick)
    assert await ids(breached=True) == gid(late_open, late_answer)
    assert await ids(breached=False) == gid(fresh, quick)
    assert await ids(status=["WAITING"]) == gid(late_answer, quick)
    assert await ids(profileId=to_gid("Profile", profile_id)) == gid(fresh, late_open)
    assert await ids(assignee="sam") == gid(late_open)
    assert await ids(assignee="") == gid(fresh, late_answer, quick)
    nodes = {n["id"]: n for n in data(await admin(client, LIST))["complaints"]["nodes"]}
    assert nodes[to_gid("Complaint", late_answer.id)]["firstResponseMinutes"] == 90.0
    assert nodes[to_gid("Complaint", fresh.id)]["responseBreached"] is False


async def test_another_merchants_complaint_is_not_found(client, world):
    stranger = await Customer.create(
        merchant_id=world.other_merchant.id,
        store=world.other_store,
        platform_id="x-1",
        email="zoe@example.com",
        platform_updated_at=datetime.now(UTC),
        content_hash="x",
    )
    from store.people import ensure_profiles

    theirs = await Complaint.create(
        merchant_id=world.other_merchant.id,
        profile_id=(await ensure_profiles([stranger.id]))[stranger.id],
        customer_id=stranger.id,
        source=FeedbackSource.API,
        subject="Not yours",
        received_at=datetime.now(UTC),
    )
    await ComplaintMessage.create(
        complaint=theirs, author=MessageAuthor.SHOPPER, body="secret", created_at=datetime.now(UTC)
    )
    gid = to_gid("Complaint", theirs.id)
    assert data(await admin(client, NODE, {"id": gid}))["node"] is None
    assert data(await admin(client, ONE, {"id": gid}))["complaint"] is None
    assert data(await admin(client, LIST))["complaints"]["nodes"] == []
    for query, variables in (
        (REPLY, {"complaintId": gid, "body": "hi"}),
        (NOTE, {"complaintId": gid, "body": "hi"}),
        (UPDATE, {"complaintId": gid, "status": "RESOLVED"}),
    ):
        answer = data(await admin(client, query, {"input": variables}))
        (refusal,) = next(iter(answer.values()))["userErrors"]
        assert (refusal["code"], refusal["field"]) == ("NOT_FOUND", ["input", "complaintId"])
    foreign = await admin(
        client, ADMIN_CREATE, {"input": complaint_input(profileId=to_gid("Profile", theirs.profile_id))}
    )
    assert data(foreign)["complaintCreate"]["userErrors"][0]["code"] == "NOT_FOUND"
    row = await Complaint.get(id=theirs.id)
    assert (row.status, row.first_response_at) == (ComplaintStatus.OPEN, None)
    assert await ComplaintMessage.filter(complaint_id=theirs.id).count() == 1
    assert await Message.filter(kind=MessageKind.TRANSACTIONAL, status=MessageStatus.QUEUED).count() == 0


MINE = """query($first: Int) { me { feedback { complaints(first: $first) {
  id reference status subject messages { author body createdAt } } } } }"""


async def test_the_shopper_sees_their_own_complaints_and_replies_but_never_notes_nor_the_assignee(client, world):
    me = await signed_in(client, world.shopper)
    made = []
    for n in range(3):
        answer = await storefront(
            client, world.shopify, CREATE, {"input": complaint_input(subject=f"n{n}")}, headers=me
        )
        made.append(data(answer)["complaintCreate"]["complaint"]["id"])
    cid = made[0]
    await admin(client, NOTE, {"input": {"complaintId": cid, "body": "INTERNAL: difficult customer"}})
    await admin(client, UPDATE, {"input": {"complaintId": cid, "assignee": "sam"}})
    await admin(client, REPLY, {"input": {"complaintId": cid, "body": "Sorry! A refund is on its way."}})
    mine = data(await storefront(client, world.shopify, MINE, {"first": 10}, headers=me))["me"]["feedback"][
        "complaints"
    ]
    assert [c["subject"] for c in mine] == ["n2", "n1", "n0"], "newest first"
    answered = mine[-1]
    assert answered["id"] == cid and answered["status"] == "WAITING"
    assert [(m["author"], m["body"]) for m in answered["messages"]] == [
        ("SHOPPER", "It is a week late."),
        ("MERCHANT", "Sorry! A refund is on its way."),
    ]
    two = data(await storefront(client, world.shopify, MINE, {"first": 2}, headers=me))["me"]["feedback"]["complaints"]
    assert len(two) == 2
    other = await signed_in(client, world.other_shopper)
    theirs = data(await storefront(client, world.shopify, MINE, {"first": 10}, headers=other))
    assert theirs["me"]["feedback"]["complaints"] == []
    nosy = await storefront(client, world.shopify, "{ me { feedback { complaints { assignee } } } }", headers=me)
    assert "errors" in nosy.json() and "assignee" in nosy.json()["errors"][0]["message"]


PAGE = """query($n: Int!) { complaints(first: $n) { nodes { id reference profile { id } order { id name }
  messages { author body } responseBreached resolutionBreached firstResponseMinutes } } }"""
MINE_PAGE = """query($n: Int) { me { feedback { complaints(first: $n) { id messages { author body } } } } }"""


async def test_a_page_of_complaints_costs_the_same_statements_for_3_or_12(client, world):
    account = await Customer.get(id=world.shopper.id)
    orders = await Order.filter(merchant_id=world.merchant.id, customer_id__not_isnull=True).order_by("id").limit(12)
    now = datetime.now(UTC)
    for n, order in enumerate(orders):
        owner = await Customer.get(id=order.customer_id)
        complaint = await Complaint.create(
            merchant_id=world.merchant.id,
            profile_id=owner.profile_id,
            customer_id=account.id if n % 2 else owner.id,
            store_id=order.store_id,
            order_id=order.id,
            source=FeedbackSource.API,
            subject=f"planted {n}",
            received_at=now - timedelta(hours=n),
        )
        for author in (MessageAuthor.SHOPPER, MessageAuthor.NOTE, MessageAuthor.MERCHANT):
            await ComplaintMessage.create(complaint=complaint, author=author, body=f"{author} {n}", created_at=now)
    await admin(client, "{ complaints(first: 1) { nodes { id } } }")  # the session's merchant, resolved once
    with counted_statements() as three:
        small = data(await admin(client, PAGE, {"n": 3}))["complaints"]["nodes"]
    with counted_statements() as twelve:
        large = data(await admin(client, PAGE, {"n": 12}))["complaints"]["nodes"]
    assert len(small) == 3 and len(large) == 12 and all(n["order"]["name"] for n in large)
    assert all(len(n["messages"]) == 3 for n in large)
    assert 0 < len(twelve) == len(three) <= 10, twelve
    me = await signed_in(client, world.shopper)
    with counted_statements() as two:
        few = data(await storefront(client, world.shopify, MINE_PAGE, {"n": 2}, headers=me))
    with counted_statements() as six:
        more = data(await storefront(client, world.shopify, MINE_PAGE, {"n": 6}, headers=me))
    assert len(few["me"]["feedback"]["complaints"]) == 2 and len(more["me"]["feedback"]["complaints"]) == 6
    assert all(m["author"] != "NOTE" for c in more["me"]["feedback"]["complaints"] for m in c["messages"])
    assert len(two) == len(six), six
