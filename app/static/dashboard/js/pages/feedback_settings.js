// Settings → Feedback: when surveys go out and what they ask, points for answering, and the
// complaint targets (first reply, resolution) the breaches are measured against. The server's
// refusals show at their field and in a summary above the form.
import { useState } from "preact/hooks";

import { errorsByField } from "../api.js";
import { ErrorNotice, ErrorSummary, Field, Loading, Status } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { html } from "../html.js";

export const FEEDBACK_SETTINGS = /* GraphQL */ `
  query DashboardFeedbackSettings {
    feedbackSettings {
      surveysEnabled surveyKind surveyDelayDays surveyIntervalDays surveyValidDays surveyPoints
      responseTargetMinutes resolutionTargetHours
    }
  }`;

export const FEEDBACK_SETTINGS_UPDATE = /* GraphQL */ `
  mutation DashboardFeedbackSettingsUpdate($input: FeedbackSettingsInput!) {
    feedbackSettingsUpdate(input: $input) {
      settings {
        surveysEnabled surveyKind surveyDelayDays surveyIntervalDays surveyValidDays surveyPoints
        responseTargetMinutes resolutionTargetHours
      }
      userErrors { field message code }
    }
  }`;

const NUMBERS = [
  ["surveyDelayDays", "Days after fulfilment before the survey", "Time to receive the order and try it (0 to 90)."],
  ["surveyIntervalDays", "Days between two surveys to one person", "At most one survey per person in this many days (0 to 365)."],
  ["surveyValidDays", "Days a survey stays open", "Answers after that are refused (1 to 365)."],
  ["surveyPoints", "Points for answering", "Paid once per survey, whatever the score; 0 for none."],
  ["responseTargetMinutes", "First reply within (minutes)", "A complaint not answered by then is late: 60 is one hour."],
  ["resolutionTargetHours", "Resolution within (hours)", "A complaint not resolved by then is late."],
];
const KINDS = [["NPS", "NPS (0–10)"], ["CSAT", "CSAT (1–5)"]];

const CAPTIONS = Object.fromEntries(NUMBERS.map(([name, caption]) => [name, caption]));

/** "surveyDelayDays is a whole number from 0 to 90" -> "Days after fulfilment before the survey is a whole number from 0 to 90." */
function worded(error) {
  const name = (error.field || []).at(-1);
  const caption = CAPTIONS[name];
  let message = caption ? error.message.replace(name, caption) : error.message;
  if (!/[.!?]$/.test(message)) message += ".";
  return { ...error, message };
}

const editable = (s) => ({ ...s, ...Object.fromEntries(NUMBERS.map(([name]) => [name, String(s[name])])) });

export function FeedbackSettings() {
  const { data, error, loading, reload } = useQuery(FEEDBACK_SETTINGS);
  const settings = data?.feedbackSettings;
  return html`
    <section aria-labelledby="feedback-settings-title">
      <h2 id="feedback-settings-title">Feedback</h2>
      <${ErrorNotice} error=${error} retry=${reload} />
      ${loading && !data ? html`<${Loading} what="the feedback settings" />` : null}
      ${settings && html`<${Form} key=${JSON.stringify(settings)} settings=${settings} onSaved=${reload} />`}
    </section>`;
}

function Form({ settings, onSaved }) {
  const [values, setValues] = useState(() => editable(settings));
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const [save, busy] = useMutation(FEEDBACK_SETTINGS_UPDATE, "feedbackSettingsUpdate");
  const set = (name) => (e) => {
    setMessage("");
    const { type, checked, value } = e.currentTarget;
    setValues({ ...values, [name]: type === "checkbox" ? checked : value });
  };
  const submit = async (event) => {
    event.preventDefault();
    setMessage("");
    setFailure(null);
    const found = {};
    const input = { surveysEnabled: values.surveysEnabled, surveyKind: values.surveyKind };
    for (const [name] of NUMBERS) {
      const raw = values[name].trim();
      if (!/^\d+$/.test(raw)) found[name] = ["Enter a whole number."];
      else input[name] = Number(raw);
    }
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const payload = await save(input);
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors.map(worded), ["settings"]));
        return;
      }
      setMessage("Feedback settings saved.");
      onSaved();
    } catch (error) {
      setFailure(error);
    }
  };
  const f = { prefix: "feedback", errors };
  return html`
    <form class="settings-form panel" id="feedback-settings" onSubmit=${submit} novalidate>
      <${ErrorSummary} errors=${errors} prefix="feedback" title="The feedback settings were not saved" />
      <div class="check">
        <input type="checkbox" id="feedback-surveysEnabled" checked=${values.surveysEnabled} onChange=${set("surveysEnabled")} />
        <label for="feedback-surveysEnabled">Send a survey after each fulfilled order (by email, and in the widget)</label>
      </div>
      <div class="grid">
        <${Field} ...${f} path="surveyKind" label="The survey asks"
          hint="NPS: how likely to recommend you, 0 to 10. CSAT: how satisfied with the order, 1 to 5." input=${(a) => html`
          <select ...${a} value=${values.surveyKind} onChange=${set("surveyKind")}>
            ${KINDS.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
          </select>`} />
        ${NUMBERS.map(([name, caption, hint]) => html`
          <${Field} ...${f} key=${name} path=${name} label=${caption} hint=${hint} input=${(a) => html`
            <input ...${a} type="text" inputmode="numeric" autocomplete="off" value=${values[name]} onInput=${set(name)} />`} />`)}
      </div>
      <p class="hint">Survey emails go only to customers who accept email from you; a signed-in customer sees their
        survey in the widget either way.</p>
      <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Saving…" : "Save feedback settings"}</button>
      <${ErrorNotice} error=${failure} />
      <${Status} id="feedback-settings-status" message=${message} />
    </form>`;
}
