"""Time as a WooCommerce site sees it: a site timezone, zone-less ISO dates, one-second steps.

WooCommerce stores every date twice, in the site's local time (``post_date``) and in GMT
(``post_date_gmt``), both as MySQL ``DATETIME`` with **second precision**, and the REST
API prints both without any zone designator. The simulator keeps aware UTC datetimes
internally and renders them the same way.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SITE_TIMEZONE = ZoneInfo("Europe/Berlin")
"""The simulated site's timezone (Settings > General). Chosen off UTC, with DST, on purpose:
``date_created`` and ``date_created_gmt`` differ by one or two hours depending on the date."""

WC_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def to_local(moment: datetime) -> datetime:
    """Aware UTC -> naive site-local wall time (what ``post_date`` holds)."""
    return moment.astimezone(SITE_TIMEZONE).replace(tzinfo=None)


def to_gmt(moment: datetime) -> datetime:
    """Aware UTC -> naive UTC wall time (what ``post_date_gmt`` holds)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def wc_date(moment: datetime | None) -> str | None:
    """``date_x`` as the REST API prints it: site-local, no zone, seconds."""
    return None if moment is None else to_local(moment).strftime(WC_DATE_FORMAT)


def wc_date_gmt(moment: datetime | None) -> str | None:
    """``date_x_gmt`` as the REST API prints it: UTC, no zone, seconds."""
    return None if moment is None else to_gmt(moment).strftime(WC_DATE_FORMAT)


def truncate_seconds(moment: datetime) -> datetime:
    """MySQL ``DATETIME`` keeps whole seconds only."""
    return moment.replace(microsecond=0)


# WordPress ``rest_parse_date`` accepts RFC 3339 with an optional zone and fraction.
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$")


def parse_rest_date(value: str) -> datetime | None:
    """Parse a ``date-time`` query argument the way WordPress validates it, or ``None``.

    The result is what ``WP_Date_Query::build_mysql_datetime`` compares against the
    column: a zone-less value is taken as written (site-local wall time, i.e. as is);
    a value *with* an offset is converted to the site timezone and the zone dropped.
    Note the WordPress quirk this reproduces: with ``dates_are_gmt=true`` the converted
    (local) wall time is compared with the GMT column, so ``...Z`` values are shifted by
    the site's UTC offset. Send zone-less GMT values together with ``dates_are_gmt=true``.
    """
    m = _RFC3339.match(value.strip())
    if not m:
        return None
    try:
        naive = datetime(*(int(g) for g in m.groups()[:6]))
    except ValueError:
        return None
    zone = m.group(7)
    if not zone:
        return naive
    if zone in ("Z", "z"):
        offset = timedelta(0)
    else:
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours = int(digits[:2])
        minutes = int(digits[2:4]) if len(digits) > 2 else 0
        offset = sign * timedelta(hours=hours, minutes=minutes)
    aware = naive.replace(tzinfo=UTC) - offset
    return to_local(aware)


class SimClock:
    """The simulator's clock for writes: second precision, strictly increasing.

    Without ``start`` it follows the wall clock but never repeats or goes back a second:
    each :meth:`tick` returns ``max(now, previous + 1 s)``, so it may run ahead of the wall
    clock during bursts of changes. With ``start`` it is fully simulated: ticks are
    ``start``, ``start + 1 s``, ... independent of wall time (deterministic tests).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._fixed = start is not None
        self._last = int(start.timestamp()) - 1 if start is not None else 0

    def _wall(self) -> int:
        return int(time.time())

    def now(self) -> datetime:
        """The current second, without consuming a tick (for reads such as nonce windows)."""
        with self._lock:
            seconds = self._last if self._fixed else max(self._wall(), self._last)
        return datetime.fromtimestamp(seconds, UTC)

    def tick(self) -> datetime:
        """A fresh second, later than every second returned before."""
        with self._lock:
            self._last = self._last + 1 if self._fixed else max(self._wall(), self._last + 1)
            return datetime.fromtimestamp(self._last, UTC)
