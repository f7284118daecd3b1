"""Prometheus metrics: request counts and latency, plus store and job state read at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from tortoise.functions import Count

from insights.models import RefreshRun, RefreshStatus
from store.models import Job, Store

registry = CollectorRegistry(auto_describe=True)

http_requests = Counter("rapport_http_requests", "HTTP requests served", ["route", "status"], registry=registry)
http_latency = Histogram(
    "rapport_http_request_seconds",
    "HTTP request latency",
    ["route"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
store_healthy = Gauge(
    "rapport_store_healthy",
    "1 when a store (by id) syncs normally, 0 when degraded or unhealthy",
    ["store", "platform"],
    registry=registry,
)
store_failures = Gauge(
    "rapport_store_consecutive_failures",
    "Sync failures in a row per store",
    ["store", "platform"],
    registry=registry,
)
jobs = Gauge("rapport_jobs", "Jobs in the jobs table by status", ["status"], registry=registry)
insights_last_refresh = Gauge(
    "rapport_insights_last_refresh_seconds",
    "Step durations of each merchant's latest complete insights refresh (read from the database)",
    ["merchant", "step"],
    registry=registry,
)
insights_refresh = Histogram(
    "rapport_insights_refresh_step_seconds",
    "Insights refresh step durations run in this process",
    ["step"],
    registry=registry,
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


async def render() -> bytes:
    """Refresh the gauges that mirror the database, then render the text format."""
    for store in await Store.all().only("id", "domain", "platform", "health", "consecutive_failures"):
        labels = (str(store.id), str(store.platform))  # an id: a tenant's domain is not the scraper's to see
        store_healthy.labels(*labels).set(1 if store.health == "healthy" else 0)
        store_failures.labels(*labels).set(store.consecutive_failures)
    counts = {
        row["status"]: row["n"]
        for row in await Job.all().group_by("status").annotate(n=Count("id")).values("status", "n")
    }
    for status in ("queued", "running", "failed"):
        jobs.labels(status).set(counts.get(status, 0))
    await _insights_refreshes()
    return generate_latest(registry)


async def _insights_refreshes() -> None:
    """The latest complete refresh per merchant: whichever process ran it, the database knows."""
    latest: dict[int, dict] = {}
    recent = RefreshRun.filter(status=RefreshStatus.COMPLETE).order_by("-id").limit(1000)
    for run in await recent.values("merchant_id", "step_seconds"):
        latest.setdefault(run["merchant_id"], run)
    for merchant_id, run in latest.items():
        steps = run["step_seconds"] or {}
        for step, seconds in steps.items():
            insights_last_refresh.labels(str(merchant_id), step).set(seconds)
        insights_last_refresh.labels(str(merchant_id), "total").set(sum(steps.values()))
