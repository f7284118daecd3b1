"""Identity resolution: one profile per person across a merchant's stores.

``resolve_merchant`` and ``resolve_customers`` return the profile merges they performed as
``(survivor_profile_id, absorbed_profile_id)`` pairs, for whoever keeps per-profile state
(loyalty balances) to follow.
"""

from insights.identity.decisions import allow_merge, explain_profile, split_customers
from insights.identity.keys import normalize_email, normalize_phone
from insights.identity.resolve import (
    Merge,
    Resolution,
    resolve,
    resolve_customers,
    resolve_merchant,
)

__all__ = [
    "Merge",
    "Resolution",
    "allow_merge",
    "explain_profile",
    "normalize_email",
    "normalize_phone",
    "resolve",
    "resolve_customers",
    "resolve_merchant",
    "split_customers",
]
