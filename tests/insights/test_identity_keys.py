"""Identity keys and grouping: normalisation, fuzzy scores and cannot-link, without a database."""

from __future__ import annotations

from insights.identity.clusters import Clusters, Edge
from insights.identity.fuzzy import Person, match_score
from insights.identity.keys import (
    digest,
    normalize_address,
    normalize_email,
    normalize_phone,
    normalize_text,
)


def test_emails_differing_only_in_case_and_whitespace_normalise_to_one_mailbox():
    forms = ["ada.lovelace.00042@example.com", "  Ada.Lovelace.00042@EXAMPLE.COM ", "ADA.LOVELACE.00042@EXAMPLE.COM"]
    assert {normalize_email(f) for f in forms} == {"ada.lovelace.00042@example.com"}


def test_provider_aliases_are_folded_only_when_asked():
    assert normalize_email("A.Da+shop@gmail.com") == "a.da+shop@gmail.com"
    assert normalize_email("A.Da+shop@gmail.com", provider_aliases=True) == "ada@gmail.com"
    assert normalize_email("a.da@googlemail.com", provider_aliases=True) == "ada@gmail.com"
    assert normalize_email("a.da+x@outlook.com", provider_aliases=True) == "a.da@outlook.com"
    assert normalize_email("a.da+x@example.com", provider_aliases=True) == "a.da+x@example.com"


def test_things_that_are_not_email_addresses_give_no_key():
    assert normalize_email("") is None and normalize_email("n/a") is None and normalize_email("a@b") is None


def test_phones_in_every_format_the_stores_use_become_one_e164_number():
    forms = ["+13475550103", "(347) 555-0103", "347.555.0103", "347-555-0103", "+1 347-555-0103"]
    assert {normalize_phone(f) for f in forms} == {"+13475550103"}
    assert normalize_phone("020 7946 0018", "GB") == "+442079460018"


def test_invalid_or_empty_phones_give_no_key():
    assert normalize_phone("12") is None and normalize_phone("  ") is None and normalize_phone("call me") is None


def test_digests_differ_between_merchants_so_keys_never_match_across_tenants():
    assert digest(1, "email", "a@example.com") != digest(2, "email", "a@example.com")
    assert digest(1, "email", "a@example.com") == digest(1, "email", "a@example.com")


def _person(first: str, last: str, street: str | None, zip_code: str = "10001") -> Person:
    address = (
        normalize_address({"address1": street, "city": "New York", "zip": zip_code, "country_code": "US"})
        if street
        else None
    )
    return Person(normalize_text(first), normalize_text(last), address)


def test_a_similar_name_at_a_similar_address_scores_high():
    assert match_score(_person("Jon", "Smith", "12 Baker Street"), _person("John", "Smith", "12 Baker St.")) > 0.9


def test_a_name_alone_never_matches():
    assert match_score(_person("John", "Smith", None), _person("John", "Smith", None)) == 0.0
    assert match_score(_person("John", "Smith", "12 Baker Street"), _person("John", "Smith", "980 Elm Road")) == 0.0


def test_an_address_alone_never_matches():
    assert (
        match_score(_person("Maria", "Garcia", "12 Baker Street"), _person("Tom", "Okafor", "12 Baker Street")) == 0.0
    )


def test_customers_sharing_keys_form_one_group():
    clusters = Clusters([1, 2, 3, 4])
    clusters.join_all([Edge(1, 2, ("email",)), Edge(2, 3, ("phone",))])
    assert clusters.groups() == [[1, 2, 3], [4]]


def test_a_cannot_link_pair_stays_apart_even_through_a_chain_of_keys():
    clusters = Clusters([1, 2, 3], cannot_link=[(1, 3)])
    clusters.join_all([Edge(1, 2, ("email",)), Edge(2, 3, ("phone",))])
    assert clusters.groups() == [[1, 2], [3]]
    assert [(e.a, e.b) for e in clusters.used] == [(1, 2)]


def test_stronger_evidence_is_applied_first():
    clusters = Clusters([1, 2, 3], cannot_link=[(1, 3)])
    clusters.join_all([Edge(1, 2, ("name+address",), 0.95), Edge(2, 3, ("email", "phone"))])
    assert clusters.groups() == [[1], [2, 3]]
