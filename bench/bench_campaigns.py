"""Campaigns at scale: a merchant with 100,000 members, on SQLite and on PostgreSQL.

The members are written in bulk (profiles, one Shopify account each, loyalty members, value
tiers and last orders as an insights refresh leaves them): nine in ten are VIPs, nine in ten of
those silent for 120 days, 95 % accept marketing. Figures:

- ``audience``: the built-in win-back audience (VIP, silent 90 days or more, consent) evaluated
  by ``campaigns.audiences.evaluate``;
- ``run``: ``campaigns.runner.run_campaign`` of that win-back without a code (entries for the
  whole audience, the holdout drawn, events and one queued email per treated member);
- ``send``: ``campaigns.sending.send_due`` in batches of 500 to an aiosmtpd server running in a
  process of its own, for the first ``--send`` messages (rendering, SMTP and the send log),
  beside ``smtp_alone``: the same server fed the same number of ready-made messages on one
  connection by aiosmtplib, the most any sender could get from it;
- ``results``: ``campaigns.results.results_of`` over the whole campaign;
- ``codes``: a second merchant's win-back with a 15 % code for ``--codes`` members, each code
  made over HTTP on the Shopify simulator (in a process of its own) by the Shopify connector.

    .venv/bin/python -m bench.bench_campaigns [--backend sqlite|postgres] [--members 100000] [--send 5000] [--codes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tortoise import fields
from tortoise.context import TortoiseContext
from tortoise.models import Model

from app.db import tortoise_config
from bench.bench_shopify import API_KEY, API_SECRET, _simulator
from bench.support import free_port, scratch_database
from store import crypto

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
"""Noon in the store's time zone (UTC): outside quiet hours, so every email is due at once."""
SECRET_KEY = "bench-secret-" + "x" * 32
MAIL_FROM = "shop@northwind.example"

SINK = r"""
import sys, time
from aiosmtpd.controller import Controller

class Sink:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
    print(Sink.count, time.process_time(), flush=True)
"""


@dataclass
class Sink:
    """An aiosmtpd server in a process of its own, as a remote mail server would be."""

    proc: subprocess.Popen[str]
    port: int

    @classmethod
    def start(cls) -> Sink:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            raise RuntimeError("the SMTP server did not start")
        return cls(proc, port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time the server's process used so far (user and system)."""
        ticks = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> int:
        """Stop the server; returns how many messages it accepted."""
        out, _ = self.proc.communicate("", timeout=30)
        return int(out.strip().splitlines()[-1].split()[0])


def _row_defaults(model: type[Model], now: datetime) -> dict[str, Any]:
    """The values the ORM would fill in for a row (defaults, auto times, nullable columns)."""
    found: dict[str, Any] = {}
    for name, field in model._meta.fields_map.items():
        if field.pk or isinstance(field, fields.relational.RelationalField) or name in model._meta.fetch_fields:
            continue
        if isinstance(field, fields.DatetimeField) and (field.auto_now or field.auto_now_add):
            found[name] = now
        elif field.default is not None:
            found[name] = field.default() if callable(field.default) else field.default
        elif field.null:
            found[name] = None
    return found


async def _insert(model: type[Model], rows: Sequence[Mapping[str, Any]], now: datetime) -> list[int]:
    """Rows written a few thousand per statement (``store.sql.insert_rows``); returns their ids in order."""
    from store.sql import insert_rows

    base = _row_defaults(model, now)
    full = [{**base, **row} for row in rows]
    written = await insert_rows(model._meta.db, model, full, returning=("id",))
    return [int(r["id"]) for r in written]


async def _members(merchant_id: int, store_id: int, n: int, *, tag: str, platform_ids: Sequence[str] = ()) -> None:
    """``n`` members with an account each, their value tier and last order as insights keeps them."""
    from insights.models import ProfileSegment, ProfileStats
    from loyalty.models import Member
    from store.models import Customer, Profile

    profiles = await _insert(Profile, [{"merchant_id": merchant_id}] * n, NOW)
    await _insert(
        Customer,
        [
            {
                "merchant_id": merchant_id,
                "store_id": store_id,
                "platform_id": platform_ids[i] if platform_ids else f"{tag}{i}",
                "profile_id": pid,
                "owner_id": pid,
                "email": f"{tag}{i}@example.org",
                "verified_email": True,
                "first_name": f"Member {i}",
                "accepts_marketing": i % 20 != 0,
                "platform_updated_at": NOW - timedelta(days=400),
                "content_hash": "bench",
            }
            for i, pid in enumerate(profiles)
        ],
        NOW,
    )
    await _insert(
        Member,
        [{"merchant_id": merchant_id, "profile_id": pid, "referral_code": f"{tag.upper()}{pid}"} for pid in profiles],
        NOW,
    )
    await _insert(
        ProfileSegment,
        [
            {
                "merchant_id": merchant_id,
                "profile_id": pid,
                "currency": "USD",
                "recency_days": 120,
                "frequency": 4,
                "monetary": Decimal("240.00"),
                "r_score": 2,
                "f_score": 5,
                "m_score": 5,
                "segment": "cant_lose_them",
                "tier": "regular" if i % 10 == 9 else "vip",
                "as_of": NOW,
            }
            for i, pid in enumerate(profiles)
        ],
        NOW,
    )
    await _insert(
        ProfileStats,
        [
            {
                "merchant_id": merchant_id,
                "profile_id": pid,
                "orders": 4,
                "first_order_at": NOW - timedelta(days=700),
                "last_order_at": NOW - timedelta(days=30 if i % 10 == 7 else 120),
                "main_currency": "USD",
                "computed_at": NOW,
            }
            for i, pid in enumerate(profiles)
        ],
        NOW,
    )


@dataclass
class Stopwatch:
    """Wall time, this process's CPU time (on SQLite it includes the database engine) and the
    SMTP server's CPU time over one phase: on a shared machine CPU moves less than wall time."""

    sink: Sink | None = None
    wall: float = 0.0
    cpu: float = 0.0
    server: float = 0.0

    def __enter__(self) -> Stopwatch:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.server = self.sink.cpu_seconds() if self.sink else 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        self.server = self.sink.cpu_seconds() - self.server if self.sink else 0.0

    def figures(self, count: int | None = None, per: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {"seconds": round(self.wall, 3), "python_cpu_seconds": round(self.cpu, 2)}
        if self.sink:
            out["smtp_server_cpu_seconds"] = round(self.server, 2)
        if count is not None and self.wall:
            out[f"{per}_per_s"] = round(count / self.wall, 1)
            if self.sink:
                out[f"{per}_per_smtp_server_cpu_s"] = round(count / max(self.server, 1e-9))
        return out


async def _smtp_alone(sink: Sink, count: int) -> dict[str, Any]:
    """Ready-made messages of about the campaign's size on one connection: the server's own pace."""
    import aiosmtplib

    from campaigns.sending import smtp_target

    target = smtp_target(sink.url)
    body = "Hello, we miss you. " * 150
    client = aiosmtplib.SMTP(hostname=target.host, port=target.port)
    await client.connect()
    with Stopwatch(sink) as watch:
        for i in range(count):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = MAIL_FROM, f"plain{i}@example.org", "We miss you"
            message.set_content(body)
            message.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
            await client.send_message(message)
    await client.quit()
    return {"messages": count, **watch.figures(count, "messages")}


async def _run(url: str, members: int, send: int, codes: int) -> dict[str, Any]:
    from campaigns.audiences import evaluate
    from campaigns.builtin import TEMPLATES
    from campaigns.models import Campaign, CampaignKind, CampaignStatus, Message, MessageStatus
    from campaigns.results import results_of
    from campaigns.runner import run_campaign
    from campaigns.sending import send_due
    from store.discounts import DiscountIssuer
    from store.models import Merchant, Platform, Store

    def no_issuer(store: Store) -> DiscountIssuer:
        raise AssertionError("the win-back of this run gives no code")

    template = TEMPLATES[CampaignKind.WIN_BACK]
    result: dict[str, Any] = {"members": members}
    sink = Sink.start()
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
            await ctx.generate_schemas()
            with Stopwatch() as watch:
                merchant = await Merchant.create(name="Northwind Records")
                store = await Store.create(
                    merchant=merchant, platform=Platform.SHOPIFY, domain="bench.myshopify.com", public_key="pk_bench"
                )
                await _members(merchant.id, store.id, members, tag="m")
                if url.startswith("postgres"):
                    await ctx.connections.get("default").execute_script("ANALYZE")
            result["build"] = watch.figures()

            with Stopwatch() as watch:
                audience = await evaluate(merchant.id, template.definition.audience, NOW)
            result["audience"] = {"members": len(audience), **watch.figures()}

            campaign = await Campaign.create(
                merchant=merchant,
                name=template.name,
                kind=template.kind,
                status=CampaignStatus.ACTIVE,
                audience=template.audience,
                actions={**template.actions, "code": None},
                period_days=template.period_days,
                holdout_percent=template.holdout_percent,
                attribution_days=template.attribution_days,
                launched_at=NOW,
            )
            with Stopwatch() as watch:
                report = await run_campaign(campaign.id, issuer_for=no_issuer, now=NOW)
            entered = report.entered_treated + report.entered_holdout
            result["run"] = {
                "entered_treated": report.entered_treated,
                "entered_holdout": report.entered_holdout,
                "events": report.events,
                "messages_queued": report.messages_queued,
                "messages_skipped": report.messages_skipped,
                **watch.figures(entered, "entries"),
            }

            sent, batches = 0, 0
            with Stopwatch(sink) as watch:
                while sent < send:
                    out = await send_due(
                        smtp_url=sink.url,
                        mail_from=MAIL_FROM,
                        base_url="http://127.0.0.1:8000",
                        key=SECRET_KEY.encode(),
                        now=NOW,
                        limit=min(500, send - sent),
                        merchant_id=merchant.id,
                    )
                    batches += 1
                    if not out.taken:
                        break
                    sent += out.sent
            result["send"] = {
                "messages": sent,
                "batches": batches,
                "sent_in_log": await Message.filter(campaign_id=campaign.id, status=MessageStatus.SENT).count(),
                **watch.figures(sent, "messages"),
            }
            result["smtp_alone"] = await _smtp_alone(sink, send)

            with Stopwatch() as watch:
                results = await results_of(campaign.id, NOW + timedelta(days=1), merchant_id=merchant.id)
            result["results"] = {
                "treated": results.treated.members,
                "holdout": results.holdout.members,
                "delivered": results.treated.delivered,
                **watch.figures(),
            }
            if codes:
                result["codes"] = await _codes(merchant_count=codes)
    finally:
        result["smtp_server_received"] = sink.stop()
    return result


async def _codes(merchant_count: int) -> dict[str, Any]:
    """A win-back with a code for members who are customers of the Shopify simulator."""
    from campaigns.builtin import TEMPLATES
    from campaigns.models import Campaign, CampaignKind, CampaignStatus
    from campaigns.runner import run_campaign
    from connectors.shopify import ShopifyConnector
    from connectors.shopify.oauth import App
    from sandbox.dataset import build
    from store.models import InstallState, Merchant, Platform, Store

    shop = build("sample", 7).by_store("shopify")
    platform_ids = [str(c.platform_id) for c in shop.customers[:merchant_count]]
    proc, sim_url, token = _simulator("sample")
    try:
        merchant = await Merchant.create(name="Codes")
        store = await Store.create(
            merchant=merchant,
            platform=Platform.SHOPIFY,
            domain=shop.store.domain_or_url,
            public_key="pk_codes",
            install_state=InstallState.INSTALLED,
            access_token=token,
        )
        await _members(merchant.id, store.id, len(platform_ids), tag="code", platform_ids=platform_ids)
        template = TEMPLATES[CampaignKind.WIN_BACK]
        campaign = await Campaign.create(
            merchant=merchant,
            name=template.name,
            kind=template.kind,
            status=CampaignStatus.ACTIVE,
            audience={"all": [{"field": "value_tier", "op": "in", "value": ["vip", "regular"]}]},
            actions=template.actions,
            period_days=template.period_days,
            holdout_percent=0,
        )
        connector = ShopifyConnector(App(API_KEY, API_SECRET), base_url=sim_url)
        with Stopwatch() as watch:
            report = await run_campaign(campaign.id, issuer_for=lambda _store: connector, now=NOW)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return {
        "codes_issued": report.codes_issued,
        "codes_failed": report.codes_failed,
        "failures": report.failures[:3],
        "messages_queued": report.messages_queued,
        **watch.figures(report.codes_issued, "codes"),
    }


def bench_backend(backend: str, members: int, send: int, codes: int) -> dict[str, Any]:
    crypto.configure(SECRET_KEY)
    with scratch_database(backend) as url:
        return {"backend": backend, **asyncio.run(_run(url, members, send, codes))}


def run(quick: bool = False) -> dict[str, Any]:
    """Both backends, each in a subprocess; ``quick`` uses 20,000 members, fewer emails and codes."""
    members, send, codes = (20_000, 1000, 50) if quick else (100_000, 5000, 200)
    results: dict[str, Any] = {}
    for backend in ("sqlite", "postgres"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.bench_campaigns",
                "--backend",
                backend,
                "--members",
                str(members),
                "--send",
                str(send),
                "--codes",
                str(codes),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if out.returncode != 0:
            last = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode
            results[backend] = f"failed: {last}"
            continue
        results[backend] = json.loads(out.stdout)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=5000, help="emails sent through the SMTP server")
    parser.add_argument("--codes", type=int, default=200, help="codes made on the Shopify simulator (0: none)")
    args = parser.parse_args()
    print(json.dumps(bench_backend(args.backend, args.members, args.send, args.codes), indent=2))


if __name__ == "__main__":
    main()
