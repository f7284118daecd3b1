"""The one-line "why" beside every prediction and segment, from the person's own figures.

The numbers come from the data, never from canned text: the history (orders, silence, spend),
then either the model's own chance for exactly that history or the share of people who were in
the same segment a while ago and did order again.
"""

from __future__ import annotations

from decimal import Decimal


def percent(p: float) -> str:
    """A share as a merchant reads it: whole percents, with "< 1 %" and "> 99 %" at the ends."""
    if 0 < p < 0.005:
        return "< 1 %"
    if 0.995 <= p < 1:
        return "> 99 %"
    return f"{round(p * 100)} %"


def history_text(orders: int, days_since_last: int) -> str:
    noun = "order" if orders == 1 else "orders"
    when = "today" if days_since_last == 0 else "1 day ago" if days_since_last == 1 else f"{days_since_last:,} days ago"
    return f"{orders:,} {noun}, last {when}"


def prediction_why(
    orders: int, days_since_last: int, order_probability: float, horizon_days: int, heuristic: bool
) -> str:
    """E.g. "3 orders, last 41 days ago; the model gives this history a 62 % chance of another
    order within 365 days"."""
    source = "the rule of thumb (too little data for the model)" if heuristic else "the model"
    return (
        f"{history_text(orders, days_since_last)}; {source} gives this history a "
        f"{percent(order_probability)} chance of another order within {horizon_days:,} days"
    )


def segment_why(
    orders: int,
    days_since_last: int,
    spend: Decimal,
    currency: str,
    segment: str,
    earlier: int,
    reordered: int,
    window_days: int,
) -> str:
    """E.g. "3 orders, last 41 days ago, 230.00 USD; of the 412 people in loyal 90 days earlier,
    62 % ordered again within 90 days"."""
    head = f"{history_text(orders, days_since_last)}, {spend:.2f} {currency}"
    if earlier == 0:
        return f"{head}; nobody was in {segment} {window_days} days earlier to compare with"
    return (
        f"{head}; of the {earlier:,} people in {segment} {window_days} days earlier, "
        f"{percent(reordered / earlier)} ordered again within {window_days} days"
    )
