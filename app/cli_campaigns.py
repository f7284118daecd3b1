"""``rapport campaigns``: the campaigns, what a launch would do, and running them now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_common import MAX_ID, fail, run, settings_or_exit

if TYPE_CHECKING:
    from campaigns.runner import RunReport

campaigns_cli = typer.Typer(help="Campaigns: list them, preview one, run them now.", no_args_is_help=True)
Merchant = Annotated[
    int | None, typer.Option("--merchant", min=1, max=MAX_ID, help="one merchant id (default: every merchant)")
]
CampaignId = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="the campaign's id (see rapport campaigns list)")]


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@campaigns_cli.command("list")
def list_command(merchant: Merchant = None) -> None:
    """Every campaign with its status, entries and last run."""
    from campaigns.manage import list_campaigns
    from campaigns.models import CampaignEntry

    async def work() -> list[str]:
        lines = []
        for c in await list_campaigns(merchant):
            entered = await CampaignEntry.filter(campaign_id=c.id).count()
            lines.append(
                f"{c.id}  merchant {c.merchant_id}  {c.name}  ({c.kind.value})  {c.status.value}  "
                f"{entered} entered  last run {_when(c.last_run_at)}"
            )
        return lines

    typer.echo("\n".join(run(settings_or_exit(), work)) or "no campaigns")


@campaigns_cli.command("preview")
def preview_command(campaign_id: CampaignId) -> None:
    """Who a run would enter now, split into treated and held out, a sample and the estimated cost."""
    from campaigns.errors import CampaignError
    from campaigns.manage import preview
    from campaigns.models import Campaign

    async def work() -> list[str]:
        campaign = await Campaign.get_or_none(id=campaign_id)
        if campaign is None:
            raise fail(f"no campaign {campaign_id}", 1)
        try:
            found = await preview(campaign.merchant_id, campaign_id)
        except CampaignError as exc:
            raise fail(str(exc), 1) from None
        cost = "not estimated" if found.estimated_cost is None else f"{found.estimated_cost} {found.currency}"
        lines = [
            f"campaign {campaign.id}: {campaign.name} ({campaign.status.value})",
            f"audience: {found.audience_size} new this period ({found.already_entered} already entered)",
            f"split: {found.treated} treated, {found.holdout} held out ({campaign.holdout_percent} %)",
            f"estimated cost: {cost} ({found.cost_basis})",
        ]
        lines += [f"  member {s.key}: {s.name or '-'}  {s.group.value}" for s in found.sample]
        return lines

    typer.echo("\n".join(run(settings_or_exit(), work)))


def describe(report: RunReport, name: str) -> list[str]:
    mode = " (dry run)" if report.dry_run else ""
    lines = [
        f"campaign {report.campaign_id} {name}{mode}: audience {report.audience}, "
        f"entered {report.entered_treated} treated and {report.entered_holdout} held out "
        f"({report.already_entered} already in this period)",
        f"  codes {report.codes_issued} issued, {report.codes_failed} failed ({report.codes_retried} retried); "
        f"points {report.points_granted}; emails {report.messages_queued} queued, {report.messages_skipped} skipped",
    ]
    return lines + [f"  code failed: {f}" for f in report.failures]


@campaigns_cli.command("run")
def run_command(
    campaign_id: Annotated[
        int | None, typer.Argument(min=1, max=MAX_ID, help="one campaign (default: every active one)")
    ] = None,
    merchant: Merchant = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count who would enter, change nothing")] = False,
) -> None:
    """Run now and print what each run did; queued emails go out with the worker's mail job."""
    from app.discounts import ConnectorIssuers
    from campaigns.errors import CampaignError
    from campaigns.models import Campaign, CampaignStatus
    from campaigns.runner import run_campaign

    settings = settings_or_exit()
    issuer_for = ConnectorIssuers(settings).issuer_for

    async def work() -> list[str]:
        if campaign_id is not None:
            chosen = await Campaign.filter(id=campaign_id)
            if not chosen:
                raise fail(f"no campaign {campaign_id}", 1)
        else:
            queryset = Campaign.filter(status=CampaignStatus.ACTIVE)
            chosen = await (queryset if merchant is None else queryset.filter(merchant_id=merchant)).order_by("id")
        lines = []
        for campaign in chosen:
            try:
                report = await run_campaign(campaign.id, issuer_for=issuer_for, now=datetime.now(UTC), dry_run=dry_run)
            except CampaignError as exc:
                raise fail(str(exc), 1) from None
            lines += describe(report, campaign.name)
        return lines

    typer.echo("\n".join(run(settings, work)) or "no active campaigns")
