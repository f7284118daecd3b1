"""The demo lives in the present: ``rapport demo`` moves the sandbox history to end yesterday, and no
date in what the widget, the dashboard, the storefront and admin APIs or the CLI show lies before
the history's first order or after today (forecasts such as a next order, a code's expiry or a
birthday gift may only lie ahead). ``rapport insights refresh`` with its defaults then finds what the demo found.

Against the real demo (``demo`` in conftest.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.conftest import _rapport
from tests.browser.dashboard_support import admin, open_dashboard, storefront
from tests.support.servers import ROOT, subprocess_env

pytestmark = [pytest.mark.db, pytest.mark.slow]

STATIC = ROOT / "app" / "static"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")
FORECASTS = {"nextorderat", "expiresat", "tiergraceuntil", "nextgifton"}
"""Keys whose dates are by nature ahead of today (normalised: lower case, no underscores)."""
PERIODS = {"start"}
"""A timeline period's start: the month or week holding the first order may begin before it."""

STOREFRONT_HISTORY = """{ me { orders(first: 50) { nodes { name createdAt cancelledAt } }
  loyalty { ledger(first: 100) { nodes { kind points occurredAt } } codes(first: 25) { nodes { createdAt expiresAt } } } } }"""
SHOPPER_MEMBER = "query($id: ID!) { profile(id: $id) { loyalty { id } } }"
SOME_MEMBERS = "{ members(first: 5) { nodes { id } } }"
MEMBER_SINCE = """query($id: ID!) { member(id: $id) { joinedAt ledger(last: 100) { edges { node { occurredAt } } }
  profile { predictions { asOf } } } }"""
TIMELINES = """{ economics { day: timeline(interval: DAY) { start issued }
  week: timeline(interval: WEEK) { start issued } month: timeline(interval: MONTH) { start issued } } }"""
INSIGHTS = """{ insights { asOf segments { name profiles } churnBands { band profiles } } }"""
PREDICTIONS = """{ profiles(first: 40) { nodes { id segment { name tier rfm recencyDays }
  predictions { currencyCode model churnBand nextOrderAt asOf probabilityAlive { value low high }
                expectedOrders { value } clv { value { amount } } } } } }"""


def documents(path: Path, exported: bool) -> dict[str, str]:
    """The ``/* GraphQL */`` documents of a client script, by constant name, exactly as it sends them."""
    prefix = r"export const" if exported else r"const"
    return dict(re.findall(prefix + r" (\w+) = /\* GraphQL \*/ `(.*?)`;", path.read_text(), re.S))


def dates(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every (key, ISO date string) in a JSON answer, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from dates(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from dates(v, key)
    elif isinstance(value, str) and ISO.fullmatch(value):
        yield key, value


def day_of(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date() if "T" in text else date.fromisoformat(text)


class Window:
    """The days a demo date may fall on: from the history's first order to the demo's today."""

    def __init__(self, demo: dict[str, Any]) -> None:
        history = demo["history"]
        self.first = day_of(history["first_order"])
        self.today = date.fromisoformat(history["today"])
        self.first_period = min(self.first.replace(day=1), self.first - timedelta(days=self.first.weekday()))

    def problems(self, where: str, answer: Any) -> list[str]:
        found = []
        for key, text in dates(answer):
            day, name = day_of(text), key.replace("_", "").lower()
            if name in FORECASTS:
                if day < self.today:
                    found.append(f"{where}: {key} {text} is a forecast in the past")
            elif not (self.first_period if name in PERIODS else self.first) <= day <= self.today:
                found.append(f"{where}: {key} {text} lies outside {self.first} to {self.today}")
        return found

    def check(self, where: str, answer: Any) -> int:
        problems = self.problems(where, answer)
        assert not problems, "\n".join(problems[:20])
        return sum(1 for _ in dates(answer))


def rapport(demo_database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_rapport(), *args], cwd=ROOT, env=subprocess_env(demo_database), capture_output=True, text=True, timeout=600
    )


async def shopper_member_id(demo: dict[str, Any]) -> str:
    found = await admin(demo, SHOPPER_MEMBER, {"id": f"gid://rapport/Profile/{demo['shopper']['profile_id']}"})
    return found["profile"]["loyalty"]["id"]


def test_the_demo_history_ends_the_day_before_the_demo_runs(demo):
    window = Window(demo)
    utc_today = datetime.now(UTC).date()
    assert window.today in {utc_today, utc_today - timedelta(days=1)}  # the run may cross midnight
    assert day_of(demo["history"]["last_order"]) == window.today - timedelta(days=1)
    assert day_of(demo["history"]["first_order"]) == date(1997, 1, 1) + (window.today - date(1998, 7, 1))


async def test_the_widget_and_storefront_answers_hold_no_date_outside_the_history(demo):
    window, seen = Window(demo), 0
    widget = documents(STATIC / "widget" / "rapport-widget.js", exported=False)
    for name in ("GUEST", "MEMBER"):
        window.check(f"widget {name}", await storefront(demo, widget[name]))
    window.check("widget BOUGHT", await storefront(demo, widget["BOUGHT"], {"id": demo["product_id"]}))
    history = await storefront(demo, STOREFRONT_HISTORY)
    seen += window.check("storefront history", history)
    assert history["me"]["loyalty"]["ledger"]["nodes"] and seen > 10


async def test_the_dashboard_answers_hold_no_date_outside_the_history(demo):
    window, seen = Window(demo), 0
    dashboard = documents(STATIC / "dashboard" / "js" / "documents.js", exported=True)
    for name in ("WHO_AM_I", "OVERVIEW", "MEMBER_FILTERS", "SETTINGS", "SYNC_HEALTH"):
        seen += window.check(f"dashboard {name}", await admin(demo, dashboard[name]))
    seen += window.check("dashboard MEMBERS", await admin(demo, dashboard["MEMBERS"], {"first": 25}))
    members = [await shopper_member_id(demo)] + [m["id"] for m in (await admin(demo, SOME_MEMBERS))["members"]["nodes"]]
    for member_id in members:
        seen += window.check(
            f"dashboard MEMBER {member_id}",
            await admin(demo, dashboard["MEMBER"], {"id": member_id, "first": 100, "ordersFirst": 25}),
        )
    timelines = await admin(demo, TIMELINES)
    seen += window.check("economics timelines", timelines)
    assert seen > 100
    month = timelines["economics"]["month"]
    assert day_of(month[-1]["start"]) == window.today.replace(day=1), "the points timeline reaches this month"
    starts = [day_of(p["start"]) for p in month]
    assert all(
        later.month in {earlier.month % 12 + 1, earlier.month}
        for earlier, later in zip(starts, starts[1:], strict=False)
    ), f"the monthly timeline jumps: {starts}"


async def test_member_since_is_the_first_order_not_the_day_the_demo_was_loaded(demo):
    window = Window(demo)
    member = (await admin(demo, MEMBER_SINCE, {"id": await shopper_member_id(demo)}))["member"]
    oldest = min(day_of(e["node"]["occurredAt"]) for e in member["ledger"]["edges"])
    joined = day_of(member["joinedAt"])
    assert window.first <= joined <= oldest < window.today
    predictions = member["profile"]["predictions"]
    assert predictions and {day_of(p["asOf"]) for p in predictions} == {window.today}


async def test_the_member_page_shows_member_since_within_the_history(demo, page, page_errors):
    window = Window(demo)
    await open_dashboard(page, demo, f"#/members/{quote(await shopper_member_id(demo), safe='')}")
    shown = await page.locator("xpath=//dt[normalize-space()='Member since']/following-sibling::dd[1]").inner_text()
    since = datetime.strptime(shown, "%b %d, %Y").date() if "," in shown else None
    assert since is not None and window.first <= since < window.today, shown
    assert not page_errors


def test_the_cli_prints_no_date_outside_the_history(demo, demo_database):
    window = Window(demo)
    profile = rapport(demo_database, "insights", "profile", str(demo["shopper"]["profile_id"]))
    stores = rapport(demo_database, "stores", "list", "--json")
    for name, result in (("insights profile", profile), ("stores list", stores)):
        assert result.returncode == 0, result.stderr
        window.check(f"rapport {name}", json.loads(result.stdout))
    assert window.check("rapport insights profile", json.loads(profile.stdout)) > 5
    for args in (("jobs", "failed"), ("webhooks", "list"), ("loyalty", "release")):
        result = rapport(demo_database, *args)
        assert result.returncode == 0, result.stderr
        problems = window.problems(f"rapport {' '.join(args)}", [m.group(0) for m in ISO.finditer(result.stdout)])
        assert not problems, problems


async def test_rapport_insights_refresh_with_its_defaults_finds_what_the_demo_found(demo, demo_database):
    before = await admin(demo, INSIGHTS), await admin(demo, PREDICTIONS)
    assert day_of(before[0]["insights"]["asOf"]) == Window(demo).today
    assert sum(s["profiles"] for s in before[0]["insights"]["segments"]) > 1000

    refreshed = rapport(demo_database, "insights", "refresh")

    assert refreshed.returncode == 0, refreshed.stderr
    after = await admin(demo, INSIGHTS), await admin(demo, PREDICTIONS)
    assert after[0] == before[0], "segment and churn counts changed"
    assert after[1] == before[1], "a sample of predictions changed"
    assert sum(1 for p in after[1]["profiles"]["nodes"] if p["predictions"]) > 20
