// Cohorts: customers grouped by the month of their first order (across both platforms, or on one
// store), and for each month since, the share who ordered or the revenue per customer. A heatmap
// that is a real table: every cell says its figure in text; the colour only repeats it, and each
// shade keeps AA contrast with the text on it.
import { ErrorNotice, Loading, PageTitle, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { DownloadCsv } from "../download.js";
import { money, percent, points } from "../format.js";
import { html } from "../html.js";
import { Definitions, PeriodSelect, STORES, StoreSelect, knownPeriod, monthName, periodSince } from "../measure.js";
import { navigate } from "../router.js";

export const COHORTS = /* GraphQL */ `
  query DashboardCohorts($storeId: ID, $since: Date) {
    cohorts(storeId: $storeId, since: $since) {
      currencyCode
      cohorts { month customers cells { monthsSince activeCustomers share revenuePerCustomer } }
      definitions { key label definition }
    }
  }`;

const VIEWS = [
  ["share", "Share who ordered"],
  ["revenue", "Revenue per customer"],
];
/** Upper bounds of the shades (of a share, or of a fraction of the largest revenue cell); the last is 1. */
const STEPS = [0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1];

/** The shade 0 (none) to 7 (darkest) for a fraction from 0 to 1. */
export function shade(fraction) {
  if (!(fraction > 0)) return 0;
  const step = STEPS.findIndex((bound) => fraction <= bound);
  return step === -1 ? STEPS.length - 1 : step;
}

export function Cohorts({ params }) {
  const period = knownPeriod(params.period, "all");
  const storeId = params.storeId || "";
  const view = VIEWS.some(([v]) => v === params.view) ? params.view : "share";
  const since = periodSince(period);
  const found = useQuery(COHORTS, { storeId: storeId || null, since });
  const stores = useQuery(STORES).data?.stores?.nodes || [];
  const matrix = found.data?.cohorts;
  const go = (changes) => navigate("cohorts", { params: { period, storeId, view, ...changes } });
  const store = stores.find((s) => s.id === storeId);
  return html`
    <${PageTitle}>Cohorts<//>
    <p class="lead">Customers grouped by the month of their first order${storeId ? " on the store" : " on any store, either platform"},
      and what each group did in every month since: the share who ordered again, or the revenue per customer of the group.</p>
    <form class="filters" aria-label="Cohort scope" onSubmit=${(e) => e.preventDefault()}>
      <${StoreSelect} id="cohorts-store" stores=${stores} storeId=${storeId} onChange=${(v) => go({ storeId: v })} />
      <${PeriodSelect} id="cohorts-period" period=${period} onChange=${(v) => go({ period: v })} />
      <fieldset class="choice">
        <legend>Show</legend>
        ${VIEWS.map(([value, text]) => html`
          <label class="check"><input type="radio" name="cohort-view" value=${value} checked=${view === value}
            onChange=${() => go({ view: value })} /> ${text}</label>`)}
      </fieldset>
    </form>
    <${ErrorNotice} error=${found.error} retry=${found.reload} />
    ${found.loading && !matrix ? html`<${Loading} what="the cohorts" />` : null}
    ${matrix && html`
      <${Heatmap} matrix=${matrix} view=${view} scope=${store ? store.name : "all stores"} csv=${{ storeId, since }} busy=${found.loading} />
      <${Definitions} definitions=${matrix.definitions} id="cohorts-definitions" />`}`;
}

function Heatmap({ matrix, view, scope, csv, busy }) {
  const { cohorts, currencyCode } = matrix;
  if (!cohorts.length) return html`<p id="cohorts-empty">No cohort in this period: nobody's first counted order falls in it.</p>`;
  const width = Math.max(...cohorts.map((c) => c.cells.length));
  const columns = Array.from({ length: width }, (_, i) => i);
  const largest = Math.max(0, ...cohorts.flatMap((c) => c.cells.map((cell) => Number(cell.revenuePerCustomer))));
  const revenue = view === "revenue";
  const title = revenue ? `Revenue per customer (${currencyCode}) by cohort and month since the first order`
    : "Share of each cohort who ordered, by month since the first order";
  const cell = (c) => {
    if (!c) return html`<td class="heat heat-empty"></td>`;
    const fraction = revenue ? (largest ? Number(c.revenuePerCustomer) / largest : 0) : c.share;
    return html`<td class=${`num heat heat-${shade(fraction)}`} data-months-since=${c.monthsSince}
      data-share=${c.share} data-revenue=${c.revenuePerCustomer}
      title=${`${points(c.activeCustomers)} customers ordered`}>${revenue
        ? money({ amount: c.revenuePerCustomer, currencyCode }) : percent(c.share, 0)}</td>`;
  };
  return html`
    <section aria-labelledby="cohorts-title">
      <div class="section-head">
        <h2 id="cohorts-title">${revenue ? "Revenue per customer" : "Share who ordered"}</h2>
        <${DownloadCsv} name="cohorts" params=${csv} what="cohort matrix" />
      </div>
      <${Legend} revenue=${revenue} largest=${largest} currencyCode=${currencyCode} />
      <${TableWrap} label="Cohort matrix">
        <table class="data heatmap" id="cohort-matrix" data-view=${view} aria-busy=${busy ? "true" : "false"}>
          <caption>${title}, ${scope}. Empty cells are months that have not come yet.</caption>
          <thead>
            <tr>
              <th scope="col" rowspan="2">Cohort</th>
              <th scope="col" rowspan="2" class="num">Customers</th>
              <th scope="colgroup" colspan=${width}>Months since the first order</th>
            </tr>
            <tr>${columns.map((i) => html`<th scope="col" class="num"><span class="sr-only">Month </span>${i}</th>`)}</tr>
          </thead>
          <tbody>
            ${cohorts.map((row) => {
              const byMonth = Object.fromEntries(row.cells.map((c) => [c.monthsSince, c]));
              return html`<tr key=${row.month} data-cohort=${row.month}>
                <th scope="row">${monthName(row.month)}</th>
                <td class="num" data-column="customers">${points(row.customers)}</td>
                ${columns.map((i) => cell(byMonth[i]))}
              </tr>`;
            })}
          </tbody>
        </table>
      <//>
    </section>`;
}

/** What each shade stands for, in words. */
function Legend({ revenue, largest, currencyCode }) {
  const bound = (fraction) => (revenue ? money({ amount: String(Math.round(largest * fraction * 100) / 100), currencyCode }) : percent(fraction));
  const items = STEPS.map((upper, i) => {
    if (i === 0) return [0, revenue ? `${bound(0)}` : "0%"];
    return [i, `above ${bound(STEPS[i - 1])} to ${bound(upper)}`];
  });
  return html`
    <div class="heat-legend">
      <p class="hint" id="heat-legend-title">Colour key (darker is more):</p>
      <ul class="plain" aria-labelledby="heat-legend-title">
        ${items.map(([i, text]) => html`<li><span class=${`heat-swatch heat-${i}`} aria-hidden="true"></span>${text}</li>`)}
      </ul>
    </div>`;
}
