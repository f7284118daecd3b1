// Program impact → Assumptions: the margin rate and the comparison window the program's return is
// worked out with. The owner types the margin as a percentage (45), the API keeps a share (0.45).
// Only what is not a number is refused here: the API's range checks (a rate above 0 and at most 1,
// a window of 7 to 365 days) are the single rule, and their refusals show at the field. A save
// reloads the report, and the status says when the figures on screen use the new values.
import { useState } from "preact/hooks";

import { errorsByField } from "../api.js";
import { ErrorNotice, ErrorSummary, Field, Loading, Status } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { html } from "../html.js";

const SETTINGS = "marginRate windowDays";

export const MEASURE_SETTINGS = /* GraphQL */ `
  query DashboardMeasureSettings {
    measureSettings { ${SETTINGS} }
  }`;

export const MEASURE_SETTINGS_UPDATE = /* GraphQL */ `
  mutation DashboardMeasureSettingsUpdate($input: MeasureSettingsInput!) {
    measureSettingsUpdate(input: $input) {
      settings { ${SETTINGS} }
      userErrors { field message code }
    }
  }`;

const CAPTIONS = { marginRate: "The margin rate", windowDays: "The comparison window" };

/** A share as the percentage the owner types: 0.45 -> "45" (rounded, so 0.145 never reads 14.499999999999998). */
export function asPercent(share) {
  return String(Number((share * 100).toPrecision(12)));
}

/** The percentage typed ("45", "12.5" or "12,5") as the share the API keeps, or null when it is not a number. */
export function asShare(text) {
  const typed = text.trim().replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(typed)) return null;
  return Number((Number(typed) / 100).toPrecision(12));
}

/** The API's message in the form's words; the margin's range is said again in percent, as typed. */
function worded(error) {
  const name = (error.field || []).at(-1);
  let message = CAPTIONS[name] ? error.message.replace(name, CAPTIONS[name]) : error.message;
  if (!/[.!?]$/.test(message)) message += ".";
  if (name === "marginRate") message += " Type it as a percentage above 0 and at most 100 (45 for 45 %).";
  return { ...error, message };
}

const editable = (settings) => ({ marginRate: asPercent(settings.marginRate), windowDays: String(settings.windowDays) });

export function ImpactSettings({ onSaved }) {
  const { data, error, loading, reload } = useQuery(MEASURE_SETTINGS);
  const settings = data?.measureSettings;
  return html`
    <section aria-labelledby="impact-settings-title" class="panel" id="impact-settings">
      <h2 id="impact-settings-title">Assumptions</h2>
      <${ErrorNotice} error=${error} retry=${reload} />
      ${loading && !settings ? html`<${Loading} what="the assumptions" />` : null}
      ${settings && html`<${Form} settings=${settings} onSaved=${onSaved} />`}
    </section>`;
}

function Form({ settings, onSaved }) {
  const [saved, setSaved] = useState(settings);
  const [values, setValues] = useState(() => editable(settings));
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const [save, busy] = useMutation(MEASURE_SETTINGS_UPDATE, "measureSettingsUpdate");
  const set = (name) => (e) => {
    setMessage("");
    setValues({ ...values, [name]: e.currentTarget.value });
  };
  const submit = async (event) => {
    event.preventDefault();
    setMessage("");
    setFailure(null);
    const found = {};
    const marginRate = asShare(values.marginRate);
    if (marginRate === null) found.marginRate = ["Enter the margin as a percentage, for example 45."];
    const days = values.windowDays.trim();
    if (!/^[-+]?\d+$/.test(days)) found.windowDays = ["Enter a whole number of days."];
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const payload = await save({ marginRate, windowDays: Number(days) });
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors.map(worded)));
        return;
      }
      const now = payload.settings;
      const summary = `margin ${asPercent(now.marginRate)} %, window ${now.windowDays} days`;
      setSaved(now);
      setValues(editable(now));
      setMessage(`Saved (${summary}). The report is being worked out again…`);
      await onSaved?.();
      setMessage(`Saved (${summary}). The figures on this page use them.`);
    } catch (error) {
      setFailure(error);
    }
  };
  const f = { prefix: "impact-settings", errors };
  return html`
    <form class="form-inline" id="impact-settings-form" aria-labelledby="impact-settings-title" onSubmit=${submit} novalidate>
      <${ErrorSummary} errors=${errors} prefix="impact-settings" title="The assumptions were not saved" />
      <${Field} ...${f} path="marginRate" label="Margin rate (%)" className="grow"
        hint=${`The share of revenue left after the cost of goods: the program's return counts the margin on the extra
          revenue. A percentage above 0 and at most 100; in use: ${asPercent(saved.marginRate)} %.`}
        input=${(a) => html`
          <input ...${a} type="text" inputmode="decimal" autocomplete="off" value=${values.marginRate} onInput=${set("marginRate")} />`} />
      <${Field} ...${f} path="windowDays" label="Comparison window (days)" className="grow"
        hint=${`Days after the join day over which members and their matched non-members are followed, 7 to 365; in
          use: ${saved.windowDays}.`}
        input=${(a) => html`
          <input ...${a} type="text" inputmode="numeric" autocomplete="off" value=${values.windowDays} onInput=${set("windowDays")} />`} />
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Saving…" : "Save assumptions"}</button>
        <${Status} id="impact-settings-status" message=${message} />
      </div>
      <${ErrorNotice} error=${failure} />
    </form>`;
}
