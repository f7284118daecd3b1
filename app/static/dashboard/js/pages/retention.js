// Retention: per month, active, new and returning customers, the retention rate, the repeat
// purchase rate, purchase frequency and the median days between orders, each figure with the API's
// definition beside it; across stores (the person) or for one store (its accounts), over a period.
import { ChartFigure } from "../charts.js";
import { ErrorNotice, Loading, PageTitle, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { DownloadCsv } from "../download.js";
import { decimal, percent, points } from "../format.js";
import { html } from "../html.js";
import { Definitions, PeriodSelect, STORES, StoreSelect, definitionOf, knownPeriod, monthName, periodSince } from "../measure.js";
import { navigate } from "../router.js";

export const RETENTION = /* GraphQL */ `
  query DashboardRetention($storeId: ID, $since: Date) {
    retention(storeId: $storeId, since: $since) {
      months {
        month activeCustomers newCustomers returningCustomers retentionRate repeatPurchaseRate
        purchaseFrequency medianDaysBetweenOrders
      }
      definitions { key label definition }
    }
  }`;

/** The figures in the order the table shows them, with how each is written. */
export const FIGURES = [
  ["activeCustomers", (v) => points(v)],
  ["newCustomers", (v) => points(v)],
  ["returningCustomers", (v) => points(v)],
  ["retentionRate", (v) => percent(v, 1)],
  ["repeatPurchaseRate", (v) => percent(v, 1)],
  ["purchaseFrequency", (v) => decimal(v, 2)],
  ["medianDaysBetweenOrders", (v) => decimal(v, 1)],
];
const FALLBACK = {
  activeCustomers: "Active customers", newCustomers: "New customers", returningCustomers: "Returning customers",
  retentionRate: "Retention rate", repeatPurchaseRate: "Repeat purchase rate", purchaseFrequency: "Purchase frequency",
  medianDaysBetweenOrders: "Median days between orders",
};

export function Retention({ params }) {
  const period = knownPeriod(params.period);
  const storeId = params.storeId || "";
  const since = periodSince(period);
  const found = useQuery(RETENTION, { storeId: storeId || null, since });
  const stores = useQuery(STORES).data?.stores?.nodes || [];
  const report = found.data?.retention;
  const go = (changes) => navigate("retention", { params: { period, storeId, ...changes } });
  const store = stores.find((s) => s.id === storeId);
  return html`
    <${PageTitle}>Retention<//>
    <p class="lead">Do customers come back? Per calendar month (UTC): who ordered, who was new, who came back, and
      how often. ${storeId ? "For one store, a customer is their account on that store." : "Across stores, a customer is the person, however many accounts they have on either platform."}</p>
    <form class="filters" aria-label="Retention scope" onSubmit=${(e) => e.preventDefault()}>
      <${StoreSelect} id="retention-store" stores=${stores} storeId=${storeId} onChange=${(v) => go({ storeId: v })} />
      <${PeriodSelect} id="retention-period" period=${period} onChange=${(v) => go({ period: v })} />
    </form>
    <${ErrorNotice} error=${found.error} retry=${found.reload} />
    ${found.loading && !report ? html`<${Loading} what="retention" />` : null}
    ${report && html`<${Report} report=${report} scope=${store ? store.name : "All stores"}
      csv=${{ storeId, since }} busy=${found.loading} />`}`;
}

function labelOf(definitions, key) {
  return definitionOf(definitions, key)?.label || FALLBACK[key];
}

function Report({ report, scope, csv, busy }) {
  const { months, definitions } = report;
  if (!months.length) return html`<p id="retention-empty">No counted orders in this period${scope === "All stores" ? "" : ` on ${scope}`}.</p>`;
  const now = new Date();
  const thisMonth = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  // The headline is the latest complete month; the month under way is in the table, marked "to date".
  const latest = months.length > 1 && months.at(-1).month === thisMonth ? months.at(-2) : months.at(-1);
  const current = latest.month === thisMonth;
  // The month under way would read as a fall in the chart: it stays in the table only.
  const charted = months.filter((m) => m.month !== thisMonth);
  const rates = charted.filter((m) => m.retentionRate !== null);
  return html`
    <section aria-labelledby="retention-latest-title">
      <h2 id="retention-latest-title">${monthName(latest.month)}${current ? " (month to date)" : ", the latest complete month"}: ${scope}</h2>
      <dl class="stats stats-defined" id="retention-latest">
        ${FIGURES.map(([key, show]) => html`
          <div data-figure=${key}>
            <dt>${labelOf(definitions, key)}</dt>
            <dd class="figure">${show(latest[key])}</dd>
            <dd class="definition">${definitionOf(definitions, key)?.definition || ""}</dd>
          </div>`)}
      </dl>
    </section>
    <section aria-labelledby="retention-months-title">
      <div class="section-head">
        <h2 id="retention-months-title">Month by month</h2>
        <${DownloadCsv} name="retention" params=${csv} what="retention month by month" />
      </div>
      <${TableWrap} label="Retention month by month">
        <table class="data" id="retention-table" aria-busy=${busy ? "true" : "false"}>
          <caption class="sr-only">Retention month by month, ${scope}; the definitions are listed under the table</caption>
          <thead><tr>
            <th scope="col">Month</th>
            ${FIGURES.map(([key]) => html`<th scope="col" class="num">${labelOf(definitions, key)}</th>`)}
          </tr></thead>
          <tbody>
            ${months.map((m) => html`
              <tr key=${m.month} data-month=${m.month}>
                <th scope="row">${monthName(m.month)}${m.month === thisMonth ? html`<span class="sub">to date</span>` : null}</th>
                ${FIGURES.map(([key, show]) => html`<td class="num" data-column=${key}>${show(m[key])}</td>`)}
              </tr>`)}
          </tbody>
        </table>
      <//>
      <p class="hint">"—": the figure is empty (nobody active the month before, or no order with an earlier one).</p>
    </section>
    <${ChartFigure} id="chart-retention" title="Retention and repeat purchase rate by month" type="line"
      summary=${rates.length
        ? `Retention rate from ${percent(rates[0].retentionRate, 1)} in ${monthName(rates[0].month)} to ${
          percent(rates.at(-1).retentionRate, 1)} in ${monthName(rates.at(-1).month)}; repeat purchase rate ${
          percent(rates.at(-1).repeatPurchaseRate, 1)} in ${monthName(rates.at(-1).month)}.`
        : "No retention rate yet: no month follows one with active customers."}
      note=${charted.length < months.length ? "Complete months only: the month under way is in the table." : undefined}
      labels=${charted.map((m) => monthName(m.month))}
      datasets=${[
        { label: labelOf(definitions, "retentionRate"), data: charted.map((m) => (m.retentionRate === null ? null : Math.round(m.retentionRate * 1000) / 10)) },
        { label: labelOf(definitions, "repeatPurchaseRate"), data: charted.map((m) => (m.repeatPurchaseRate === null ? null : Math.round(m.repeatPurchaseRate * 1000) / 10)) },
      ]}
      options=${{ scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } } }}
      columns=${["Month", labelOf(definitions, "retentionRate"), labelOf(definitions, "repeatPurchaseRate")]}
      rows=${charted.map((m) => [monthName(m.month), percent(m.retentionRate, 1), percent(m.repeatPurchaseRate, 1)])} />
    <${Definitions} definitions=${definitions} id="retention-definitions" />`;
}
