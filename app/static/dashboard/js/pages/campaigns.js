// Campaigns: the list (status, members entered, emails sent, the latest result) and a new
// campaign started from a built-in kind, saved as a draft to preview before launching.
import { useState } from "preact/hooks";

import { errorsByField } from "../api.js";
import { Badge, ErrorNotice, ErrorSummary, Field, Loading, PageTitle, Pager, Status, TableWrap } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { CAMPAIGN_CREATE, CAMPAIGNS, MAIL_SETTINGS_UPDATE } from "../documents.js";
import { html } from "../html.js";
import { points, when } from "../format.js";
import { href, navigate } from "../router.js";

const PAGE_SIZE = 20;

export const KIND_NAMES = {
  WIN_BACK: "Win-back", AT_RISK: "At-risk nudge", BIRTHDAY: "Birthday", POINTS_EXPIRY: "Points expiry reminder",
  TIER_REACHED: "Tier reached", TIER_DROP: "Tier about to drop", WELCOME: "Welcome", CUSTOM: "Custom",
};
export const STATUS_NAMES = { DRAFT: "Draft", ACTIVE: "Active", PAUSED: "Paused" };
const STATUS_TONES = { DRAFT: "neutral", ACTIVE: "ok", PAUSED: "warn" };

export function StatusBadge({ status }) {
  return html`<${Badge} tone=${STATUS_TONES[status]}>${STATUS_NAMES[status] || status}<//>`;
}

/** The one number a built-in kind's audience lets the owner change, by the condition it sits in. */
export const THRESHOLDS = {
  days_since_last_order: ["Days since the last order (at least)", "Members silent for at least this many days enter."],
  points_expiring_within_days: ["Days before the points expire", "Members whose points expire within this many days enter."],
  tier_drop_within_days: ["Days before the tier drops", "Members whose tier drops within this many days enter."],
  tier_changed_within_days: ["Days since the new tier (at most)", "Members who reached a tier within this many days enter."],
  joined_within_days: ["Days since joining (at most)", "Members who joined within this many days enter."],
  birthday_within_days: ["Days before the birthday", "0 sends on the day itself."],
};

/** The first condition of an audience (however deep) whose field is one of THRESHOLDS. */
export function thresholdOf(audience) {
  for (const parts of Object.values(audience || {})) {
    for (const part of parts || []) {
      if (part && part.field && THRESHOLDS[part.field]) return part;
      const inner = part && !part.field ? thresholdOf(part) : null;
      if (inner) return inner;
    }
  }
  return null;
}

/** A copy of the audience with the threshold condition's value replaced. */
function withThreshold(audience, value) {
  const copy = JSON.parse(JSON.stringify(audience));
  const found = thresholdOf(copy);
  if (found) found.value = value;
  return copy;
}

export function Campaigns({ params }) {
  const variables = params.before ? { last: PAGE_SIZE, before: params.before } : { first: PAGE_SIZE, after: params.after || null };
  const { data, error, loading, reload } = useQuery(CAMPAIGNS, variables);
  const connection = data?.campaigns;
  return html`
    <${PageTitle}>Campaigns<//>
    <p class="lead">A campaign reaches the members its audience picks, by email, discount code or points. A share of
      them, the holdout, is picked at random and gets nothing: comparing the two shows what the campaign changed.</p>
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="campaigns" />` : null}
    ${connection && html`
      <${CampaignTable} campaigns=${connection.nodes} busy=${loading} />
      <${Pager} label="Campaign pages" pageInfo=${connection.pageInfo}
        onPrevious=${(cursor) => navigate("campaigns", { params: { before: cursor } })}
        onNext=${(cursor) => navigate("campaigns", { params: { after: cursor } })} />
      <${NewCampaign} templates=${data.campaignTemplates} />
      <${MailSettings} current=${data.mailSettings} />`}`;
}

function CampaignTable({ campaigns, busy }) {
  if (!campaigns.length) {
    return html`<p class="result-count" role="status">No campaigns yet: start one from a built-in kind below.</p>`;
  }
  return html`
    <${TableWrap} label="Campaigns">
      <table class="data" id="campaigns-table" aria-busy=${busy ? "true" : "false"}>
        <caption class="sr-only">Campaigns</caption>
        <thead><tr>
          <th scope="col">Campaign</th><th scope="col">Status</th>
          <th scope="col" class="num">Members entered</th><th scope="col" class="num">Emails sent</th>
          <th scope="col">Last run</th><th scope="col">Result</th>
        </tr></thead>
        <tbody>
          ${campaigns.map((c) => html`
            <tr key=${c.id} data-campaign-id=${c.id}>
              <th scope="row"><a href=${href("campaign", { id: c.id })}>${c.name}</a>
                <span class="sub">${KIND_NAMES[c.kind] || c.kind}</span></th>
              <td><${StatusBadge} status=${c.status} /></td>
              <td class="num" data-column="entered">${points(c.entered)}</td>
              <td class="num" data-column="sent">${points(c.sent)}</td>
              <td>${c.lastRunAt ? when(c.lastRunAt) : "Not run yet"}</td>
              <td class="sub-cell">${c.results?.summary || "—"}</td>
            </tr>`)}
        </tbody>
      </table>
    <//>`;
}

const BUILT_IN = (templates) => templates.filter((t) => t.kind !== "CUSTOM");

function draftFor(template) {
  const threshold = thresholdOf(template.audience);
  const code = template.actions.code;
  return {
    kind: template.kind,
    name: template.name,
    threshold: threshold ? String(threshold.value) : "",
    codeValue: code && code.kind !== "FREE_SHIPPING" ? String(Number(code.value)) : "",
    points: String(template.actions.points || 0),
    holdoutPercent: String(template.holdoutPercent),
  };
}

function NewCampaign({ templates }) {
  const choices = BUILT_IN(templates);
  const [draft, setDraft] = useState(() => (choices.length ? draftFor(choices[0]) : null));
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [create, creating] = useMutation(CAMPAIGN_CREATE, "campaignCreate");
  if (!draft) return null;
  const template = choices.find((t) => t.kind === draft.kind) || choices[0];
  const threshold = thresholdOf(template.audience);
  const code = template.actions.code;
  const set = (name) => (event) => setDraft({ ...draft, [name]: event.currentTarget.value });
  const pick = (event) => {
    const next = choices.find((t) => t.kind === event.currentTarget.value);
    setDraft(draftFor(next));
    setErrors({});
  };
  const whole = (name, found) => {
    const text = draft[name].trim();
    if (!/^\d+$/.test(text)) found[name] = ["Enter a whole number."];
    return Number(text);
  };
  const submit = async (event) => {
    event.preventDefault();
    setFailure(null);
    const found = {};
    if (!draft.name.trim()) found.name = ["Give the campaign a name."];
    const input = { kind: draft.kind, name: draft.name.trim(), holdoutPercent: whole("holdoutPercent", found) };
    if (threshold) input.audience = withThreshold(template.audience, whole("threshold", found));
    const actions = { ...template.actions, points: whole("points", found) };
    if (code) {
      const value = draft.codeValue.trim().replace(",", ".");
      if (code.kind !== "FREE_SHIPPING" && !/^\d+(\.\d+)?$/.test(value)) found.codeValue = ["Enter a number, e.g. 15."];
      actions.code = { ...code, value: code.kind === "FREE_SHIPPING" ? "0" : value };
    }
    input.actions = actions;
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const payload = await create(input);
      if (payload.userErrors.length) {
        const byField = errorsByField(payload.userErrors);
        // the form shows one threshold field, one code value and the points for the whole audience and actions
        for (const key of Object.keys(byField)) {
          const target = key.startsWith("audience") ? "threshold" : key.startsWith("actions.code") ? "codeValue"
            : key === "actions.points" ? "points" : key;
          if (target !== key) byField[target] = [...(byField[target] || []), ...byField[key]];
          if (target !== key) delete byField[key];
        }
        setErrors(byField);
        return;
      }
      navigate("campaign", { id: payload.campaign.id });
    } catch (error) {
      setFailure(error);
    }
  };
  const codeLabel = code?.kind === "PERCENTAGE" ? "Code: percentage off" : "Code: amount off (store currency)";
  return html`
    <section aria-labelledby="new-campaign-title" class="panel">
      <h2 id="new-campaign-title">New campaign</h2>
      <p class="hint">${template.description} It is saved as a draft: preview it, then launch it.</p>
      <form class="form-inline" id="new-campaign" onSubmit=${submit} novalidate>
        <${ErrorSummary} errors=${errors} prefix="campaign" title="The campaign was not created" />
        <div class="field">
          <label for="campaign-kind">Start from</label>
          <select id="campaign-kind" name="kind" value=${draft.kind} onChange=${pick}>
            ${choices.map((t) => html`<option value=${t.kind}>${KIND_NAMES[t.kind] || t.name}</option>`)}
          </select>
        </div>
        <${Field} prefix="campaign" path="name" label="Name" errors=${errors} className="grow"
          input=${(a) => html`<input ...${a} type="text" name="name" maxlength="200" autocomplete="off"
                                  value=${draft.name} onInput=${set("name")} required />`} />
        ${threshold && html`<${Field} prefix="campaign" path="threshold" label=${THRESHOLDS[threshold.field][0]}
          hint=${THRESHOLDS[threshold.field][1]} errors=${errors}
          input=${(a) => html`<input ...${a} type="text" inputmode="numeric" name="threshold" autocomplete="off"
                                  value=${draft.threshold} onInput=${set("threshold")} />`} />`}
        ${code && code.kind !== "FREE_SHIPPING" && html`<${Field} prefix="campaign" path="codeValue" label=${codeLabel}
          hint=${`A single-use code valid ${code.validDays} days, made on the store the member last bought on.`} errors=${errors}
          input=${(a) => html`<input ...${a} type="text" inputmode="decimal" name="codeValue" autocomplete="off"
                                  value=${draft.codeValue} onInput=${set("codeValue")} />`} />`}
        <${Field} prefix="campaign" path="points" label="Points given" hint="0 gives none." errors=${errors}
          input=${(a) => html`<input ...${a} type="text" inputmode="numeric" name="points" autocomplete="off"
                                  value=${draft.points} onInput=${set("points")} />`} />
        <${Field} prefix="campaign" path="holdoutPercent" label="Holdout (%)" errors=${errors}
          hint="0 to 50. Picked at random, they get nothing and measure the effect."
          input=${(a) => html`<input ...${a} type="text" inputmode="numeric" name="holdoutPercent" autocomplete="off"
                                  value=${draft.holdoutPercent} onInput=${set("holdoutPercent")} />`} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled=${creating}>
            ${creating ? "Creating…" : "Create draft"}</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
    </section>`;
}

const MAIL_FIELDS = [
  ["senderName", "Sender name", "Shown in From. Empty: the merchant's name.", "text"],
  ["brandColour", "Brand colour", "The email's header, e.g. #1f4e79.", "text"],
  ["accentColour", "Accent colour", "The code's frame and the button, e.g. #f2b705.", "text"],
  ["quietStartHour", "Quiet from (hour)", "No marketing email from this hour, in the store's time zone (0 to 23).", "number"],
  ["quietEndHour", "Quiet until (hour)", "The same hour as above: no quiet hours.", "number"],
  ["frequencyCap", "At most (emails)", "Marketing emails per shopper, across campaigns.", "number"],
  ["frequencyDays", "In (days)", "", "number"],
];
const WHOLE = new Set(["quietStartHour", "quietEndHour", "frequencyCap", "frequencyDays"]);

/** How the merchant's email looks and when it may go out. */
function MailSettings({ current }) {
  const [draft, setDraft] = useState(() => Object.fromEntries(Object.entries(current).map(([k, v]) => [k, String(v)])));
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const [save, saving] = useMutation(MAIL_SETTINGS_UPDATE, "mailSettingsUpdate");
  const set = (name) => (event) => {
    setDraft({ ...draft, [name]: event.currentTarget.value });
    setMessage("");
  };
  const submit = async (event) => {
    event.preventDefault();
    setFailure(null);
    const found = {};
    const input = {};
    for (const [name, value] of Object.entries(draft)) {
      if (WHOLE.has(name)) {
        if (!/^\d+$/.test(value.trim())) found[name] = ["Enter a whole number."];
        input[name] = Number(value.trim());
      } else {
        input[name] = value.trim();
      }
    }
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const payload = await save(input);
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors));
        return;
      }
      setMessage("Mail settings saved.");
    } catch (error) {
      setFailure(error);
    }
  };
  return html`
    <section aria-labelledby="mail-settings-title" class="panel">
      <h2 id="mail-settings-title">Mail settings</h2>
      <form class="form-inline" id="mail-settings" onSubmit=${submit} novalidate>
        <${ErrorSummary} errors=${errors} prefix="mail" title="The mail settings were not saved" />
        ${MAIL_FIELDS.map(([name, text, hint, type]) => html`
          <${Field} prefix="mail" path=${name} label=${text} hint=${hint || undefined} errors=${errors}
            input=${(a) => html`<input ...${a} type="text" inputmode=${type === "number" ? "numeric" : undefined}
                                    name=${name} autocomplete="off" value=${draft[name]} onInput=${set(name)} />`} />`)}
        <div class="field">
          <label for="mail-locale">Language when the shopper's is unknown</label>
          <select id="mail-locale" name="locale" value=${draft.locale} onChange=${set("locale")}>
            <option value="en">English</option>
            <option value="fr">French</option>
          </select>
        </div>
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled=${saving}>${saving ? "Saving…" : "Save mail settings"}</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
      <${Status} message=${message} id="mail-settings-status" />
    </section>`;
}
