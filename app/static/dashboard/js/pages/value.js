// Value tiers: VIP / regular / at risk / lost, with each tier's people and revenue, the trend over
// the latest refreshes, links to the members of a tier, and the thresholds (previewed, then saved).
import { useState } from "preact/hooks";

import { errorsByField, request } from "../api.js";
import { ChartFigure } from "../charts.js";
import { ErrorNotice, ErrorSummary, Field, Loading, PageTitle, Status, TableWrap } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { TIER_THRESHOLDS_PREVIEW, TIER_THRESHOLDS_UPDATE, VALUE_VIEW } from "../documents.js";
import { html } from "../html.js";
import { day, money, percent, points, when } from "../format.js";
import { href } from "../router.js";

export const TIERS = ["VIP", "REGULAR", "AT_RISK", "LOST"];
export const TIER_NAMES = { VIP: "VIP", REGULAR: "Regular", AT_RISK: "At risk", LOST: "Lost" };

/** What each tier means under the thresholds in force, in plain words. */
export function tierMeaning(tier, t) {
  if (!t) return "";
  const top = percent(t.vipTopShare);
  return {
    VIP: `Bought within the last ${t.atRiskAfterDays} days and among the top ${top} of all customers by spend`,
    REGULAR: `Bought within the last ${t.atRiskAfterDays} days, outside the top ${top} of all customers by spend`,
    AT_RISK: `No purchase for more than ${t.atRiskAfterDays} days, up to ${t.lostAfterDays}`,
    LOST: `No purchase for more than ${t.lostAfterDays} days`,
  }[tier];
}

export function ValueTiers() {
  const { data, error, loading, reload } = useQuery(VALUE_VIEW);
  const insights = data?.insights;
  return html`
    <${PageTitle}>Value tiers<//>
    <p class="lead">Every customer with a purchase sits in one tier: silence decides first (at risk, lost), then
      spend (VIP or regular). Spend is purchases net of refunds, ranked among customers paying in the same currency.</p>
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="the value tiers" />` : null}
    ${insights && html`
      ${insights.asOf && html`<p class="hint">Figures as of ${day(insights.asOf)} (the last insights refresh).</p>`}
      <${TierTable} insights=${insights} />
      <${TrendChart} trend=${insights.tierTrend} />
      <${Thresholds} current=${insights.tierThresholds} onSaved=${reload} />`}`;
}

function TierTable({ insights }) {
  const thresholds = insights.tierThresholds;
  const people = Object.fromEntries(insights.tiers.map((t) => [t.tier, t]));
  const currencies = [...new Set(insights.tierRevenue.map((r) => r.revenue.currencyCode))];
  const revenue = (tier, code) => insights.tierRevenue.find((r) => r.tier === tier && r.revenue.currencyCode === code);
  return html`
    <section aria-labelledby="tiers-title">
      <h2 id="tiers-title">People and revenue per tier</h2>
      <${TableWrap} label="Value tiers">
        <table class="data value-table" id="value-tiers">
          <caption class="sr-only">People and revenue per value tier</caption>
          <thead><tr>
            <th scope="col">Tier</th><th scope="col">Who</th>
            <th scope="col" class="num">People</th><th scope="col" class="num">Share of people</th>
            ${currencies.map((code) => html`
              <th scope="col" class="num">Revenue (${code})</th><th scope="col" class="num">Share of ${code} revenue</th>`)}
            <th scope="col">Members</th>
          </tr></thead>
          <tbody>
            ${TIERS.map((tier) => html`
              <tr key=${tier} data-tier=${tier}>
                <th scope="row">${TIER_NAMES[tier]}</th>
                <td class="sub-cell">${tierMeaning(tier, thresholds)}</td>
                <td class="num" data-column="profiles">${points(people[tier]?.profiles ?? 0)}</td>
                <td class="num">${percent(people[tier]?.share ?? 0, 1)}</td>
                ${currencies.map((code) => html`
                  <td class="num">${money(revenue(tier, code)?.revenue)}</td>
                  <td class="num">${percent(revenue(tier, code)?.share ?? 0, 1)}</td>`)}
                <td><a href=${href("members", { params: { valueTier: tier } })}
                       aria-label=${`See members in the ${TIER_NAMES[tier]} tier`}>See members</a></td>
              </tr>`)}
          </tbody>
        </table>
      <//>
    </section>`;
}

function TrendChart({ trend }) {
  const labels = trend.map((p) => `${when(p.at)}${p.thresholdChange ? " (thresholds)" : ""}`);
  const count = (point, tier) => point.tiers.filter((t) => t.tier === tier).reduce((sum, t) => sum + t.profiles, 0);
  const datasets = TIERS.map((tier) => ({ label: TIER_NAMES[tier], data: trend.map((p) => count(p, tier)) }));
  const last = trend.at(-1);
  const summary = trend.length
    ? `People per value tier after the last ${trend.length} refreshes; latest: ${TIERS.map((t) => `${TIER_NAMES[t]} ${points(count(last, t))}`).join(", ")}.`
    : "No refresh has recorded value tiers yet.";
  return html`<${ChartFigure} id="chart-value-trend" title="Value tiers over the latest refreshes" type="line"
    summary=${summary} labels=${labels} datasets=${datasets}
    note="A point per insights refresh, and per saved threshold change."
    columns=${["Refresh", ...TIERS.map((t) => TIER_NAMES[t])]}
    rows=${trend.map((p, i) => [labels[i], ...TIERS.map((t) => points(count(p, t)))])} />`;
}

const FIELDS = [
  ["atRiskAfterDays", "At risk after (days without a purchase)", "1 to 36,500 days."],
  ["lostAfterDays", "Lost after (days without a purchase)", "At least the at-risk days."],
  ["vipTopPercent", "VIP: top share of spenders (%)", "Above 0, at most 100, e.g. 20 for the top 20%."],
];

function asDraft(t) {
  return { atRiskAfterDays: String(t.atRiskAfterDays), lostAfterDays: String(t.lostAfterDays),
    vipTopPercent: String(Math.round(t.vipTopShare * 10000) / 100) };
}

/** The form's values as the API's input, or errors by field for what is not a number at all. */
function asInput(draft) {
  const errors = {};
  const whole = (name) => {
    const text = draft[name].trim();
    if (!/^\d+$/.test(text)) errors[name] = ["Enter a whole number of days."];
    return Number(text);
  };
  const input = { atRiskAfterDays: whole("atRiskAfterDays"), lostAfterDays: whole("lostAfterDays") };
  const percentText = draft.vipTopPercent.trim().replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(percentText)) errors.vipTopPercent = ["Enter a percentage, e.g. 20."];
  input.vipTopShare = Number(percentText) / 100;
  return { input, errors };
}

/** Server errors name vipTopShare; the form shows it as a percentage. */
function serverErrors(userErrors) {
  const found = errorsByField(userErrors);
  if (found.vipTopShare) {
    found.vipTopPercent = found.vipTopShare.map((m) => m.replace("a share above 0 and at most 1 (e.g. 0.2 for the top 20 %)",
      "a percentage above 0 and at most 100"));
    delete found.vipTopShare;
  }
  return found;
}

function Thresholds({ current, onSaved }) {
  const [draft, setDraft] = useState(() => asDraft(current));
  const [errors, setErrors] = useState({});
  const [preview, setPreview] = useState(null);
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const [previewing, setPreviewing] = useState(false);
  const [save, saving] = useMutation(TIER_THRESHOLDS_UPDATE, "tierThresholdsUpdate");
  const set = (name) => (event) => {
    setDraft({ ...draft, [name]: event.currentTarget.value });
    setPreview(null);
    setMessage("");
  };
  const checked = () => {
    setMessage("");
    setFailure(null);
    const { input, errors: found } = asInput(draft);
    setErrors(found);
    return Object.keys(found).length ? null : input;
  };
  const showPreview = async () => {
    const input = checked();
    if (!input) return;
    setPreviewing(true);
    try {
      const data = await request(TIER_THRESHOLDS_PREVIEW, { input });
      const found = data.insights.tierThresholdsPreview;
      if (found.userErrors.length) {
        setErrors(serverErrors(found.userErrors));
        setPreview(null);
      } else {
        setPreview(found);
      }
    } catch (error) {
      setFailure(error);
    } finally {
      setPreviewing(false);
    }
  };
  const submit = async (event) => {
    event.preventDefault();
    const input = checked();
    if (!input) return;
    try {
      const payload = await save(input);
      if (payload.userErrors.length) {
        setErrors(serverErrors(payload.userErrors));
        return;
      }
      setDraft(asDraft(payload.thresholds));
      setPreview(null);
      setMessage(`Saved. ${points(payload.moved)} ${payload.moved === 1 ? "person changed tier" : "people changed tier"}; the counts above are updated.`);
      onSaved();
    } catch (error) {
      setFailure(error);
    }
  };
  return html`
    <section aria-labelledby="thresholds-title" class="panel">
      <h2 id="thresholds-title">Thresholds</h2>
      <p class="hint">Preview shows how many people each change moves, from the last refresh's figures. Saving sorts
        everyone again at once and adds a point to the trend.</p>
      <form class="form-inline" id="thresholds-form" onSubmit=${submit} novalidate>
        <${ErrorSummary} errors=${errors} prefix="thresholds" title="The thresholds were not saved" />
        ${FIELDS.map(([name, text, hint]) => html`
          <${Field} prefix="thresholds" path=${name} label=${text} errors=${errors} hint=${hint}
            input=${(a) => html`<input ...${a} type="text" inputmode="decimal" name=${name} autocomplete="off"
                                    value=${draft[name]} onInput=${set(name)} required />`} />`)}
        <div class="form-actions">
          <button type="button" class="button" onClick=${showPreview} disabled=${previewing}>
            ${previewing ? "Previewing…" : "Preview"}</button>
          <button type="submit" class="button button-primary" disabled=${saving}>${saving ? "Saving…" : "Save thresholds"}</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
      ${preview && html`<${Preview} preview=${preview} />`}
      <${Status} message=${message} id="thresholds-status" />
    </section>`;
}

const CHANGE_NAMES = { AT_RISK_AFTER_DAYS: "At-risk days", LOST_AFTER_DAYS: "Lost days", VIP_TOP_SHARE: "VIP share" };

function changeValue(name, value) {
  return name === "VIP_TOP_SHARE" ? percent(value, 2) : `${points(value)} days`;
}

function Preview({ preview }) {
  return html`
    <div class="preview" id="thresholds-preview" role="status" aria-live="polite">
      <h3>Preview: ${points(preview.moved)} ${preview.moved === 1 ? "person changes" : "people change"} tier</h3>
      ${preview.changes.length ? html`
        <ul class="plain">
          ${preview.changes.map((c) => html`<li data-change=${c.name}>${`${CHANGE_NAMES[c.name]}: ${changeValue(c.name, c.current)} → ${
            changeValue(c.name, c.proposed)}: `}${c.moves === null ? "valid only with the other changes"
              : `moves ${points(c.moves)} on its own`}</li>`)}
        </ul>` : html`<p>No threshold changed.</p>`}
      <${TableWrap} label="Tier sizes before and after">
        <table class="data">
          <caption class="sr-only">People per tier now and with the proposed thresholds</caption>
          <thead><tr><th scope="col">Tier</th><th scope="col" class="num">Now</th><th scope="col" class="num">After saving</th></tr></thead>
          <tbody>
            ${preview.tiers.map((t) => html`<tr data-tier=${t.tier}><th scope="row">${TIER_NAMES[t.tier]}</th>
              <td class="num">${points(t.before)}</td><td class="num" data-column="after">${points(t.after)}</td></tr>`)}
          </tbody>
        </table>
      <//>
      ${preview.moves.length ? html`<p>${preview.moves.map((m) => `${points(m.profiles)} from ${TIER_NAMES[m.from]} to ${TIER_NAMES[m.to]}`).join("; ")}.</p>` : null}
    </div>`;
}
