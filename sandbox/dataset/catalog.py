"""Products of the sandbox record shop, one per retail item id.

Everything about an item (title, vendor, category, formats and prices) depends only
on the item id, so both stores and every seed agree on it; only stock differs per
store. Each item is a product on each store with SKU ``RT-{item:05d}``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache

from .model import ID_BASES, Platform, Product, Variant

CATEGORIES: tuple[str, ...] = (
    "Rock", "Pop", "Jazz", "Classical", "Hip-Hop", "Electronic",
    "Soul & R&B", "Country", "Folk", "Blues", "Reggae", "Soundtracks",
)  # fmt: skip

VENDORS: tuple[str, ...] = (
    "Blue Lantern Records", "Copperline Music", "Driftwood Sound", "Echo Valley",
    "Fieldnote Recordings", "Granite Hill", "Harbor Light", "Ironwood Audio",
    "Juniper Tone", "Kestrel Records", "Lowland Sound", "Marigold Music",
    "Nightjar Records", "Oakmoss Audio", "Paper Crane", "Quarry Lane",
    "Redwing Records", "Saltmarsh Music", "Tin Roof Sound", "Umber Records",
    "Velvet Static", "Willow Creek", "Yellowbird Audio", "Zephyr Sound",
    "Amber Coast", "Brass Anchor", "Cinder Path", "Dovetail Records",
    "Evergreen Tapes", "Foxglove Music",
)  # fmt: skip

_ADJECTIVES: tuple[str, ...] = (
    "Amber", "Blue", "Broken", "Burning", "Crimson", "Distant", "Electric", "Empty",
    "Endless", "Fading", "Falling", "Frozen", "Golden", "Hidden", "Hollow", "Lonely",
    "Lost", "Midnight", "Neon", "Northern", "Paper", "Quiet", "Restless", "Rising",
    "Rusty", "Salt", "Secret", "Silver", "Slow", "Southern", "Static", "Summer",
    "Sweet", "Velvet", "Wild", "Winter", "Wooden", "Young", "Silent", "Open",
)  # fmt: skip

_NOUNS: tuple[str, ...] = (
    "Avenue", "Bridges", "Canyon", "Circles", "City", "Coastline", "Dreams", "Echoes",
    "Embers", "Fields", "Fires", "Gardens", "Harbor", "Highway", "Horizon", "Island",
    "Lights", "Lines", "Machines", "Mirrors", "Moon", "Mountains", "Oceans", "Parade",
    "Radio", "Rain", "Rivers", "Roads", "Rooms", "Shadows", "Signals", "Skyline",
    "Stars", "Stories", "Streets", "Thunder", "Tides", "Valley", "Waves", "Windows",
)  # fmt: skip

_SUFFIXES: tuple[str, ...] = ("",) * 6 + (
    " (Live)",
    " (Deluxe Edition)",
    " Vol. 2",
    " (Remastered)",
)

_PRICES_CENTS: tuple[int, ...] = (
    799, 999, 1099, 1199, 1299, 1399, 1499, 1599, 1699, 1799, 1999, 2499,
)  # fmt: skip
_PRICE_WEIGHTS: tuple[int, ...] = (3, 6, 6, 9, 12, 14, 14, 10, 8, 6, 4, 2)

# (variant title, sku suffix, price delta in cents)
FORMATS: tuple[tuple[str, str, int], ...] = (
    ("CD", "", 0),
    ("Vinyl LP", "-LP", 800),
    ("Cassette", "-CS", -300),
)

CATALOG_START = datetime(1996, 7, 1, tzinfo=UTC)
CATALOG_END = datetime(1998, 6, 30, 23, 0, tzinfo=UTC)
OUT_OF_STOCK_RATE = 0.03


@dataclass(frozen=True)
class ItemSpec:
    item_id: int
    title: str
    vendor: str
    category: str
    formats: tuple[tuple[str, str, int], ...]  # (title, sku, price cents); first is default
    created_at: datetime
    updated_at: datetime

    @property
    def sku(self) -> str:
        return item_sku(self.item_id)


def item_sku(item_id: int) -> str:
    return f"RT-{item_id:05d}"


@cache
def item_spec(item_id: int) -> ItemSpec:
    """The store-independent description of a retail item (seed-independent)."""
    rng = random.Random(item_id * 7919 + 104_729)
    title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}{rng.choice(_SUFFIXES)}"
    base = rng.choices(_PRICES_CENTS, _PRICE_WEIGHTS)[0]
    n_formats = 1 if rng.random() < 0.8 else rng.choice((2, 3))
    chosen = [FORMATS[0]] + rng.sample(FORMATS[1:], n_formats - 1)
    chosen.sort(key=FORMATS.index)
    formats = tuple((name, item_sku(item_id) + suffix, max(499, base + delta)) for name, suffix, delta in chosen)
    created = CATALOG_START + timedelta(seconds=rng.randrange(183 * 86400))
    updated = min(CATALOG_END, created + timedelta(seconds=rng.randrange(600 * 86400)))
    return ItemSpec(
        item_id=item_id,
        title=title,
        vendor=VENDORS[rng.randrange(len(VENDORS))],
        category=CATEGORIES[rng.randrange(len(CATEGORIES))],
        formats=formats,
        created_at=created,
        updated_at=updated,
    )


def handle(title: str, item_id: int) -> str:
    """The product's handle (Shopify) and slug (WooCommerce): its title, then its item id."""
    return f"{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')}-{item_id:05d}"


def _cents(c: int) -> Decimal:
    return Decimal(c).scaleb(-2)


def make_products(store: Platform, item_ids: Iterable[int]) -> tuple[Product, ...]:
    """The store's products for ``item_ids``, platform ids assigned in item id order."""
    items = sorted(set(item_ids))
    bases = ID_BASES[store]
    store_salt = 1 if store == "shopify" else 2
    products: list[Product] = []
    next_variation = len(items)  # WooCommerce variations come after the last product id
    for n, item in enumerate(items, start=1):
        spec = item_spec(item)
        pid = bases["product"] + n
        stock_rng = random.Random(item * 3 + store_salt)
        variants: list[Variant] = []
        for k, (vtitle, sku, cents) in enumerate(spec.formats):
            if store == "shopify":
                vid = bases["variant"] + (n - 1) * 3 + k + 1
            elif len(spec.formats) == 1:
                vid = pid  # a simple WooCommerce product
            else:
                next_variation += 1
                vid = next_variation
            variants.append(
                Variant(
                    platform_id=vid,
                    product_platform_id=pid,
                    sku=sku,
                    title=vtitle,
                    price=_cents(cents),
                    in_stock=stock_rng.random() >= OUT_OF_STOCK_RATE,
                )
            )
        products.append(
            Product(
                store=store,
                platform_id=pid,
                item_id=item,
                sku=spec.sku,
                handle=handle(spec.title, item),
                title=spec.title,
                vendor=spec.vendor,
                category=spec.category,
                price=variants[0].price,
                variants=tuple(variants),
                created_at=spec.created_at,
                updated_at=spec.updated_at,
            )
        )
    return tuple(products)
