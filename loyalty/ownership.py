"""Who may see and spend a balance: customer accounts share one only when ownership is established.

Insights groups accounts into one profile on unverified keys (an email typed at checkout), which
is right for analytics and wrong for money. Here each account's ``Customer.owner`` names the
profile its member is keyed on, and two accounts come to share a member only by

- the same email, verified by the platform on both accounts (Shopify's ``verified_email``;
  WooCommerce verifies no email, so its accounts never link this way);
- a link code the shopper made signed in on one account and redeemed signed in on the other
  (``loyalty.account_links``);
- the merchant confirming accounts of one profile (``confirm_accounts``).

A guest checkout earns into the member of the registered account on the same store whose
verified email it carries (Shopify attaches such checkouts to that customer too), else into a
member of its own that nobody can sign in to. Linking reuses ``merge.merge_members``, so a
member's ``merged_into`` chain is the only redirection loyalty follows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from loyalty.errors import AcrossMerchants, NotOnePerson
from loyalty.holders import holders
from loyalty.ledger import Book, Posting, ensure_members
from loyalty.merge import merge_members
from loyalty.models import EntryKind, Member, Transfer
from store.models import Customer, Profile
from store.models.customers import email_key
from store.people import ensure_profiles
from store.sql import delete_in, dialect_of, fill_nulls, insert_rows, select

_FAR = datetime.max.replace(tzinfo=UTC)


class OwnershipReason:
    """Why two accounts share a balance, recorded on the transfer entries of the link."""

    VERIFIED_EMAIL = "verified_email"
    SHOPPER_LINK = "shopper_link"
    MERCHANT_CONFIRMED = "merchant_confirmed"


async def owners_of_customers(customer_ids: Iterable[int]) -> dict[int, int]:
    """The member key of each account's balance, giving accounts loyalty has not seen an owner."""
    wanted = set(customer_ids)
    if not wanted:
        return {}
    conn = Customer._meta.db
    dialect = dialect_of(conn)
    found = await select(conn, Customer, ("id", "owner_id"), dialect.in_ids('"id"', 1), [dialect.ids(wanted)])
    owner_of: dict[int, int | None] = {int(row[0]): row[1] for row in found}
    missing = sorted(cid for cid, owner in owner_of.items() if owner is None)
    if missing:
        owner_of |= await assign_owners(missing)
    owned = {cid: owner for cid, owner in owner_of.items() if owner is not None}  # all of them, once assigned
    resolved = await holders(owned.values())
    return {cid: resolved[owner] for cid, owner in owned.items()}


async def assign_owners(customer_ids: list[int]) -> dict[int, int]:
    """Give each account without one an owner key, by the rules in the module docstring (batched)."""
    linked = await ensure_profiles(customer_ids)
    rows = await Customer.filter(id__in=customer_ids, owner_id=None).values(
        "id", "merchant_id", "store_id", "is_guest", "email", "verified_email"
    )
    for row in rows:
        row["profile_id"] = linked[row["id"]]
    verified, followers = await _verified_owners(rows)
    await _claim_many(verified)
    await settle_profiles({row["profile_id"] for row in rows})
    rest = {row["id"]: row for row in rows if row["id"] not in followers}
    rest = {
        cid: rest[cid] for cid in await Customer.filter(id__in=list(rest), owner_id=None).values_list("id", flat=True)
    }
    if rest:
        await _own_owners(list(rest.values()))
    if followers:
        led = dict(
            await Customer.filter(id__in=set(followers.values()), owner_id__not_isnull=True).values_list(
                "id", "owner_id"
            )
        )
        await _claim_many({f: led[leader] for f, leader in followers.items() if leader in led})
    return dict(await Customer.filter(id__in=customer_ids, owner_id__not_isnull=True).values_list("id", "owner_id"))


def _email(value: str | None) -> str:
    return email_key(value) or ""


async def _verified_owners(rows: list[dict]) -> tuple[dict[int, int], dict[int, int]]:
    """For verified accounts and guests: the owner of a verified account with the same email (for a
    guest, on its own store). Accounts of this batch that match one another and nobody owned yet
    follow the first of them: the second map names, for each follower, the account it follows."""
    asking = [row for row in rows if _email(row["email"]) and (row["verified_email"] or row["is_guest"])]
    if not asking:
        return {}, {}
    matches = (
        await Customer.filter(
            merchant_id__in={r["merchant_id"] for r in asking}, verified_email=True, is_guest=False, deleted_at=None
        )
        .filter(email_key__in=list({_email(r["email"]) for r in asking}))
        .order_by("id")
        .values("id", "merchant_id", "store_id", "email_key", "owner_id")
    )
    by_email: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for m in matches:  # in id order, as the query returns them
        by_email[(m["merchant_id"], m["email_key"])].append(m)
    in_batch = {row["id"] for row in rows}
    found: dict[int, int] = {}
    followers: dict[int, int] = {}
    for row in asking:
        candidates = [
            m
            for m in by_email.get((row["merchant_id"], _email(row["email"])), ())
            if m["id"] != row["id"] and (not row["is_guest"] or m["store_id"] == row["store_id"])
        ]
        owned = [m["owner_id"] for m in candidates if m["owner_id"] is not None]
        leaders = [m["id"] for m in candidates if m["id"] in in_batch and (row["is_guest"] or m["id"] < row["id"])]
        if owned:
            found[row["id"]] = owned[0]
        elif leaders:
            followers[row["id"]] = leaders[0]
        elif candidates and row["is_guest"]:
            first = candidates[0]["id"]
            found[row["id"]] = (await owners_of_customers([first]))[first]
    return found, followers


def _keeping_order(row: dict) -> tuple:
    """Who of a profile's accounts keeps its key: registered before guests, verified first, then the oldest."""
    return (row["is_guest"], not row["verified_email"], row["platform_created_at"] or _FAR, row["id"])


async def _own_owners(rows: list[dict]) -> None:
    """The insight profile is the owner key of one of its accounts, the keeper (``_keeping_order``),
    when no account holds it yet; every other account gets a new key (a profile merged into its
    person, so the admin finds the person behind it)."""
    profile_ids = {row["profile_id"] for row in rows}
    accounts: dict[int, list[dict]] = defaultdict(list)
    for account in await Customer.filter(profile_id__in=profile_ids, deleted_at=None).values(
        "id", "profile_id", "is_guest", "verified_email", "platform_created_at"
    ):
        accounts[account["profile_id"]].append(account)
    used = set(await Customer.filter(owner_id__in=profile_ids).values_list("owner_id", flat=True))
    keepers = {pid: min(group, key=_keeping_order)["id"] for pid, group in accounts.items() if pid not in used}
    keeping = [row for row in rows if keepers.get(row["profile_id"]) == row["id"]]
    # One statement for the usual case, an account alone in its profile; only while the account is
    # still in the profile read above: identity may have moved it into another person's profile
    # since, whose key is not this account's to take.
    await _claim_many({row["id"]: row["profile_id"] for row in keeping}, in_profile=True)
    keeping = [row["id"] for row in keeping]
    claimed = set(await Customer.filter(id__in=keeping, owner_id__not_isnull=True).values_list("id", flat=True))
    others = [row for row in rows if row["id"] not in claimed]
    if not others:
        return
    conn = Customer._meta.db
    now = datetime.now(UTC)
    made = await insert_rows(
        conn,
        Profile,
        [
            {"merchant_id": r["merchant_id"], "merged_into_id": r["profile_id"], "created_at": now, "updated_at": now}
            for r in others
        ],
        returning=("id", "merged_into_id"),
    )
    anchors: dict[int, list[int]] = defaultdict(list)  # anchors of one profile are alike: any fits any account
    for anchor in made:
        anchors[anchor["merged_into_id"]].append(anchor["id"])
    wanted = {row["id"]: anchors[row["profile_id"]].pop() for row in others}
    taken = await _claim_many(wanted)
    # assigned concurrently: theirs stands, and the anchor made for it goes
    await delete_in(conn, Profile, "id", [anchor for cid, anchor in wanted.items() if cid not in taken])


async def _claim(customer_id: int, owner: int) -> bool:
    return bool(await Customer.filter(id=customer_id, owner_id=None).update(owner_id=owner))


async def _claim_many(owners: Mapping[int, int], *, in_profile: bool = False) -> set[int]:
    """``_claim`` for many accounts in one statement per chunk; returns the accounts claimed (an
    account someone gave an owner meanwhile keeps theirs). ``in_profile``: only an account whose
    profile is still its new owner key. A batch of new accounts costs a few statements, not one
    per account."""
    return await fill_nulls(
        Customer._meta.db, Customer, "owner_id", owners, while_equal="profile_id" if in_profile else None
    )


async def settle_profiles(profile_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Give a balance kept before ownership was tracked to one account of its profile.

    A member keyed on an insight profile held every account insights put there. The earliest
    registered account with a verified email (else the earliest account, ``_keeping_order``) keeps the balance, with the
    verified accounts sharing its email; every other account gets a member of its own at zero,
    and zero transfer entries on both record the split. Returns the accounts split off.
    """
    now = now or datetime.now(UTC)
    wanted = sorted(set(profile_ids))
    if not wanted:
        return 0
    kept = set(await Member.filter(profile_id__in=wanted).values_list("profile_id", flat=True))
    owned = set(await Customer.filter(owner_id__in=list(kept)).values_list("owner_id", flat=True))
    pending = sorted(kept - owned)
    if not pending:
        return 0
    rows = await Customer.filter(profile_id__in=pending, owner_id=None).values(
        "id", "merchant_id", "profile_id", "email", "verified_email", "is_guest", "platform_created_at"
    )
    by_profile: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_profile[row["profile_id"]].append(row)
    split = 0
    for profile_id, accounts in sorted(by_profile.items()):
        accounts.sort(key=_keeping_order)
        keeper = accounts[0]
        email = email_key(keeper["email"])
        for account in accounts:
            shares = account is keeper or (
                keeper["verified_email"] and account["verified_email"] and email_key(account["email"]) == email
            )
            if shares:
                await _claim(account["id"], profile_id)
                continue
            anchor = await Profile.create(merchant_id=account["merchant_id"], merged_into_id=profile_id)
            if not await _claim(account["id"], anchor.id):
                await anchor.delete()
                continue
            await _record_split(account["merchant_id"], profile_id, anchor.id, account["id"], now)
            split += 1
    return split


async def _record_split(merchant_id: int, kept: int, anchor: int, customer_id: int, now: datetime) -> None:
    async with in_transaction() as conn:
        book = await Book.open(conn, merchant_id, [kept, anchor], now)
        data = {"customer_id": customer_id, "reason": "ownership not established"}
        book.post(
            Posting(
                kept,
                EntryKind.TRANSFER_OUT,
                f"ownership-split:{customer_id}:out",
                now,
                cause="ownership_split",
                data={**data, "to": anchor},
            )
        )
        book.post(
            Posting(
                anchor,
                EntryKind.TRANSFER_IN,
                f"ownership-split:{customer_id}:in",
                now,
                cause="ownership_split",
                data={**data, "from": kept},
            )
        )
        await book.flush()


async def settle_all() -> int:
    """``settle_profiles`` for every member no account owns yet (run by ``rapport migrate``)."""
    owned = Customer.filter(owner_id__not_isnull=True).values_list("owner_id", flat=True)
    profiles = (
        await Member.filter(merged_into_id=None)
        .exclude(profile_id__in=await owned)
        .values_list("profile_id", flat=True)
    )
    return await settle_profiles(profiles)


async def link_accounts(customer_ids: Iterable[int], reason: str, *, now: datetime | None = None) -> list[Transfer]:
    """Make these accounts share one balance (ownership established); idempotent."""
    owners = await owners_of_customers(customer_ids)
    keys = sorted(set(owners.values()))
    if len(keys) < 2:
        return []
    merchant_ids = set(await Profile.filter(id__in=keys).values_list("merchant_id", flat=True))
    if len(merchant_ids) != 1:
        raise AcrossMerchants("accounts of different merchants cannot share a balance")
    async with in_transaction() as conn:
        await ensure_members(conn, merchant_ids.pop(), keys)
    survivor, transfers = keys[0], []
    for absorbed in keys[1:]:
        transfer = await merge_members(survivor, absorbed, now=now, cause=reason)
        if transfer is not None:
            transfers.append(transfer)
    return transfers


async def link_verified(customer_ids: Iterable[int]) -> list[Transfer]:
    """Join the balances of accounts whose same email the platform verified on each."""
    rows = (
        await Customer.filter(id__in=list(set(customer_ids)), verified_email=True, is_guest=False, deleted_at=None)
        .exclude(email=None)
        .values("merchant_id", "email")
    )
    if not rows:
        return []
    same = (
        await Customer.filter(
            merchant_id__in={r["merchant_id"] for r in rows}, verified_email=True, is_guest=False, deleted_at=None
        )
        .filter(email_key__in=list({_email(r["email"]) for r in rows}))
        .values("id", "merchant_id", "email_key")
    )
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in same:
        groups[(row["merchant_id"], row["email_key"])].append(row["id"])
    transfers: list[Transfer] = []
    for _, ids in sorted(groups.items()):
        if len(ids) > 1:
            transfers += await link_accounts(ids, OwnershipReason.VERIFIED_EMAIL)
    return transfers


async def confirm_accounts(customer_ids: list[int]) -> list[Transfer]:
    """The merchant confirms accounts insights matched as one person: they share a balance."""
    profiles = set(await Customer.filter(id__in=customer_ids).values_list("profile_id", flat=True))
    if len(profiles) != 1 or None in profiles:
        raise NotOnePerson("only accounts matched as one person can be confirmed")
    return await link_accounts(customer_ids, OwnershipReason.MERCHANT_CONFIRMED)
