"""Similarity of two customers by name and address, for the optional fuzzy match.

A fuzzy match needs both parts to agree: a shared name alone (two John Smiths) or a
shared address alone (a household, a flat share) never links two customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

PART_MINIMUM = 0.8
"""Neither the name nor the address may score below this, whatever the other one does."""


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    address: dict[str, str] | None


def similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def name_score(a: Person, b: Person) -> float:
    """Surnames weigh more than first names, and an initial matches its full first name."""
    if not a.last or not b.last:
        return 0.0
    first = similarity(a.first, b.first)
    if a.first and b.first and (len(a.first) == 1 or len(b.first) == 1) and a.first[0] == b.first[0]:
        first = max(first, 0.9)
    return 0.35 * first + 0.65 * similarity(a.last, b.last)


def address_score(a: Person, b: Person) -> float:
    if not a.address or not b.address:
        return 0.0
    x, y = a.address, b.address
    if x["country"] and y["country"] and x["country"] != y["country"]:
        return 0.0
    place = 1.0 if (x["zip"] and x["zip"] == y["zip"]) else similarity(x["city"], y["city"])
    return 0.75 * similarity(x["street"], y["street"]) + 0.25 * place


def match_score(a: Person, b: Person) -> float:
    """Mean of name and address similarity, or 0 when either part is too weak on its own."""
    name, address = name_score(a, b), address_score(a, b)
    if name < PART_MINIMUM or address < PART_MINIMUM:
        return 0.0
    return (name + address) / 2
