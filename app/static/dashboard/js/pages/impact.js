// Program impact: members who took part (redeemed a reward, did an action, a referral) against
// customers who never did, honestly. Members choose to take part, so the raw comparison (labelled
// raw) flatters the program; beside it the matched comparison (members against non-members with
// the same history on the day they first took part), the same members before and after taking part,
// the program's return with its interval, and the campaigns' holdouts, with the API's
// statement of the method. An interval that includes zero reads "no measurable effect".
import { ErrorNotice, Loading, PageTitle, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { DownloadCsv } from "../download.js";
import { decimal, money, percent, points } from "../format.js";
import { html } from "../html.js";
import { PeriodSelect, knownPeriod } from "../measure.js";
import { href, navigate } from "../router.js";
import { ImpactSettings } from "./impact_settings.js";

const GROUP = "customers ordersPerCustomer revenuePerCustomer repeatRate";
const ESTIMATE = "value low high unit";
/** The period select's values as the API's presets: the report the insights refresh kept for each. */
const IMPACT_PERIODS = { 12: "LAST_12_MONTHS", 24: "LAST_24_MONTHS", all: "ALL_TIME" };

export const PROGRAM_IMPACT = /* GraphQL */ `
  query DashboardProgramImpact($period: ImpactPeriod) {
    programImpact(period: $period) {
      method summary currencyCode windowDays asOf kept freshness
      raw { members { ${GROUP} } nonMembers { ${GROUP} } }
      matched { pairs unmatched members { ${GROUP} } controls { ${GROUP} } effect { ${ESTIMATE} } ordersEffect { ${ESTIMATE} } }
      prePost { members before { ${GROUP} } after { ${GROUP} } }
      roi {
        incrementalRevenue incrementalRevenueLow incrementalRevenueHigh marginRate incrementalMargin
        rewardsCost pointsCost net roi low high currencyCode
      }
      campaigns { campaign { id name } uplift { ${ESTIMATE} } }
    }
  }`;

const ROWS = [
  ["customers", "Customers"],
  ["ordersPerCustomer", "Orders per customer"],
  ["revenuePerCustomer", "Revenue per customer"],
  ["repeatRate", "Share with two orders or more"],
];

const known = (n) => n !== null && n !== undefined;

/** What an interval says: "positive", "negative", "none" (it includes zero) or "unknown" (too little data). */
export function verdict(low, high) {
  if (!known(low) || !known(high)) return "unknown";
  if (low > 0) return "positive";
  if (high < 0) return "negative";
  return "none";
}

function signed(text, value) {
  return value > 0 ? `+${text}` : text.replace(/^-/, "−");
}

/** An estimate's number in its unit: money for "<CUR> per ...", points of percentage for shares, else a decimal. */
function inUnit(value, unit, currencyCode) {
  if (!known(value)) return "—";
  if (/^share/.test(unit)) return signed(`${decimal(value * 100, 1)} pp`, value);
  if (currencyCode && unit.startsWith(currencyCode)) return signed(money({ amount: String(value), currencyCode }), value);
  return signed(decimal(value, 2), value);
}

/** "+$12.30 (95% interval +$2.10 to +$22.50)", or "No measurable effect: ..." when the interval includes zero. */
export function EstimateText({ estimate, currencyCode, effectWord = "effect" }) {
  const { value, low, high, unit } = estimate;
  const shown = (v) => html`<span class="nowrap">${inUnit(v, unit, currencyCode)}</span>`;
  const range = known(low) && known(high) ? html` (95% interval ${shown(low)} to ${shown(high)})` : "";
  const found = verdict(low, high);
  if (!known(value)) return html`<span class="estimate" data-verdict="unknown">Not enough data to estimate</span>`;
  if (found === "none") {
    return html`<span class="estimate" data-verdict="none"><strong>No measurable ${effectWord}</strong>: ${shown(value)}${range}, the interval includes zero</span>`;
  }
  if (found === "unknown") {
    return html`<span class="estimate" data-verdict="unknown">${shown(value)} <span class="sub">too few to give an interval</span></span>`;
  }
  return html`<span class="estimate" data-verdict=${found}><strong>${shown(value)}</strong>${range}${
    found === "negative" ? html`<span class="sub">below zero: a measurable loss</span>` : null}</span>`;
}

function figure(group, name, currencyCode) {
  const value = group[name];
  if (name === "customers") return points(value);
  if (name === "ordersPerCustomer") return decimal(value, 2);
  if (name === "revenuePerCustomer") return known(value) ? money({ amount: value, currencyCode }) : "—";
  return percent(value, 1);
}

function Comparison({ id, caption, columns, groups, currencyCode }) {
  return html`
    <${TableWrap} label=${caption}>
      <table class="data" id=${id}>
        <caption class="sr-only">${caption}</caption>
        <thead><tr><th scope="col">Figure</th>${columns.map((c) => html`<th scope="col" class="num">${c}</th>`)}</tr></thead>
        <tbody>
          ${ROWS.map(([name, text]) => html`<tr data-figure=${name}>
            <th scope="row">${text}</th>
            ${groups.map((g, i) => html`<td class="num" data-group=${i}>${figure(g, name, currencyCode)}</td>`)}
          </tr>`)}
        </tbody>
      </table>
    <//>`;
}

export function ProgramImpact({ params }) {
  const period = knownPeriod(params.period);
  const preset = IMPACT_PERIODS[period];
  const found = useQuery(PROGRAM_IMPACT, { period: preset });
  const impact = found.data?.programImpact;
  return html`
    <${PageTitle}>Program impact<//>
    <p class="lead">Does the loyalty program pay for itself? Every buyer is enrolled at their first order, so here
      members are the customers who took part — redeemed a reward, did an action such as the newsletter or a review,
      or a referral — against customers who never did. Those who take part are those who already buy most, so
      comparing them with everyone else flatters the program. This page shows that raw comparison, labelled raw,
      beside a fair one: members against non-members who had the same history on the day the member first took
      part.</p>
    <form class="filters" aria-label="Impact period" onSubmit=${(e) => e.preventDefault()}>
      <${PeriodSelect} id="impact-period" period=${period} onChange=${(v) => navigate("impact", { params: { period: v } })} />
    </form>
    <${ImpactSettings} onSaved=${found.reload} />
    <${ErrorNotice} error=${found.error} retry=${found.reload} />
    ${found.loading && !impact ? html`<${Loading} what="the program's impact" />` : null}
    ${impact && html`<${Report} impact=${impact} csv=${{ period: preset }} />`}`;
}

function Report({ impact, csv }) {
  const { raw, matched, prePost, roi, currencyCode, windowDays } = impact;
  return html`
    <section aria-labelledby="impact-summary-title" class="panel" id="impact-summary">
      <h2 id="impact-summary-title">In one sentence</h2>
      <p><strong>${impact.summary}</strong></p>
      ${impact.freshness ? html`<p class="hint" id="impact-as-of" data-kept=${String(impact.kept)}>${impact.freshness}</p>` : null}
      <div class="section-head"><span class="hint">Every figure on this page in one file:</span>
        <${DownloadCsv} name="program-impact" params=${csv} what="program impact" /></div>
    </section>
    <div class="side-by-side">
      <section aria-labelledby="impact-raw-title" id="impact-raw">
        <h2 id="impact-raw-title">Raw comparison <span class="badge badge-warn">flatters the program</span></h2>
        <p class="hint">Customers who ordered in the period: members (who took part at any time) against everyone else.
          The gap is not the program's effect: it includes who chose to take part.</p>
        <${Comparison} id="impact-raw-table" caption="Raw comparison: members against non-members, not the program's effect"
          columns=${["Members (raw)", "Non-members (raw)"]} groups=${[raw.members, raw.nonMembers]} currencyCode=${currencyCode} />
      </section>
      <section aria-labelledby="impact-matched-title" id="impact-matched">
        <h2 id="impact-matched-title">Matched comparison <span class="badge badge-ok">the fair one</span></h2>
        <p class="hint">${matched.pairs
          ? `${points(matched.pairs)} members who first took part in the period, each against non-members with the same
            history on that day, over the ${points(windowDays)} days after it.`
          : "No member of the period could be compared yet (the sentence above says why)."}
          ${matched.unmatched ? ` ${points(matched.unmatched)} members had no non-member with their history and are left out.` : ""}</p>
        <${Comparison} id="impact-matched-table" caption="Matched comparison: members against non-members with the same history"
          columns=${["Members (matched)", "Matched non-members"]} groups=${[matched.members, matched.controls]} currencyCode=${currencyCode} />
        <dl class="stats stats-wide">
          <div data-figure="matched-effect"><dt>Matched effect on revenue per member</dt>
            <dd><${EstimateText} estimate=${matched.effect} currencyCode=${currencyCode} /></dd></div>
          <div data-figure="matched-orders-effect"><dt>Matched effect on orders per member</dt>
            <dd><${EstimateText} estimate=${matched.ordersEffect} currencyCode=${currencyCode} /></dd></div>
        </dl>
      </section>
    </div>
    <section aria-labelledby="impact-prepost-title" id="impact-prepost">
      <h2 id="impact-prepost-title">The same members before and after taking part</h2>
      <p class="hint">${points(prePost.members)} members, the ${points(windowDays)} days before the day they first took
        part against the ${points(windowDays)} days after. Trends and seasons are in it too, so this is not an effect
        on its own.</p>
      <${Comparison} id="impact-prepost-table" caption="The same members before and after taking part"
        columns=${["Before taking part", "After taking part"]} groups=${[prePost.before, prePost.after]} currencyCode=${currencyCode} />
    </section>
    <${Roi} roi=${roi} />
    <${Campaigns} campaigns=${impact.campaigns} />
    <section aria-labelledby="impact-method-title" class="panel" id="impact-method">
      <h2 id="impact-method-title">Method</h2>
      <p>${impact.method}</p>
    </section>`;
}

function Roi({ roi }) {
  const amount = (value) => (known(value) ? money({ amount: value, currencyCode: roi.currencyCode }) : "—");
  const found = verdict(roi.low, roi.high);
  const range = known(roi.low) && known(roi.high) ? ` (95% interval ${percent(roi.low)} to ${percent(roi.high)})` : "";
  const headline = !known(roi.roi)
    ? "No return to show: no matched effect or no costs in the period."
    : found === "none" ? `No measurable return: ${percent(roi.roi)}${range}, the interval includes zero.`
      : found === "negative" ? `The program costs more than it brings: ${percent(roi.roi)}${range}.`
        : found === "positive" ? `The program pays for itself: ${percent(roi.roi)}${range}.`
          : `${percent(roi.roi)}, too few members to give an interval.`;
  return html`
    <section aria-labelledby="impact-roi-title" id="impact-roi">
      <h2 id="impact-roi-title">The program's return</h2>
      <p id="impact-roi-verdict" data-verdict=${known(roi.roi) ? found : "unknown"}><strong>${headline}</strong></p>
      <dl class="stats stats-wide">
        <div data-figure="incremental-revenue"><dt>Incremental revenue (matched effect × matched members)</dt>
          <dd>${amount(roi.incrementalRevenue)}${known(roi.incrementalRevenueLow) && known(roi.incrementalRevenueHigh)
            ? html`<span class="sub">95% interval ${amount(roi.incrementalRevenueLow)} to ${amount(roi.incrementalRevenueHigh)}</span>` : null}</dd></div>
        <div data-figure="margin-rate"><dt>Margin rate (a setting)</dt><dd>${percent(roi.marginRate)}</dd></div>
        <div data-figure="incremental-margin"><dt>Incremental margin</dt><dd>${amount(roi.incrementalMargin)}</dd></div>
        <div data-figure="rewards-cost"><dt>Rewards cost</dt><dd>${amount(roi.rewardsCost)}</dd></div>
        <div data-figure="points-cost"><dt>Points cost (earned, not yet spent)</dt><dd>${amount(roi.pointsCost)}</dd></div>
        <div data-figure="net"><dt>Net (margin minus costs)</dt><dd>${amount(roi.net)}</dd></div>
        <div data-figure="roi"><dt>Return on the costs</dt><dd>${known(roi.roi) ? percent(roi.roi) : "—"}${range
          ? html`<span class="sub">${range.trim().replace(/^\(|\)$/g, "")}</span>` : null}</dd></div>
      </dl>
    </section>`;
}

function Campaigns({ campaigns }) {
  return html`
    <section aria-labelledby="impact-campaigns-title" id="impact-campaigns">
      <h2 id="impact-campaigns-title">Campaigns against their holdouts</h2>
      <p class="hint">Each campaign keeps a random holdout that gets nothing; the difference is the share of treated
        members who ordered minus the holdout's, in percentage points (pp).</p>
      ${campaigns.length ? html`
        <${TableWrap} label="Campaigns against their holdouts">
          <table class="data" id="impact-campaigns-table">
            <caption class="sr-only">Each campaign's difference in the share who ordered, treated minus holdout</caption>
            <thead><tr><th scope="col">Campaign</th><th scope="col">Treated minus holdout (95% interval)</th></tr></thead>
            <tbody>${campaigns.map((c) => html`
              <tr key=${c.campaign.id} data-campaign-id=${c.campaign.id}>
                <th scope="row"><a href=${href("campaign", { id: c.campaign.id })}>${c.campaign.name}</a></th>
                <td><${EstimateText} estimate=${c.uplift} /></td>
              </tr>`)}
            </tbody>
          </table>
        <//>` : html`<p>No campaign has entered anyone yet.</p>`}
    </section>`;
}
