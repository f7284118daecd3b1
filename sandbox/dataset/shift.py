"""The sandbox history moved in time: CDNOW's purchases end in June 1998, a demo wants them to
end yesterday.

Every timestamp of the data set (orders, refunds, customers, products) moves forward by the
same whole number of days, so the gaps between purchases, the time of day of every order and
every amount stay exactly as recorded; ids, emails and baskets do not change. Birthdays are
people's dates of birth, not history, and stay as they are.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from .model import Customer, Order, Product, Refund, SandboxData


def last_order_day(data: SandboxData) -> date:
    """The UTC day of the data set's latest order."""
    if not data.orders:
        raise ValueError("the data set has no orders to align")
    return data.orders[-1].created_at.date()


def days_to_end_on(data: SandboxData, ends: date) -> int:
    """Whole days to add so the latest order falls on ``ends`` (never negative)."""
    if isinstance(ends, datetime) or not isinstance(ends, date):
        raise TypeError(f"ends must be a date (a day, not a date-time), not {type(ends).__name__}")
    days = (ends - last_order_day(data)).days
    if days < 0:
        raise ValueError(
            f"ends {ends} is before the history's own last day {last_order_day(data)}: the history only moves forward"
        )
    return days


def shifted(data: SandboxData, days: int) -> SandboxData:
    """``data`` with every timestamp ``days`` later (the same data when ``days`` is 0)."""
    if days == 0:
        return data
    delta = timedelta(days=days)
    return replace(
        data,
        customers=tuple(_customer(c, delta) for c in data.customers),
        products=tuple(_product(p, delta) for p in data.products),
        orders=tuple(_order(o, delta) for o in data.orders),
        days_shifted=data.days_shifted + days,
    )


def _customer(c: Customer, delta: timedelta) -> Customer:
    return replace(c, created_at=c.created_at + delta, updated_at=c.updated_at + delta)


def _product(p: Product, delta: timedelta) -> Product:
    return replace(p, created_at=p.created_at + delta, updated_at=p.updated_at + delta)


def _refund(r: Refund, delta: timedelta) -> Refund:
    return replace(r, created_at=r.created_at + delta)


def _order(o: Order, delta: timedelta) -> Order:
    return replace(
        o,
        created_at=o.created_at + delta,
        updated_at=o.updated_at + delta,
        cancelled_at=o.cancelled_at + delta if o.cancelled_at is not None else None,
        refunds=tuple(_refund(r, delta) for r in o.refunds),
    )
