// Complaints and requests: newest first, filtered by status and by breach of the targets, each row
// with its reference, who, what about, where it stands, when it came and how fast the first reply
// went out (a late one marked in words, not only in colour). Filters and cursor live in the URL.
import { useEffect, useState } from "preact/hooks";

import { Badge, ErrorNotice, Loading, PageTitle, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { html } from "../html.js";
import { when } from "../format.js";
import { href, navigate } from "../router.js";
import { Person, duration, refocus } from "./feedback.js";

export const COMPLAINTS = /* GraphQL */ `
  query DashboardComplaints($first: Int, $after: String, $status: [ComplaintStatus!], $breached: Boolean, $profileId: ID) {
    complaints(first: $first, after: $after, status: $status, breached: $breached, profileId: $profileId) {
      nodes {
        id reference kind category status subject receivedAt firstResponseAt firstResponseMinutes
        responseBreached resolutionBreached assignee
        profile { id displayName email loyalty { id } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const STATUSES = [
  ["OPEN", "Open: waiting for you"],
  ["WAITING", "Answered: waiting for the customer"],
  ["RESOLVED", "Resolved"],
];
export const STATUS_NAMES = { OPEN: "Open", WAITING: "Answered", RESOLVED: "Resolved" };
export const STATUS_TONES = { OPEN: "warn", WAITING: "neutral", RESOLVED: "ok" };
export const CATEGORIES = {
  DELIVERY: "Delivery", PRODUCT: "Product", BILLING: "Payment or billing", RETURN: "Return or refund",
  SERVICE: "Service", ACCOUNT: "Account", OTHER: "Other",
};
const PAGE = 25;

/** How fast the first reply went, or how long the customer has waited for it; late ones say so. */
export function FirstResponse({ complaint: c }) {
  const late = c.responseBreached;
  const text = c.firstResponseAt ? duration(c.firstResponseMinutes) : c.status === "RESOLVED" ? "No reply" : "Not yet";
  return html`<span class="first-response">${text}${late
    ? html` <span class="breach" data-breach="response"><${Badge} tone="bad">Late<//></span>` : null}</span>`;
}

export function Complaints({ params }) {
  const status = STATUS_NAMES[params.status] ? params.status : "";
  const breached = params.breached === "true";
  const variables = {
    first: PAGE, after: params.after || null, status: status ? [status] : null, breached: breached || null,
    profileId: params.profileId || null,
  };
  const go = (changes) => navigate("complaints", { params: { ...params, ...changes } });
  return html`
    <${PageTitle}>Complaints<//>
    <p class="lead">Complaints and requests from the widget, your help desk and this dashboard. The first reply
      and the resolution are timed from intake against the targets under Program settings → Feedback.</p>
    <${Filters} status=${status} breached=${breached} onApply=${(f) => { refocus.complaints = true; go({ ...f, after: null }); }} />
    ${params.profileId && html`<p>One customer's complaints only. <a href=${href("complaints", { params: { status, breached: breached ? "true" : "" } })}>
      Everyone's complaints</a></p>`}
    <${Results} key=${JSON.stringify(variables)} variables=${variables} summary=${describe(status, breached)}
      first=${!params.after} go=${go} />`;
}

/** Remounted for each filter and page (its key), so the count always describes the rows shown. */
function Results({ variables, summary, first, go }) {
  const { data, error, loading, reload } = useQuery(COMPLAINTS, variables);
  const connection = data?.complaints;
  useEffect(() => {
    if (connection && refocus.complaints) {
      refocus.complaints = false;
      document.getElementById("complaints-count")?.focus();
    }
  }, [connection]);
  return html`
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="complaints" />` : null}
    ${connection && html`
      <p class="result-count" role="status" id="complaints-count" tabindex="-1">${connection.nodes.length
        ? `Showing ${connection.nodes.length} complaint${connection.nodes.length === 1 ? "" : "s"}${summary}.`
        : `No complaints${summary}.`}</p>
      ${connection.nodes.length ? html`<${Table} nodes=${connection.nodes} busy=${loading} />` : null}
      ${(connection.pageInfo.hasNextPage || !first) && html`
        <nav class="pager" aria-label="Complaints pages">
          <button type="button" class="button" disabled=${first} onClick=${() => go({ after: null })}>Newest</button>
          <button type="button" class="button" disabled=${!connection.pageInfo.hasNextPage}
            onClick=${() => go({ after: connection.pageInfo.endCursor })}>Older</button>
        </nav>`}`}`;
}

function describe(status, breached) {
  const parts = [status && STATUS_NAMES[status].toLowerCase(), breached && "past a target"].filter(Boolean);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function Filters({ status, breached, onApply }) {
  const [draft, setDraft] = useState({ status, breached });
  const [seen, setSeen] = useState(`${status}|${breached}`);
  if (seen !== `${status}|${breached}`) {  // back/forward changed the URL
    setSeen(`${status}|${breached}`);
    setDraft({ status, breached });
  }
  return html`
    <form class="filters" role="search" aria-label="Filter complaints" id="complaint-filter"
      onSubmit=${(e) => { e.preventDefault(); onApply({ status: draft.status, breached: draft.breached ? "true" : "" }); }}>
      <div class="field">
        <label for="filter-complaint-status">Status</label>
        <select id="filter-complaint-status" value=${draft.status} onChange=${(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
          <option value="">Any status</option>
          ${Object.entries(STATUS_NAMES).map(([value, text]) => html`<option value=${value}>${text}</option>`)}
        </select>
      </div>
      <div class="check">
        <input type="checkbox" id="filter-complaint-breached" checked=${draft.breached}
          onChange=${(e) => setDraft({ ...draft, breached: e.currentTarget.checked })} />
        <label for="filter-complaint-breached">Only those past a target</label>
      </div>
      <div class="filter-actions">
        <button type="submit" class="button button-primary">Apply filters</button>
      </div>
    </form>`;
}

function Table({ nodes, busy }) {
  return html`
    <${TableWrap} label="Complaints">
      <table class="data" id="complaints" aria-busy=${busy ? "true" : "false"}>
        <caption class="sr-only">Complaints and requests, newest first</caption>
        <thead><tr>
          <th scope="col">Reference</th><th scope="col">Customer</th><th scope="col">About</th>
          <th scope="col">Status</th><th scope="col">Received</th><th scope="col">First reply</th>
        </tr></thead>
        <tbody>${nodes.map((c) => html`
          <tr key=${c.id} data-complaint-id=${c.id} data-reference=${c.reference} data-status=${c.status}
              data-breached=${c.responseBreached || c.resolutionBreached ? "true" : "false"}>
            <th scope="row"><a href=${href("complaint", { id: c.id })}>${c.reference}</a>
              <span class="sub">${c.subject}</span></th>
            <td><${Person} profile=${c.profile} /></td>
            <td>${CATEGORIES[c.category] || c.category}${c.kind === "REQUEST" ? html`<span class="sub">Request</span>` : null}</td>
            <td><${Badge} tone=${STATUS_TONES[c.status]}>${STATUS_NAMES[c.status] || c.status}<//>
              ${c.resolutionBreached ? html` <span class="breach" data-breach="resolution"><${Badge} tone="bad">Resolution late<//></span>` : null}</td>
            <td>${when(c.receivedAt)}</td>
            <td><${FirstResponse} complaint=${c} /></td>
          </tr>`)}
        </tbody>
      </table>
    <//>`;
}
