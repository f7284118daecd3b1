// Members: the loyalty members table with filters (segment, tier, churn band, store, search)
// and Relay pagination. Filters and the cursor live in the URL, so a view can be shared.
import { useEffect, useState } from "preact/hooks";

import { ErrorNotice, Loading, PageTitle, Pager, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { DownloadCsv } from "../download.js";
import { MEMBER_FILTERS, MEMBERS } from "../documents.js";
import { html } from "../html.js";
import { label, money, points } from "../format.js";
import { href, navigate } from "../router.js";
import { TIERS, TIER_NAMES } from "./value.js";

export const PAGE_SIZE = 25;
const FILTERS = ["segment", "tier", "valueTier", "churnBand", "storeId", "search"];
const BANDS = ["LOW", "MEDIUM", "HIGH"];

export function Members({ params }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params[f] || ""]));
  const variables = {
    ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)),
    ...(params.before ? { last: PAGE_SIZE, before: params.before } : { first: PAGE_SIZE, after: params.after || null }),
  };
  const { data, error, loading, reload } = useQuery(MEMBERS, variables);
  const go = (changes) => navigate("members", { params: { ...filters, ...changes } });
  const connection = data?.members;
  return html`
    <${PageTitle}>Members<//>
    <${Filters} filters=${filters} onApply=${(f) => go({ ...f, after: null, before: null })} />
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="members" />` : null}
    ${connection && html`
      <div class="section-head">
        <p class="result-count" role="status">${connection.edges.length
          ? `Showing ${connection.edges.length} member${connection.edges.length === 1 ? "" : "s"}${describe(filters)}.`
          : `No members match${describe(filters)}.`}</p>
        <${DownloadCsv} name="members" params=${filters} note="every page of this filter"
          what=${`every member${describe(filters)}, all pages, with tier, balance, segment, value tier, CLV, churn risk and consent`} />
      </div>
      <${MembersTable} edges=${connection.edges} busy=${loading} />
      <${Pager} label="Members pages" pageInfo=${connection.pageInfo}
        onPrevious=${(cursor) => go({ before: cursor, after: null })}
        onNext=${(cursor) => go({ after: cursor, before: null })} />`}`;
}

function describe(filters) {
  const parts = [];
  if (filters.segment) parts.push(`segment ${label(filters.segment)}`);
  if (filters.tier) parts.push(filters.tier === "none" ? "no loyalty tier" : `loyalty tier ${filters.tier}`);
  if (filters.valueTier) parts.push(`value tier ${TIER_NAMES[filters.valueTier] || filters.valueTier}`);
  if (filters.churnBand) parts.push(`${label(filters.churnBand).toLowerCase()} churn risk`);
  if (filters.storeId) parts.push("one store");
  if (filters.search) parts.push(`“${filters.search}”`);
  return parts.length ? ` in ${parts.join(", ")}` : "";
}

function Filters({ filters, onApply }) {
  const [draft, setDraft] = useState(filters);
  const applied = JSON.stringify(filters);
  useEffect(() => setDraft(JSON.parse(applied)), [applied]);  // back/forward changes the URL
  const { data } = useQuery(MEMBER_FILTERS);
  const set = (name) => (event) => setDraft({ ...draft, [name]: event.currentTarget.value });
  const tiers = data?.program?.current?.rules?.tiers?.map((t) => t.name) || [];
  const segments = data?.insights?.segments || [];
  const stores = data?.stores?.nodes || [];
  // Keep a filter that came from the URL selectable even before the options load.
  const withCurrent = (values, current) => (current && !values.includes(current) ? [...values, current] : values);
  const submit = (event) => {
    event.preventDefault();
    onApply({ ...draft, search: draft.search.trim() });
  };
  const clear = () => {
    const empty = Object.fromEntries(FILTERS.map((f) => [f, ""]));
    setDraft(empty);
    onApply(empty);
  };
  return html`
    <form class="filters" role="search" aria-label="Filter members" onSubmit=${submit}>
      <div class="field">
        <label for="filter-search">Search name or email</label>
        <input id="filter-search" type="search" value=${draft.search} onInput=${set("search")} />
      </div>
      <div class="field">
        <label for="filter-segment">Segment</label>
        <select id="filter-segment" value=${draft.segment} onChange=${set("segment")}>
          <option value="">Any segment</option>
          ${withCurrent(segments.map((s) => s.name), filters.segment).map((name) => html`
            <option value=${name}>${label(name)}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="filter-tier">Loyalty tier</label>
        <select id="filter-tier" value=${draft.tier} onChange=${set("tier")}>
          <option value="">Any tier</option>
          ${withCurrent(tiers, filters.tier === "none" ? "" : filters.tier).map((name) => html`<option value=${name}>${name}</option>`)}
          <option value="none">No tier</option>
        </select>
      </div>
      <div class="field">
        <label for="filter-value-tier">Value tier</label>
        <select id="filter-value-tier" value=${draft.valueTier} onChange=${set("valueTier")}>
          <option value="">Any value tier</option>
          ${TIERS.map((tier) => html`<option value=${tier}>${TIER_NAMES[tier]}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="filter-churn">Churn risk</label>
        <select id="filter-churn" value=${draft.churnBand} onChange=${set("churnBand")}>
          <option value="">Any risk</option>
          ${BANDS.map((band) => html`<option value=${band}>${label(band)}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="filter-store">Store</label>
        <select id="filter-store" value=${draft.storeId} onChange=${set("storeId")}>
          <option value="">Every store</option>
          ${stores.map((s) => html`<option value=${s.id}>${s.name} (${label(s.platform)})</option>`)}
        </select>
      </div>
      <div class="filter-actions">
        <button type="submit" class="button button-primary">Apply filters</button>
        <button type="button" class="button" onClick=${clear}>Clear</button>
      </div>
    </form>`;
}

function MembersTable({ edges, busy }) {
  if (!edges.length) return null;
  return html`
    <${TableWrap} label="Members">
      <table class="data members-table" aria-busy=${busy ? "true" : "false"}>
        <caption class="sr-only">Loyalty members</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Loyalty tier</th>
            <th scope="col" class="num">Balance</th>
            <th scope="col">Segment</th>
            <th scope="col">Value tier</th>
            <th scope="col" class="num">CLV</th>
            <th scope="col">Churn risk</th>
          </tr>
        </thead>
        <tbody>
          ${edges.map(({ node }) => html`
            <tr key=${node.id} data-member-id=${node.id} data-profile-id=${node.profile.id}>
              <th scope="row">
                <a href=${href("member", { id: node.id })}>${node.profile.displayName || node.profile.email || "Unnamed member"}</a>
                ${node.profile.email && html`<span class="sub">${node.profile.email}</span>`}
              </th>
              <td>${node.tier?.name ?? "No tier"}</td>
              <td class="num">${points(node.balance.available)}
                ${node.balance.pending ? html`<span class="sub">${points(node.balance.pending)} pending</span>` : null}</td>
              <td data-column="segment" data-segment=${node.profile.segment?.name || ""}>${node.profile.segment ? label(node.profile.segment.name) : "—"}</td>
              <td data-column="value-tier" data-value-tier=${node.profile.segment?.tier || ""}>${TIER_NAMES[node.profile.segment?.tier] || "—"}</td>
              <td class="num">${money(node.profile.prediction?.clv?.value)}</td>
              <td>${node.profile.churnBand ? label(node.profile.churnBand) : "—"}</td>
            </tr>`)}
        </tbody>
      </table>
    <//>`;
}
