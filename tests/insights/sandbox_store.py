"""The sandbox merchant loaded into a fresh database, with the truth of who each customer is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.demo.seed import seed
from sandbox.dataset import SandboxData, build
from store.models import Customer, Merchant, Order, Store


@dataclass
class SandboxStore:
    data: SandboxData
    merchant_id: int
    person_of_customer: dict[int, int]  # customer id -> sandbox person id

    def customers_of(self, person_id: int) -> set[int]:
        return {c for c, p in self.person_of_customer.items() if p == person_id}


async def load_sandbox() -> SandboxStore:
    data = build("sample", 7)
    await seed(data)
    merchant = await Merchant.get(name=data.merchant_name)
    platform_of = {s.id: str(s.platform) for s in await Store.filter(merchant_id=merchant.id)}
    truth = {(o.store, str(o.platform_id)): o.person_id for o in data.orders}
    seen: dict[int, set[int]] = defaultdict(set)
    for row in await Order.filter(merchant_id=merchant.id, customer_id__not_isnull=True).values(
        "customer_id", "store_id", "platform_id"
    ):
        seen[row["customer_id"]].add(truth[(platform_of[row["store_id"]], row["platform_id"])])
    assert all(len(people) == 1 for people in seen.values()), "a customer row mixes people"
    assert await Customer.filter(merchant_id=merchant.id).count() == len(seen)
    return SandboxStore(data, merchant.id, {c: people.pop() for c, people in seen.items()})


def pair_scores(person_of_customer: dict[int, int], profile_of_customer: dict[int, int]) -> dict[str, float | int]:
    """Precision and recall over customer pairs: "same profile" against "same person"."""

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    cells: dict[tuple[int, int], int] = defaultdict(int)
    people: dict[int, int] = defaultdict(int)
    profiles: dict[int, int] = defaultdict(int)
    for customer, person in person_of_customer.items():
        profile = profile_of_customer[customer]
        cells[(person, profile)] += 1
        people[person] += 1
        profiles[profile] += 1
    true_positive = sum(pairs(n) for n in cells.values())
    predicted = sum(pairs(n) for n in profiles.values())
    actual = sum(pairs(n) for n in people.values())
    return {
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "precision": true_positive / predicted if predicted else 1.0,
        "recall": true_positive / actual if actual else 1.0,
    }
