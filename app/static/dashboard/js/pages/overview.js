// Program overview: members per tier, points over time, liability, segments, CLV and churn.
import { ChartFigure } from "../charts.js";
import { ErrorNotice, Loading, PageTitle } from "../components.js";
import { useQuery } from "../data.js";
import { OVERVIEW } from "../documents.js";
import { AsOfWarning, ModelCheckChart } from "./model_check.js";
import { html } from "../html.js";
import { label, money, moneyShort, month, percent, points } from "../format.js";

export function Overview() {
  const { data, error, loading, reload } = useQuery(OVERVIEW);
  return html`
    <${PageTitle}>Program overview<//>
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="the overview" />` : null}
    ${data && html`<${Figures} data=${data} />`}`;
}

function Figures({ data }) {
  const { program, economics, insights } = data;
  const total = economics.total;
  return html`
    <section aria-labelledby="headline-title" class="headline">
      <h2 id="headline-title" class="sr-only">Headline figures</h2>
      <dl class="stats">
        <div><dt>Members</dt><dd>${points(total.members)}</dd></div>
        <div><dt>Points outstanding</dt><dd>${points(total.outstanding)}</dd></div>
        <div><dt>Liability</dt><dd>${money(total.liability)}</dd></div>
        <div><dt>Redemption rate</dt><dd>${percent(total.redemptionRate, 1)}</dd></div>
        <div><dt>Points issued</dt><dd>${points(total.earned)}</dd></div>
        <div><dt>Points redeemed</dt><dd>${points(total.redeemed)}</dd></div>
      </dl>
      ${insights.asOf && html`<p class="hint">Insights as of ${month(insights.asOf)}.</p>`}
      <${AsOfWarning} refresh=${insights.lastRefresh} />
    </section>
    <div class="chart-grid">
      <${TierChart} counts=${program.tierCounts} />
      <${TimelineChart} timeline=${economics.timeline} />
      <${LiabilityChart} economics=${economics} />
      <${SegmentChart} segments=${insights.segments} />
      ${insights.clvDistribution.map((d) => html`<${ClvChart} key=${d.currencyCode} distribution=${d} />`)}
      ${insights.clvDistribution.length ? null : html`<${ClvChart} distribution=${null} />`}
      <${ChurnChart} bands=${insights.churnBands} />
      ${insights.modelCheck.map((c) => html`<${ModelCheckChart} key=${c.currencyCode} check=${c} />`)}
    </div>`;
}

function TierChart({ counts }) {
  const labels = counts.map((c) => c.tier ?? "No tier");
  const values = counts.map((c) => c.members);
  const summary = `Members per tier: ${labels.map((l, i) => `${l} ${points(values[i])}`).join(", ") || "no members yet"}.`;
  return html`<${ChartFigure} id="chart-tiers" title="Members per tier" type="bar" summary=${summary}
    labels=${labels} datasets=${[{ label: "Members", data: values }]}
    columns=${["Tier", "Members"]} rows=${labels.map((l, i) => [l, points(values[i])])} />`;
}

function TimelineChart({ timeline }) {
  const labels = timeline.map((p) => month(p.start));
  const issued = timeline.map((p) => p.issued);
  const redeemed = timeline.map((p) => p.redeemed);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const summary = timeline.length
    ? `Points issued and redeemed per month from ${labels[0]} to ${labels.at(-1)}: ${points(sum(issued))} issued, ${points(sum(redeemed))} redeemed.`
    : "No points issued or redeemed yet.";
  return html`<${ChartFigure} id="chart-timeline" title="Points issued vs redeemed" type="line" summary=${summary}
    labels=${labels}
    datasets=${[{ label: "Issued", data: issued }, { label: "Redeemed", data: redeemed }]}
    columns=${["Month", "Issued", "Redeemed", "Expired"]}
    rows=${timeline.map((p, i) => [labels[i], points(p.issued), points(p.redeemed), points(p.expired)])} />`;
}

function LiabilityChart({ economics }) {
  const stores = economics.stores;
  const labels = stores.map((s) => s.store?.name ?? "No store (actions, expiry)");
  const values = stores.map((s) => Number(s.figures.liability.amount));
  const total = economics.total;
  const summary = `Liability ${money(total.liability)} for ${points(total.outstanding)} outstanding points; by store: ${
    stores.map((s, i) => `${labels[i]} ${money(s.figures.liability)}`).join(", ") || "none"}.`;
  return html`<${ChartFigure} id="chart-liability" title="Liability by store" type="bar" summary=${summary}
    note=${`${money(total.liability)} in total for ${points(total.outstanding)} outstanding points`}
    labels=${labels} datasets=${[{ label: `Liability (${economics.currencyCode})`, data: values }]}
    columns=${["Store", "Outstanding points", "Liability"]}
    rows=${stores.map((s, i) => [labels[i], points(s.figures.outstanding), money(s.figures.liability)])} />`;
}

function SegmentChart({ segments }) {
  const labels = segments.map((s) => label(s.name));
  const summary = `People per segment: ${segments.map((s, i) => `${labels[i]} ${points(s.profiles)}`).join(", ") || "none yet"}.`;
  return html`<${ChartFigure} id="chart-segments" title="Segment sizes" type="bar" summary=${summary}
    labels=${labels} datasets=${[{ label: "People", data: segments.map((s) => s.profiles) }]}
    options=${{ indexAxis: "y", plugins: { legend: { display: false } } }}
    columns=${["Segment", "People", "Share"]}
    rows=${segments.map((s, i) => [labels[i], points(s.profiles), percent(s.share, 1)])} />`;
}

function ClvChart({ distribution }) {
  const buckets = distribution?.buckets || [];
  const labels = buckets.map((b) => (b.high ? `${moneyShort(b.low)}–${moneyShort(b.high)}` : `${moneyShort(b.low)} or more`));
  const code = distribution?.currencyCode;
  const summary = distribution
    ? `Lifetime value of ${points(distribution.profiles)} people in ${code}: median ${money(distribution.median)}, mean ${money(distribution.mean)}.`
    : "No lifetime value predictions yet.";
  return html`<${ChartFigure} id=${`chart-clv${code ? `-${code}` : ""}`} title=${`CLV distribution${code ? ` (${code})` : ""}`}
    type="bar" summary=${summary} labels=${labels}
    datasets=${[{ label: "People", data: buckets.map((b) => b.profiles) }]}
    columns=${["Lifetime value", "People"]} rows=${buckets.map((b, i) => [labels[i], points(b.profiles)])} />`;
}

// Green, amber, red: risk reads at a glance, and the legend and table name each band.
const BAND_COLOURS = { LOW: "#047857", MEDIUM: "#a16207", HIGH: "#b91c1c" };

function ChurnChart({ bands }) {
  const labels = bands.map((b) => `${label(b.band)} risk`);
  const summary = `People per churn risk: ${bands.map((b, i) => `${labels[i]} ${points(b.profiles)}`).join(", ")}.`;
  return html`<${ChartFigure} id="chart-churn" title="Churn risk" type="doughnut" summary=${summary}
    note="From the purchase model's chance that each person is still a customer (\u201cStill a customer\u201d on a member's page). It weighs each person's own buying rhythm, so it can differ from the segments and value tiers, which count days of silence."
    labels=${labels}
    datasets=${[{ label: "People", data: bands.map((b) => b.profiles), backgroundColor: bands.map((b) => BAND_COLOURS[b.band]) }]}
    columns=${["Churn risk", "People", "Share"]}
    rows=${bands.map((b, i) => [labels[i], points(b.profiles), percent(b.share, 1)])} />`;
}
