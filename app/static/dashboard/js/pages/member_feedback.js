// A member's feedback on their page: latest NPS and CSAT answers with the comment, open complaints
// (linking to them) and reviews, and a form to log a complaint or request the customer made by
// phone or in person. Its own query, so the rest of the member page never waits on it.
import { useState } from "preact/hooks";

import { errorsByField } from "../api.js";
import { ErrorNotice, Field, Loading } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { html } from "../html.js";
import { day, decimal, points } from "../format.js";
import { href, navigate } from "../router.js";
import { CATEGORIES } from "./complaints.js";

export const MEMBER_FEEDBACK = /* GraphQL */ `
  query DashboardMemberFeedback($id: ID!) {
    member(id: $id) {
      id
      profile {
        id
        feedback {
          latestNps { score comment answeredAt }
          latestCsat { score comment answeredAt }
          openComplaints reviewCount averageRating
        }
      }
    }
  }`;

export const COMPLAINT_LOG = /* GraphQL */ `
  mutation DashboardComplaintLog($input: AdminComplaintCreateInput!) {
    complaintCreate(input: $input) {
      complaint { id reference }
      userErrors { field message code }
    }
  }`;

function group(score) {
  if (score >= 9) return "promoter";
  return score >= 7 ? "passive" : "detractor";
}

function Answer({ answer, scale }) {
  if (!answer) return html`<dd>No answer</dd>`;
  return html`<dd>${answer.score} <span class="unit">/ ${scale}</span>
    <span class="sub">${scale === 10 ? `${group(answer.score)}, ` : ""}${day(answer.answeredAt)}</span>
    ${answer.comment && html`<span class="sub comment">“${answer.comment}”</span>`}</dd>`;
}

export function MemberFeedback({ id }) {
  const { data, error, loading, reload } = useQuery(MEMBER_FEEDBACK, { id });
  const profile = data?.member?.profile;
  const f = profile?.feedback;
  return html`
    <section aria-labelledby="member-feedback-title">
      <h2 id="member-feedback-title">Feedback</h2>
      <${ErrorNotice} error=${error} retry=${reload} />
      ${loading && !data ? html`<${Loading} what="the member's feedback" />` : null}
      ${f && html`
        <dl class="stats stats-wide" id="member-feedback">
          <div data-figure="nps"><dt>Latest NPS answer</dt><${Answer} answer=${f.latestNps} scale=${10} /></div>
          <div data-figure="csat"><dt>Latest CSAT answer</dt><${Answer} answer=${f.latestCsat} scale=${5} /></div>
          <div data-figure="complaints"><dt>Open complaints</dt>
            <dd><a href=${href("complaints", { params: { profileId: profile.id } })}
              aria-label=${`${points(f.openComplaints)} open complaints: see all of this member's complaints`}>${points(f.openComplaints)}</a></dd></div>
          <div data-figure="reviews"><dt>Reviews</dt><dd>${points(f.reviewCount)}
            ${f.averageRating !== null && f.averageRating !== undefined
              ? html`<span class="sub">${decimal(f.averageRating, 1)} star${f.averageRating === 1 ? "" : "s"} on average</span>` : null}</dd></div>
        </dl>`}
      ${profile && html`<${LogComplaint} profileId=${profile.id} />`}
    </section>`;
}

/** The merchant files what the customer said elsewhere; the complaint's page opens once it is saved. */
function LogComplaint({ profileId }) {
  const empty = { kind: "COMPLAINT", category: "OTHER", subject: "", body: "" };
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [create, busy] = useMutation(COMPLAINT_LOG, "complaintCreate");
  const set = (name) => (e) => setValues({ ...values, [name]: e.currentTarget.value });
  const submit = async (event) => {
    event.preventDefault();
    setFailure(null);
    const missing = {};
    if (!values.subject.trim()) missing.subject = ["Say what it is about."];
    if (!values.body.trim()) missing.body = ["Write what the customer said."];
    if (Object.keys(missing).length) {
      setErrors(missing);
      document.getElementById(`log-${Object.keys(missing)[0]}`)?.focus();
      return;
    }
    try {
      const payload = await create({ ...values, subject: values.subject.trim(), body: values.body.trim(), profileId });
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors, ["input"]));
        return;
      }
      navigate("complaint", { id: payload.complaint.id });
    } catch (error) {
      setFailure(error);
    }
  };
  return html`
    <details class="log-complaint">
      <summary>Log a complaint or request</summary>
      <form id="complaint-log" novalidate onSubmit=${submit}>
        <${Field} prefix="log" path="kind" label="Kind" errors=${errors}
          input=${(a) => html`<select ...${a} value=${values.kind} onChange=${set("kind")}>
            <option value="COMPLAINT">Complaint</option><option value="REQUEST">Request</option></select>`} />
        <${Field} prefix="log" path="category" label="Topic" errors=${errors}
          input=${(a) => html`<select ...${a} value=${values.category} onChange=${set("category")}>
            ${Object.entries(CATEGORIES).map(([key, name]) => html`<option value=${key}>${name}</option>`)}</select>`} />
        <${Field} prefix="log" path="subject" label="Subject" errors=${errors}
          input=${(a) => html`<input ...${a} maxlength="200" value=${values.subject} onInput=${set("subject")} />`} />
        <${Field} prefix="log" path="body" label="What the customer said" errors=${errors}
          hint="Received now: the response and resolution clocks start when you save."
          input=${(a) => html`<textarea ...${a} rows="4" maxlength="5000" value=${values.body} onInput=${set("body")}></textarea>`} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Saving…" : "Save complaint"}</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
    </details>`;
}
