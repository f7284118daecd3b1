"""Accounts compare emails by one key written with the account, so both backends match the same
accounts (SQLite's ``lower`` folds ASCII only) and the lookup per batch of orders is indexed."""

from __future__ import annotations

import pytest

from loyalty.ownership import link_verified, owners_of_customers
from loyalty.processing import process_orders
from loyalty.rules import Rules
from store.models import Customer
from store.records import guest_platform_id
from tests.loyalty.helpers import at
from tests.loyalty.test_ownership import account, balance

pytestmark = pytest.mark.db


async def test_a_guest_checkout_finds_the_verified_account_whose_email_differs_only_in_non_ascii_case(shop):
    await shop.program(Rules())
    asa = await account(shop, shop.store, "a1", "ÅSA@Exämple.org", verified=True)
    pid = guest_platform_id("åsa@exämple.org")
    guest = await account(shop, shop.store, pid, " åsa@exÄmple.org ", guest=True)
    await process_orders([await shop.order(pid, [("x", 10)])], now=at(0))
    owners = await owners_of_customers([asa, guest])
    assert owners[guest] == owners[asa] and await balance(asa) == 10


async def test_verified_accounts_differing_in_non_ascii_case_share_one_balance(shop):
    await shop.program(Rules())
    a = await account(shop, shop.store, "a1", "ÅSA@example.org", verified=True)
    b = await account(shop, shop.other, "b1", "åsa@example.org")
    await process_orders(
        [await shop.order("a1", [("x", 30)]), await shop.order("b1", [("x", 12)], store=shop.other)], now=at(0)
    )
    await account(shop, shop.other, "b1", "åsa@example.org", verified=True)
    [transfer] = await link_verified([b])
    assert transfer.pending == 12 and (await balance(a), await balance(b)) == (42, 42)


async def test_an_account_whose_email_changes_is_found_by_its_new_email_only(shop):
    await shop.program(Rules())
    ann = await account(shop, shop.store, "a1", "ann@example.org", verified=True)
    await account(shop, shop.store, "a1", "Anna@Example.org", verified=True)
    old, new = guest_platform_id("ann@example.org"), guest_platform_id("anna@example.org")
    first = await account(shop, shop.store, old, "ann@example.org", guest=True)
    second = await account(shop, shop.store, new, "anna@example.org", guest=True)
    await process_orders([await shop.order(old, [("x", 5)]), await shop.order(new, [("x", 7)])], now=at(0))
    owners = await owners_of_customers([ann, first, second])
    assert owners[second] == owners[ann] != owners[first]
    assert (await Customer.get(id=ann)).email_key == "anna@example.org"
