// One campaign: who it picks and what they get, a preview of what launching does now (with
// the email as it will be sent, in a sandboxed frame), launch and pause, and the results
// against the holdout with what each figure means.
import { useState } from "preact/hooks";

import { request } from "../api.js";
import { Badge, ErrorNotice, Loading, PageTitle, Status, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { CAMPAIGN, CAMPAIGN_LAUNCH, CAMPAIGN_PAUSE, CAMPAIGN_PREVIEW } from "../documents.js";
import { html } from "../html.js";
import { decimal, money, percent, points, when } from "../format.js";
import { href } from "../router.js";
import { KIND_NAMES, StatusBadge } from "./campaigns.js";

const FIELD_NAMES = {
  value_tier: "Value tier", rfm_segment: "Segment", churn_band: "Churn risk", p_alive: "Chance still a customer",
  clv: "Predicted value", days_since_last_order: "Days since the last order", orders: "Orders", tier: "Loyalty tier",
  points_balance: "Points balance", birthday_within_days: "Birthday within (days)",
  points_expiring_within_days: "Points expiring within (days)", tier_changed_within_days: "New tier within (days)",
  tier_drop_within_days: "Tier drops within (days)", joined_within_days: "Joined within (days)", store: "Store",
  platform: "Platform", marketing_consent: "Accepts marketing email",
};
const OPS = { eq: "is", ne: "is not", in: "is one of", not_in: "is none of", gte: "at least", lte: "at most", gt: "more than", lt: "less than" };
const WITHIN = new Set(["birthday_within_days", "points_expiring_within_days", "tier_changed_within_days", "tier_drop_within_days", "joined_within_days"]);

const VALUE_NAMES = {
  vip: "VIP", regular: "Regular", at_risk: "At risk", lost: "Lost", low: "Low", medium: "Medium", high: "High",
  shopify: "Shopify", woocommerce: "WooCommerce",
};

function shown(value) {
  if (Array.isArray(value)) return value.map(shown).join(", ");
  if (value === true) return "yes";
  if (value === false) return "no";
  return VALUE_NAMES[value] || String(value).replace(/_/g, " ");
}

/** An audience in plain words, one line per condition; nested groups indented. */
function AudienceList({ audience }) {
  const [match, parts] = Object.entries(audience || {})[0] || ["all", []];
  return html`
    <p class="hint">${match === "all" ? "Members who match every condition:" : "Members who match any of these:"}</p>
    <ul>
      ${parts.map((part) => part.field
        ? html`<li>${FIELD_NAMES[part.field] || part.field}${WITHIN.has(part.field) ? ": " : ` ${OPS[part.op] || part.op} `}${shown(part.value)}</li>`
        : html`<li><${AudienceList} audience=${part} /></li>`)}
    </ul>`;
}

function actionWords(actions) {
  const words = [];
  const code = actions.code;
  if (code) {
    const value = code.kind === "PERCENTAGE" ? `${decimal(code.value)}% off` : code.kind === "FREE_SHIPPING" ? "free shipping" : `${decimal(code.value)} off`;
    words.push(`a single-use code for ${value}, valid ${code.validDays} days${code.minimumSubtotal ? ` on orders of ${decimal(code.minimumSubtotal)} or more` : ""}`);
  }
  if (actions.points) words.push(`${points(actions.points)} points`);
  if (actions.email) words.push("an email");
  if (actions.event) words.push("a signed event to the merchant's endpoints");
  return words.length ? words.join(", ") : "nothing";
}

export function Campaign({ id }) {
  const { data, error, loading, reload } = useQuery(CAMPAIGN, { id });
  const campaign = data?.campaign;
  if (loading && !data) return html`<${PageTitle}>Campaign<//><${Loading} what="the campaign" />`;
  if (error) return html`<${PageTitle}>Campaign<//><${ErrorNotice} error=${error} retry=${reload} />`;
  if (!campaign) {
    return html`<${PageTitle}>Campaign not found<//>
      <p>No campaign of this merchant has this id. <a href=${href("campaigns")}>Back to campaigns</a></p>`;
  }
  return html`
    <p class="breadcrumb"><a href=${href("campaigns")}>Campaigns</a></p>
    <${PageTitle}>${campaign.name}<//>
    <p class="sub-title">${KIND_NAMES[campaign.kind] || campaign.kind} · <${StatusBadge} status=${campaign.status} />
      ${campaign.lastRunAt ? ` · last run ${when(campaign.lastRunAt)}` : " · not run yet"}</p>
    <section aria-labelledby="definition-title" class="panel">
      <h2 id="definition-title">Who enters and what they get</h2>
      <${AudienceList} audience=${campaign.audience} />
      <p>Each treated member gets ${actionWords(campaign.actions)}. ${campaign.holdoutPercent}% of the audience is held
        out and gets nothing. A member enters ${campaign.periodDays ? `at most once every ${campaign.periodDays} days` : "once only"};
        orders within ${campaign.attributionDays} days of entering count in the results.</p>
    </section>
    <${Actions} campaign=${campaign} onChanged=${reload} />
    <${Results} campaign=${campaign} />
    <${SendLog} messages=${data.messages.nodes} />`;
}

function Actions({ campaign, onChanged }) {
  const [preview, setPreview] = useState(null);
  const [busy, setBusy] = useState("");
  const [failure, setFailure] = useState(null);
  const [message, setMessage] = useState("");
  const run = async (what, document, field, done) => {
    setBusy(what);
    setFailure(null);
    setMessage("");
    try {
      const data = await request(document, { input: { id: campaign.id } });
      const payload = data[field];
      if (payload.userErrors.length) setFailure(new Error(payload.userErrors.map((e) => e.message).join(" ")));
      else done(payload);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy("");
    }
  };
  const showPreview = () => run("preview", CAMPAIGN_PREVIEW, "campaignPreview", (p) => setPreview(p.preview));
  const launch = () => run("launch", CAMPAIGN_LAUNCH, "campaignLaunch", () => {
    setMessage("Launched. The first run is queued: members enter and emails go out in the background.");
    onChanged();
  });
  const pause = () => run("pause", CAMPAIGN_PAUSE, "campaignPause", () => {
    setMessage("Paused. Nobody new enters; emails already queued still go out.");
    onChanged();
  });
  return html`
    <section aria-labelledby="launch-title" class="panel">
      <h2 id="launch-title">Preview and launch</h2>
      <p class="hint">The preview counts who would enter now and shows the email a sample member would get. It sends nothing.</p>
      <div class="form-actions">
        <button type="button" class="button" id="campaign-preview" onClick=${showPreview} disabled=${Boolean(busy)}>
          ${busy === "preview" ? "Previewing…" : "Preview"}</button>
        ${campaign.status === "ACTIVE"
          ? html`<button type="button" class="button" id="campaign-pause" onClick=${pause} disabled=${Boolean(busy)}>
              ${busy === "pause" ? "Pausing…" : "Pause"}</button>`
          : html`<button type="button" class="button button-primary" id="campaign-launch" onClick=${launch} disabled=${Boolean(busy)}>
              ${busy === "launch" ? "Launching…" : campaign.status === "PAUSED" ? "Resume" : "Launch"}</button>`}
      </div>
      <${ErrorNotice} error=${failure} />
      <${Status} message=${message} id="campaign-status" />
      ${preview && html`<${Preview} preview=${preview} />`}
    </section>`;
}

function Preview({ preview }) {
  return html`
    <div class="preview" id="campaign-preview-result">
      <h3>If launched now</h3>
      <dl class="stats">
        <div><dt>Audience</dt><dd data-figure="audience">${points(preview.audienceSize)}</dd></div>
        <div><dt>Treated</dt><dd data-figure="treated">${points(preview.treated)}</dd></div>
        <div><dt>Holdout</dt><dd data-figure="holdout">${points(preview.holdout)}</dd></div>
        <div><dt>Estimated cost</dt><dd data-figure="cost">${money(preview.estimatedCost)}</dd></div>
      </dl>
      <p class="hint">${preview.costBasis}</p>
      ${preview.sample.length ? html`
        <${TableWrap} label="Sample of the audience">
          <table class="data" id="campaign-sample">
            <caption class="sr-only">A sample of the members who would enter</caption>
            <thead><tr><th scope="col">Member</th><th scope="col">Group</th></tr></thead>
            <tbody>
              ${preview.sample.map((s) => html`<tr key=${s.profile.id}>
                <th scope="row">${s.member
                  ? html`<a href=${href("member", { id: s.member.id })}>${s.profile.displayName}</a>`
                  : s.profile.displayName}
                  ${s.profile.email && html`<span class="sub">${s.profile.email}</span>`}</th>
                <td>${s.group === "HOLDOUT" ? "Holdout (gets nothing)" : "Treated"}</td></tr>`)}
            </tbody>
          </table>
        <//>` : html`<p>Nobody would enter now.</p>`}
      ${preview.email ? html`<${EmailPreview} email=${preview.email} />` : html`<p>This campaign sends no email.</p>`}
    </div>`;
}

function EmailPreview({ email }) {
  return html`
    <section aria-labelledby="email-preview-title" class="email-preview">
      <h3 id="email-preview-title">The email</h3>
      <p>${email.toEmail ? html`To <strong>${email.toEmail}</strong> · ` : null}Subject: <strong id="email-subject">${email.subject}</strong></p>
      <iframe id="email-html" title="The email as it will be sent (HTML part)" sandbox="" srcdoc=${email.html}
              referrerpolicy="no-referrer"></iframe>
      <details class="email-text">
        <summary>Plain-text part</summary>
        <pre id="email-text">${email.text}</pre>
      </details>
    </section>`;
}

const FIGURES = [
  ["members", "Members entered"],
  ["recipients", "Emails queued"],
  ["delivered", "Emails sent"],
  ["opened", "Opened"],
  ["codesIssued", "Codes made"],
  ["codesRedeemed", "Codes used"],
  ["customers", "Members who ordered"],
  ["conversion", "Share who ordered"],
  ["orders", "Orders"],
  ["revenue", "Revenue"],
  ["revenuePerMember", "Revenue per member"],
];

function figure(name, group) {
  const value = group[name];
  if (name === "conversion") return percent(value, 1);
  if (name === "revenue" || name === "revenuePerMember") return money(value);
  return points(value);
}

function interval(estimate, format) {
  if (!estimate) return "—";
  return `${format(estimate.value)} (${format(estimate.low)} to ${format(estimate.high)})`;
}

function Results({ campaign }) {
  const results = campaign.results;
  if (!results || (!results.treated.members && !results.holdout.members)) {
    return html`<section aria-labelledby="results-title" class="panel"><h2 id="results-title">Results</h2>
      <p>No member has entered yet: results appear after the first run.</p></section>`;
  }
  const signed = (n) => `${n > 0 ? "+" : ""}${percent(n, 1)}`;
  const amount = (m) => money(m);
  return html`
    <section aria-labelledby="results-title" class="panel">
      <h2 id="results-title">Results</h2>
      <p id="results-summary"><strong>${results.summary}</strong></p>
      <${TableWrap} label="Treated and holdout">
        <table class="data" id="campaign-results">
          <caption class="sr-only">Treated members against the holdout</caption>
          <thead><tr><th scope="col">Figure</th><th scope="col" class="num">Treated</th><th scope="col" class="num">Holdout</th></tr></thead>
          <tbody>
            ${FIGURES.map(([name, text]) => html`<tr data-figure=${name}>
              <th scope="row">${text}</th>
              <td class="num" data-group="treated">${figure(name, results.treated)}</td>
              <td class="num" data-group="holdout">${figure(name, results.holdout)}</td></tr>`)}
          </tbody>
        </table>
      <//>
      <dl class="stats stats-wide">
        <div><dt>Difference in share who ordered (95% interval)</dt>
          <dd data-figure="conversion-uplift">${interval(results.conversionUplift, signed)}</dd></div>
        <div><dt>Members brought to order (95% interval)</dt>
          <dd data-figure="incremental">${interval(results.incrementalCustomers, (n) => decimal(n, 1))}</dd></div>
        <div><dt>Difference in revenue per member</dt>
          <dd>${results.revenuePerMemberUplift
            ? `${amount(results.revenuePerMemberUplift.value)} (${amount(results.revenuePerMemberUplift.low)} to ${amount(results.revenuePerMemberUplift.high)})`
            : "—"}</dd></div>
        <div><dt>Cost</dt><dd data-figure="cost">${money(results.cost)}</dd></div>
        <div><dt>Cost per member brought to order</dt>
          <dd data-figure="cost-per">${results.costPerIncrementalCustomer ? money(results.costPerIncrementalCustomer.value) : "No measurable effect"}</dd></div>
      </dl>
      <details class="definitions">
        <summary>What each figure means</summary>
        <dl>
          ${results.definitions.map((d) => html`<dt>${d.label}</dt><dd>${d.definition}</dd>`)}
        </dl>
      </details>
      <p class="hint">Bounced: ${points(results.treated.bounced)} · failed: ${points(results.treated.failed)} ·
        skipped by rule (no consent, unsubscribed, over the frequency cap, no address): ${points(results.treated.skipped)} ·
        codes the platform refused: ${points(results.treated.codesFailed)}.</p>
    </section>`;
}

const MESSAGE_STATUS = {
  QUEUED: ["Waiting", "neutral"], SENDING: ["Sending", "neutral"], SENT: ["Sent", "ok"], FAILED: ["Failed", "bad"],
  BOUNCED: ["Bounced", "bad"], SKIPPED: ["Skipped", "warn"],
};

/** The campaign's latest emails: to whom, and what became of each. */
function SendLog({ messages }) {
  return html`
    <section aria-labelledby="send-log-title" class="panel">
      <h2 id="send-log-title">Latest emails</h2>
      ${messages.length ? html`
        <${TableWrap} label="Latest emails of the campaign">
          <table class="data" id="campaign-messages">
            <caption class="sr-only">The campaign's latest emails, newest first</caption>
            <thead><tr><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Status</th><th scope="col">When</th></tr></thead>
            <tbody>
              ${messages.map((m) => {
                const [word, tone] = MESSAGE_STATUS[m.status] || [m.status, "neutral"];
                return html`<tr key=${m.id} data-status=${m.status}>
                  <th scope="row">${m.toEmail || "Address erased"}</th>
                  <td>${m.subject || "—"}</td>
                  <td><${Badge} tone=${tone}>${word}<//>${m.reason ? html`<span class="sub">${m.reason.replace(/_/g, " ")}</span>` : null}</td>
                  <td>${m.sentAt ? when(m.sentAt) : `not before ${when(m.sendAfter)}`}</td></tr>`;
              })}
            </tbody>
          </table>
        <//>` : html`<p>No email yet.</p>`}
    </section>`;
}
