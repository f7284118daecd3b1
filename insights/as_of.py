"""The as-of guard: a refresh dated far past the last purchase, or before the first, is suspect.

Every insight is measured from the as-of day, so a wrong one does not fail: it quietly turns a
healthy store's customers into "lost" (as-of years after a stopped sync or an old import) or
into nobody (as-of before the first order). The refresh keeps going, and says so loudly.
"""

from __future__ import annotations

from datetime import datetime

from insights.history import MerchantHistory

STALE_AFTER_DAYS = 90
"""Past this many days without any purchase in the whole store, the as-of is suspect. A live store
(or even a seasonal one) is not silent for a quarter; 90 days is half the at-risk threshold (180),
so the warning appears before silence alone moves anyone to "at risk", and it is the length of the
model check's held-out weeks (13), which would otherwise compare a forecast against empty weeks."""


def as_of_warning(history: MerchantHistory, as_of: datetime) -> str | None:
    """One sentence when ``as_of`` lies past the last purchase by more than ``STALE_AFTER_DAYS``
    or before the first; None when it is plausible or there are no purchases at all."""
    days = [o.created_at for o in history.orders if o.net > 0]
    return span_warning((min(days), max(days)) if days else None, as_of)


def span_warning(span: tuple[datetime, datetime] | None, as_of: datetime) -> str | None:
    """``as_of_warning`` from the first and last purchase (``store.sql.purchases.purchase_span``
    reads them for an incremental run, which holds only the changed people's orders)."""
    if span is None:
        return None
    first, last = span
    if as_of < first:
        return (
            f"as-of {as_of.date().isoformat()} is before the first order ({first.date().isoformat()}): "
            "nobody has bought yet, so there are no segments or predictions; refresh with a later --as-of"
        )
    silent = (as_of.date() - last.date()).days
    if silent > STALE_AFTER_DAYS:
        return (
            f"as-of {as_of.date().isoformat()} is {silent:,} days after the last order "
            f"({last.date().isoformat()}, more than {STALE_AFTER_DAYS}): every customer looks that silent, "
            "so segments and predictions call them lapsed; check that the stores still sync, "
            "or refresh with --as-of the day after the last order"
        )
    return None
