"""Identities of the sandbox people, plus the ways stores write them down.

Names and addresses come from Faker seeded with the data set seed. Emails embed the
CDNOW id (``first.last.00042@example.com``), phones are fictitious US numbers
``+1 AAA 555-01XX`` drawn without replacement, so no two people share either.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta

from faker import Faker

from .model import Person, ReadOnlyDict

# US area codes in service (all accepted by libphonenumber's US metadata together
# with the fictitious 555-0100..555-0199 range). 272 codes x 100 lines = 27,200 numbers.
AREA_CODES: tuple[int, ...] = (
    201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218,
    219, 224, 225, 228, 229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260,
    262, 267, 269, 270, 276, 281, 301, 302, 303, 304, 305, 307, 308, 309, 310, 312,
    313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 325, 330, 334, 336, 337, 339,
    347, 351, 352, 360, 361, 386, 401, 402, 404, 405, 406, 407, 408, 409, 410, 412,
    413, 414, 415, 417, 419, 423, 424, 425, 430, 432, 434, 435, 440, 443, 469, 470,
    475, 478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513,
    515, 516, 517, 518, 520, 530, 540, 541, 551, 559, 561, 562, 563, 567, 570, 571,
    573, 574, 575, 580, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609, 610, 612,
    614, 615, 616, 617, 618, 619, 620, 623, 626, 630, 631, 636, 641, 646, 650, 651,
    660, 661, 662, 678, 682, 701, 702, 703, 704, 706, 707, 708, 712, 713, 714, 715,
    716, 717, 718, 719, 720, 724, 727, 731, 732, 734, 740, 754, 757, 760, 763, 765,
    770, 772, 773, 774, 775, 781, 785, 786, 801, 802, 803, 804, 805, 806, 808, 810,
    812, 813, 814, 815, 816, 817, 818, 828, 830, 831, 832, 843, 845, 847, 848, 850,
    856, 857, 858, 859, 860, 862, 863, 864, 865, 870, 901, 903, 904, 906, 907, 908,
    909, 910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925, 928, 931, 936, 937,
    940, 941, 947, 949, 952, 954, 956, 970, 971, 972, 973, 978, 979, 980, 985, 989,
)  # fmt: skip
EXCHANGE = 555
FIRST_LINE = 100  # 555-0100 .. 555-0199 are reserved for fiction
LINES_PER_AREA = 100
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

PHONE_STYLES = ("e164", "paren", "dots", "dashes", "plus_dashes")
EMAIL_STYLES = ("upper", "capitalized", "spaces", "mixed_spaces")


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_name.lower()) or "x"


def make_email(first: str, last: str, person_id: int, domain: str) -> str:
    return f"{_slug(first)}.{_slug(last)}.{person_id:05d}@{domain}"


def format_phone(e164: str, style: str) -> str:
    """Write a canonical ``+1AAAEEELLLL`` number the way a form might hold it."""
    if not (e164.startswith("+1") and len(e164) == 12):
        raise ValueError(f"not a US E.164 number: {e164!r}")
    a, e, n = e164[2:5], e164[5:8], e164[8:]
    match style:
        case "e164":
            return e164
        case "paren":
            return f"({a}) {e}-{n}"
        case "dots":
            return f"{a}.{e}.{n}"
        case "dashes":
            return f"{a}-{e}-{n}"
        case "plus_dashes":
            return f"+1 {a}-{e}-{n}"
    raise ValueError(f"unknown phone style {style!r}")


def format_email(email: str, style: str) -> str:
    """A differently written form of ``email`` (same mailbox after trim + lower)."""
    match style:
        case "canonical":
            return email
        case "upper":
            return email.upper()
        case "capitalized":
            local, _, domain = email.partition("@")
            return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
        case "spaces":
            return f" {email} "
        case "mixed_spaces":
            local, _, domain = email.partition("@")
            return f"  {local.capitalize()}@{domain.upper()}"
    raise ValueError(f"unknown email style {style!r}")


def make_people(person_ids: Iterable[int], seed: int) -> tuple[Person, ...]:
    """One :class:`Person` per id (ids sorted ascending), deterministic in ``seed``."""
    ids = sorted(set(person_ids))
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(f"rapport-sandbox:{seed}:people")
    space = len(AREA_CODES) * LINES_PER_AREA
    if len(ids) > space:
        raise ValueError(f"at most {space} people supported, got {len(ids)}")
    slots = rng.sample(range(space), len(ids))
    people: list[Person] = []
    for pid, slot in zip(ids, slots, strict=True):
        first = fake.first_name()
        last = fake.last_name()
        address = make_address(fake)
        area, line = divmod(slot, LINES_PER_AREA)
        phone = f"+1{AREA_CODES[area]}{EXCHANGE}{FIRST_LINE + line:04d}"
        birthday = None
        if rng.random() < 0.65:
            birthday = date(rng.randint(1925, 1979), 1, 1) + timedelta(days=rng.randrange(365))
        people.append(
            Person(
                person_id=pid,
                first_name=first,
                last_name=last,
                email=make_email(first, last, pid, rng.choice(EMAIL_DOMAINS)),
                phone=phone,
                address=address,
                birthday=birthday,
                accepts_marketing=rng.random() < 0.45,
            )
        )
    return tuple(people)


def make_address(fake: Faker) -> ReadOnlyDict:
    """A fresh US address (gift shipping etc.)."""
    state = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
    return ReadOnlyDict(
        address1=fake.street_address(),
        city=fake.city(),
        province_code=state,
        zip=fake.zipcode_in_state(state),
        country_code="US",
    )
