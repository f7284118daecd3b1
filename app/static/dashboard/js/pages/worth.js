// CLV and tier flows: predicted customer lifetime value by acquisition cohort, store or platform
// (per currency, never added across currencies); each month's revenue by value tier (VIP, regular,
// at risk, lost); and how people moved between tiers from one month's end to the next.
import { ChartFigure } from "../charts.js";
import { ErrorNotice, Loading, PageTitle, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { DownloadCsv } from "../download.js";
import { money, percent, points } from "../format.js";
import { html } from "../html.js";
import { PeriodSelect, knownPeriod, monthName, periodSince } from "../measure.js";
import { navigate } from "../router.js";
import { TIERS, TIER_NAMES } from "./value.js";

export const CLV_BREAKDOWN = /* GraphQL */ `
  query DashboardClvBreakdown($by: ClvDimension!) {
    clvBreakdown(by: $by) { key label customers averageClv totalClv currencyCode }
  }`;

export const VALUE_TIER_REVENUE = /* GraphQL */ `
  query DashboardValueTierRevenue($since: Date) {
    valueTierRevenue(since: $since) { month currencyCode tiers { valueTier revenue share customers } }
  }`;

export const VALUE_TIER_FLOWS = /* GraphQL */ `
  query DashboardValueTierFlows($month: String) {
    valueTierFlows(month: $month) { fromMonth toMonth flows { from to customers } }
  }`;

const DIMENSIONS = [
  ["COHORT", "Acquisition cohort", "clv-cohort"],
  ["STORE", "Store", "clv-store"],
  ["PLATFORM", "Platform", "clv-platform"],
];

export function Worth({ params }) {
  const by = DIMENSIONS.some(([d]) => d === params.by) ? params.by : "COHORT";
  const period = knownPeriod(params.period);
  const go = (changes) => navigate("worth", { params: { by, period, month: params.month, ...changes } });
  return html`
    <${PageTitle}>CLV and tier flows<//>
    <p class="lead">What customers are worth and where revenue comes from: predicted lifetime value by the month
      customers first ordered, by store and by platform; each month's revenue by value tier; and how many people moved
      between tiers from one month's end to the next.</p>
    <${Clv} by=${by} go=${go} />
    <${TierRevenue} period=${period} go=${go} />
    <${Flows} month=${params.month || ""} go=${go} />`;
}

function Clv({ by, go }) {
  const found = useQuery(CLV_BREAKDOWN, { by });
  const groups = found.data?.clvBreakdown;
  const [, name, exportName] = DIMENSIONS.find(([d]) => d === by);
  const currencies = [...new Set((groups || []).map((g) => g.currencyCode))];
  return html`
    <section aria-labelledby="clv-title">
      <div class="section-head">
        <h2 id="clv-title">Customer lifetime value by ${name.toLowerCase()}</h2>
        <${DownloadCsv} name=${exportName} params=${{}} what=${`CLV by ${name.toLowerCase()}`} />
      </div>
      <form class="filters" aria-label="Group CLV" onSubmit=${(e) => e.preventDefault()}>
        <div class="field">
          <label for="clv-by">Group by</label>
          <select id="clv-by" value=${by} onChange=${(e) => go({ by: e.currentTarget.value })}>
            ${DIMENSIONS.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
          </select>
        </div>
      </form>
      <p class="hint">Insights' predicted value per person over its horizon, at the last refresh; each group per
        currency${currencies.length > 1 ? " (currencies are never added together)" : ""}.</p>
      <${ErrorNotice} error=${found.error} retry=${found.reload} />
      ${found.loading && !groups ? html`<${Loading} what="CLV" />` : null}
      ${groups && (groups.length ? html`
        <${TableWrap} label=${`CLV by ${name.toLowerCase()}`}>
          <table class="data" id="clv-table" data-by=${by} aria-busy=${found.loading ? "true" : "false"}>
            <caption class="sr-only">Predicted customer lifetime value by ${name.toLowerCase()}</caption>
            <thead><tr><th scope="col">${name}</th><th scope="col" class="num">Customers</th>
              <th scope="col" class="num">Average CLV</th><th scope="col" class="num">Total CLV</th></tr></thead>
            <tbody>${groups.map((g) => html`
              <tr key=${`${g.key}-${g.currencyCode}`} data-key=${g.key} data-currency=${g.currencyCode}>
                <th scope="row">${by === "COHORT" && /^\d{4}-\d{2}$/.test(g.label) ? monthName(g.label) : g.label}</th>
                <td class="num" data-column="customers">${points(g.customers)}</td>
                <td class="num" data-column="average">${money(g.averageClv ? { amount: g.averageClv, currencyCode: g.currencyCode } : null)}</td>
                <td class="num" data-column="total">${money(g.totalClv ? { amount: g.totalClv, currencyCode: g.currencyCode } : null)}</td>
              </tr>`)}
            </tbody>
          </table>
        <//>` : html`<p>No predictions yet: they appear after the first insights refresh.</p>`)}
    </section>`;
}

function TierRevenue({ period, go }) {
  const since = periodSince(period);
  const found = useQuery(VALUE_TIER_REVENUE, { since });
  const months = found.data?.valueTierRevenue;
  const share = (m, tier) => m.tiers.find((t) => t.valueTier === tier);
  const code = months?.[0]?.currencyCode;
  return html`
    <section aria-labelledby="tier-revenue-title">
      <div class="section-head">
        <h2 id="tier-revenue-title">Revenue by value tier</h2>
        <${DownloadCsv} name="value-tier-revenue" params=${{ since }} what="revenue by value tier" />
      </div>
      <form class="filters" aria-label="Revenue period" onSubmit=${(e) => e.preventDefault()}>
        <${PeriodSelect} id="tier-revenue-period" period=${period} onChange=${(v) => go({ period: v })} />
      </form>
      <p class="hint">Each month's revenue from the people in each tier, tiers as they stood at the end of the month
        before; the share is of the month's revenue${code ? ` (${code})` : ""}.</p>
      <${ErrorNotice} error=${found.error} retry=${found.reload} />
      ${found.loading && !months ? html`<${Loading} what="revenue by value tier" />` : null}
      ${months && (months.length ? html`
        <${TableWrap} label="Revenue by value tier">
          <table class="data" id="tier-revenue-table">
            <caption class="sr-only">Each month's revenue and its share by value tier</caption>
            <thead><tr><th scope="col">Month</th>
              ${TIERS.map((t) => html`<th scope="col" class="num">${TIER_NAMES[t]}</th>`)}</tr></thead>
            <tbody>${months.map((m) => html`
              <tr key=${m.month} data-month=${m.month}>
                <th scope="row">${monthName(m.month)}</th>
                ${TIERS.map((t) => {
                  const found = share(m, t);
                  return html`<td class="num" data-tier=${t}>${percent(found?.share ?? 0, 1)}
                    <span class="sub">${money({ amount: found?.revenue ?? "0", currencyCode: m.currencyCode })}</span></td>`;
                })}
              </tr>`)}
            </tbody>
          </table>
        <//>
        <${ChartFigure} id="chart-tier-revenue" title="Share of revenue by value tier" type="bar"
          summary=${`Share of revenue by value tier, ${monthName(months[0].month)} to ${monthName(months.at(-1).month)}; in ${
            monthName(months.at(-1).month)}: ${TIERS.map((t) => `${TIER_NAMES[t]} ${percent(share(months.at(-1), t)?.share ?? 0)}`).join(", ")}.`}
          labels=${months.map((m) => monthName(m.month))}
          datasets=${TIERS.map((t) => ({ label: TIER_NAMES[t], data: months.map((m) => Math.round((share(m, t)?.share ?? 0) * 1000) / 10) }))}
          options=${{ scales: { x: { stacked: true }, y: { stacked: true, min: 0, max: 100, title: { display: true, text: "%" } } } }}
          columns=${["Month", ...TIERS.map((t) => TIER_NAMES[t])]}
          rows=${months.map((m) => [monthName(m.month), ...TIERS.map((t) => percent(share(m, t)?.share ?? 0, 1))])} />`
        : html`<p>No month yet: value tiers are kept month by month from the first insights refresh.</p>`)}
    </section>`;
}

const FROM = [...TIERS, null];

function Flows({ month, go }) {
  const found = useQuery(VALUE_TIER_FLOWS, { month: month || null });
  const flows = found.data?.valueTierFlows;
  const count = (from, to) => flows.flows.find((f) => (f.from ?? null) === from && f.to === to)?.customers ?? 0;
  const rowName = (from) => (from ? TIER_NAMES[from] : "No purchase yet");
  return html`
    <section aria-labelledby="flows-title">
      <div class="section-head">
        <h2 id="flows-title">How people moved between tiers</h2>
        <${DownloadCsv} name="value-tier-flows" params=${{ month }} what="flows between value tiers" />
      </div>
      <form class="filters" aria-label="Flow month" onSubmit=${(e) => { e.preventDefault(); go({ month: e.currentTarget.elements.month.value.trim() }); }}>
        <div class="field">
          <label for="flows-month">Month (YYYY-MM)</label>
          <input id="flows-month" name="month" type="text" inputmode="numeric" placeholder="latest"
            value=${month} autocomplete="off" aria-describedby="flows-month-hint" />
          <p class="hint" id="flows-month-hint">Empty: the latest month computed.</p>
        </div>
        <div class="filter-actions"><button type="submit" class="button">Show flows</button></div>
      </form>
      <${ErrorNotice} error=${found.error} retry=${found.reload} />
      ${found.loading && !flows ? html`<${Loading} what="the flows" />` : null}
      ${flows && (flows.toMonth ? html`
        <${TableWrap} label="Flows between value tiers">
          <table class="data" id="flows-table">
            <caption>${`People by their tier at the end of ${monthName(flows.fromMonth)} (rows) and at the end of ${
              monthName(flows.toMonth)} (columns)`}</caption>
            <thead>
              <tr><th scope="col">From ${monthName(flows.fromMonth)}</th>
                ${TIERS.map((t) => html`<th scope="col" class="num">To ${TIER_NAMES[t]}</th>`)}</tr>
            </thead>
            <tbody>${FROM.map((from) => html`
              <tr data-from=${from || "NONE"}>
                <th scope="row">${rowName(from)}</th>
                ${TIERS.map((to) => html`<td class=${`num${from === to ? " stay" : ""}`} data-to=${to}>${points(count(from, to))}</td>`)}
              </tr>`)}
            </tbody>
          </table>
        <//>
        <p class="hint">The diagonal (outlined) is people who stayed in their tier.</p>`
        : html`<p>No flows yet: they are kept from the first insights refresh that computes value tiers month by month.</p>`)}
    </section>`;
}
