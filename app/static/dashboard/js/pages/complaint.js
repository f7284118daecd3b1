// One complaint: who and what, its clocks against the targets, the thread (the customer's messages,
// the replies mailed to them, and internal notes marked as such: never sent), a reply form
// ("Send reply", or "Reply and resolve"), a note form, and status, assignee and category.
import { useState } from "preact/hooks";

import { errorsByField } from "../api.js";
import { Badge, ErrorNotice, Field, Loading, PageTitle, Status } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { html } from "../html.js";
import { label, when } from "../format.js";
import { href } from "../router.js";
import { CATEGORIES, FirstResponse, STATUSES, STATUS_NAMES, STATUS_TONES } from "./complaints.js";
import { Person, duration } from "./feedback.js";

export const COMPLAINT = /* GraphQL */ `
  query DashboardComplaint($id: ID!) {
    node(id: $id) {
      ... on Complaint {
        id reference kind category status source subject assignee receivedAt firstResponseAt resolvedAt
        firstResponseMinutes resolutionMinutes responseBreached resolutionBreached
        profile { id displayName email loyalty { id } }
        order { id name }
        messages { author authorName body createdAt mailed }
      }
    }
    feedbackSettings { responseTargetMinutes resolutionTargetHours }
  }`;

export const COMPLAINT_REPLY = /* GraphQL */ `
  mutation DashboardComplaintReply($input: ComplaintReplyInput!) {
    complaintReply(input: $input) {
      complaint { id status }
      email { status reason toEmail }
      userErrors { field message code }
    }
  }`;

export const COMPLAINT_NOTE = /* GraphQL */ `
  mutation DashboardComplaintNote($input: ComplaintNoteInput!) {
    complaintNote(input: $input) {
      complaint { id }
      userErrors { field message code }
    }
  }`;

export const COMPLAINT_UPDATE = /* GraphQL */ `
  mutation DashboardComplaintUpdate($input: ComplaintUpdateInput!) {
    complaintUpdate(input: $input) {
      complaint { id status assignee category }
      userErrors { field message code }
    }
  }`;

const AUTHORS = {
  SHOPPER: ["From the customer", "message-shopper"],
  MERCHANT: ["Reply sent to the customer", "message-reply"],
  NOTE: ["Internal note", "message-note"],
};

export function Complaint({ id }) {
  const { data, error, loading, reload } = useQuery(COMPLAINT, { id });
  const [message, setMessage] = useState("");
  const complaint = data?.node?.reference ? data.node : null;
  const targets = data?.feedbackSettings;
  const done = (text) => {
    setMessage(text);
    reload();
  };
  return html`
    <p class="breadcrumb"><a href=${href("complaints")}>Complaints</a></p>
    <${PageTitle}>${complaint ? `${complaint.reference}: ${complaint.subject || CATEGORIES[complaint.category]}` : "Complaint"}<//>
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="the complaint" />` : null}
    ${data && !complaint ? html`<p class="notice" role="alert">No complaint has this id, or it belongs to another merchant.</p>` : null}
    ${complaint && html`
      <${Summary} complaint=${complaint} targets=${targets} />
      <${Status} id="complaint-status" message=${message} />
      <${Thread} messages=${complaint.messages} />
      <${Reply} complaint=${complaint} onDone=${done} />
      <${Note} complaint=${complaint} onDone=${done} />
      <${Handling} key=${`${complaint.status}|${complaint.assignee}|${complaint.category}`} complaint=${complaint} onDone=${done} />`}`;
}

function Summary({ complaint: c, targets }) {
  return html`
    <section aria-labelledby="complaint-summary-title">
      <h2 id="complaint-summary-title" class="sr-only">About this complaint</h2>
      <dl class="stats stats-wide" id="complaint-summary">
        <div><dt>Customer</dt><dd><${Person} profile=${c.profile} />${c.profile?.email && html`<span class="sub">${c.profile.email}</span>`}</dd></div>
        <div><dt>About</dt><dd>${CATEGORIES[c.category] || c.category}<span class="sub">${c.kind === "REQUEST" ? "Request" : "Complaint"}${
          c.order ? `, order ${c.order.name}` : ""}, from ${label(c.source).toLowerCase()}</span></dd></div>
        <div data-figure="status"><dt>Status</dt><dd><${Badge} tone=${STATUS_TONES[c.status]}>${STATUS_NAMES[c.status] || c.status}<//>
          ${c.assignee && html`<span class="sub">Assigned to ${c.assignee}</span>`}</dd></div>
        <div><dt>Received</dt><dd>${when(c.receivedAt)}</dd></div>
        <div data-figure="first-response"><dt>First reply</dt><dd><${FirstResponse} complaint=${c} />
          ${targets && html`<span class="sub">Target: ${duration(targets.responseTargetMinutes)}</span>`}</dd></div>
        <div data-figure="resolution"><dt>Resolved</dt><dd>${c.resolvedAt ? duration(c.resolutionMinutes) : "Not yet"}
          ${c.resolutionBreached ? html` <span class="breach" data-breach="resolution"><${Badge} tone="bad">Late<//></span>` : null}
          ${targets && html`<span class="sub">Target: ${targets.resolutionTargetHours} h</span>`}</dd></div>
      </dl>
    </section>`;
}

/** A name people gave, not a credential's internal id such as "admin:api_key:merchant:1". */
const person = (name) => Boolean(name) && !/^[a-z_]+:[a-z_]+:/.test(name);

function Thread({ messages }) {
  return html`
    <section aria-labelledby="thread-title">
      <h2 id="thread-title">Conversation</h2>
      <ol class="thread" id="complaint-thread">
        ${messages.map((m, i) => {
          const [title, tone] = AUTHORS[m.author] || [label(m.author), ""];
          return html`
            <li key=${i} class=${`message ${tone}`} data-author=${m.author}>
              <p class="message-head">
                ${m.author === "NOTE" ? html`<${Badge} tone="warn">Internal note<//>` : html`<strong>${title}</strong>`}
                ${person(m.authorName) && html` · ${m.authorName}`} · ${when(m.createdAt)}${m.author === "MERCHANT" && !m.mailed ? " · no email was made" : ""}
                ${m.author === "NOTE" ? html`<span class="sub">Only your team sees it; it is never sent.</span>` : null}
              </p>
              <p class="message-body">${m.body}</p>
            </li>`;
        })}
      </ol>
    </section>`;
}

function Reply({ complaint, onDone }) {
  const [body, setBody] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [reply, busy] = useMutation(COMPLAINT_REPLY, "complaintReply");
  if (complaint.status === "RESOLVED") {
    return html`<section class="panel" aria-labelledby="reply-title"><h2 id="reply-title">Reply</h2>
      <p>This complaint is resolved. To write to the customer again, reopen it under Handling below.</p></section>`;
  }
  const send = async (resolve) => {
    setFailure(null);
    if (!body.trim()) {
      setErrors({ body: ["Write the reply first."] });
      document.getElementById("reply-body")?.focus();
      return;
    }
    try {
      const payload = await reply({ complaintId: complaint.id, body: body.trim(), resolve });
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors, ["input"]));
        return;
      }
      setErrors({});
      setBody("");
      const mailed = payload.email && payload.email.status !== "SKIPPED"
        ? `Reply sent by email${payload.email.toEmail ? ` to ${payload.email.toEmail}` : ""}`
        : `Reply saved, but no email could be sent (${payload.email?.reason || "no address"})`;
      onDone(`${mailed}${resolve ? "; the complaint is resolved" : ""}.`);
    } catch (error) {
      setFailure(error);
    }
  };
  const other = Object.entries(errors).filter(([k]) => k !== "body").flatMap(([, m]) => m);
  return html`
    <section class="panel" aria-labelledby="reply-title">
      <h2 id="reply-title">Reply to the customer</h2>
      <form id="complaint-reply" novalidate onSubmit=${(e) => { e.preventDefault(); send(false); }}>
        <${Field} prefix="reply" path="body" label="Your reply" errors=${errors}
          hint=${`Sent by email${complaint.profile?.email ? ` to ${complaint.profile.email}` : ""}, with the reference ${complaint.reference}; the customer also sees it in the widget.`}
          input=${(a) => html`<textarea ...${a} rows="5" maxlength="5000" value=${body} onInput=${(e) => setBody(e.currentTarget.value)}></textarea>`} />
        ${other.length ? html`<p class="field-error">${other.join(" ")}</p>` : null}
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Sending…" : "Send reply"}</button>
          <button type="button" class="button" disabled=${busy} onClick=${() => send(true)}>Reply and resolve</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
    </section>`;
}

function Note({ complaint, onDone }) {
  const [body, setBody] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [note, busy] = useMutation(COMPLAINT_NOTE, "complaintNote");
  const submit = async (event) => {
    event.preventDefault();
    setFailure(null);
    if (!body.trim()) {
      setErrors({ body: ["Write the note first."] });
      document.getElementById("note-body")?.focus();
      return;
    }
    try {
      const payload = await note({ complaintId: complaint.id, body: body.trim() });
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors, ["input"]));
        return;
      }
      setErrors({});
      setBody("");
      onDone("Internal note added.");
    } catch (error) {
      setFailure(error);
    }
  };
  return html`
    <section class="panel panel-note" aria-labelledby="note-title">
      <h2 id="note-title">Internal note</h2>
      <form id="complaint-note" novalidate onSubmit=${submit}>
        <${Field} prefix="note" path="body" label="Note for your team" errors=${errors}
          hint="Kept with the complaint for your team; never sent or shown to the customer."
          input=${(a) => html`<textarea ...${a} rows="3" maxlength="5000" value=${body} onInput=${(e) => setBody(e.currentTarget.value)}></textarea>`} />
        <div class="form-actions">
          <button type="submit" class="button" disabled=${busy}>${busy ? "Adding…" : "Add note"}</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
    </section>`;
}

function Handling({ complaint, onDone }) {
  const [values, setValues] = useState({ status: complaint.status, assignee: complaint.assignee || "", category: complaint.category });
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [update, busy] = useMutation(COMPLAINT_UPDATE, "complaintUpdate");
  const set = (name) => (e) => setValues({ ...values, [name]: e.currentTarget.value });
  const submit = async (event) => {
    event.preventDefault();
    setFailure(null);
    try {
      const payload = await update({ complaintId: complaint.id, status: values.status, assignee: values.assignee.trim(), category: values.category });
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors, ["input"]));
        return;
      }
      setErrors({});
      onDone("Saved.");
    } catch (error) {
      setFailure(error);
    }
  };
  const f = { prefix: "handling", errors };
  return html`
    <section class="panel" aria-labelledby="handling-title">
      <h2 id="handling-title">Handling</h2>
      <form id="complaint-handling" class="form-inline" novalidate onSubmit=${submit}>
        <${Field} ...${f} path="status" label="Status" input=${(a) => html`
          <select ...${a} value=${values.status} onChange=${set("status")}>
            ${STATUSES.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
          </select>`} />
        <${Field} ...${f} path="assignee" label="Assigned to" hint="A name or an email; empty for nobody." input=${(a) => html`
          <input ...${a} type="text" maxlength="100" autocomplete="off" value=${values.assignee} onInput=${set("assignee")} />`} />
        <${Field} ...${f} path="category" label="Category" input=${(a) => html`
          <select ...${a} value=${values.category} onChange=${set("category")}>
            ${Object.entries(CATEGORIES).map(([value, text]) => html`<option value=${value}>${text}</option>`)}
          </select>`} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Saving…" : "Save"}</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
    </section>`;
}
