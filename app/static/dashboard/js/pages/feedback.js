// Feedback: what customers say. NPS over the period (one vote per person: their latest answer)
// with promoters, passives and detractors, by segment, by value tier and by month; CSAT; the
// comments' topics; complaint figures against the targets; alerts about valuable customers; and
// the people behind a figure (NPS group × value tier × segment), "Detractor VIPs" in one click.
import { useEffect, useMemo, useState } from "preact/hooks";

import { ChartFigure } from "../charts.js";
import { Badge, ErrorNotice, Loading, PageTitle, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { html } from "../html.js";
import { day, decimal, label, percent, points, when } from "../format.js";
import { href, navigate } from "../router.js";
import { TIERS, TIER_NAMES } from "./value.js";

export const FEEDBACK_REPORT = /* GraphQL */ `
  query DashboardFeedbackReport($since: Date) {
    feedbackReport(since: $since) {
      nps { score responses promoters passives detractors }
      csat { score satisfied responses }
      bySegment { key label nps { score responses promoters passives detractors } }
      byValueTier { key label nps { score responses promoters passives detractors } }
      byMonth { month nps { score responses promoters passives detractors } }
      topics { term terms comments detractors detractorShare }
      complaints { received open waiting resolved responseBreaches resolutionBreaches medianFirstResponseMinutes }
      alerts { kind detail at profile { id displayName email loyalty { id } } }
    }
  }`;

export const FEEDBACK_PROFILES = /* GraphQL */ `
  query DashboardFeedbackProfiles($filter: FeedbackProfileFilter, $first: Int, $after: String) {
    feedbackProfiles(filter: $filter, first: $first, after: $after) {
      nodes {
        id displayName email segment { name tier } loyalty { id }
        feedback { latestNps { score answeredAt } openComplaints }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

const PERIODS = [
  ["90", "Last 90 days"],
  ["365", "Last 12 months"],
  ["all", "All time"],
];
export const GROUPS = [
  ["PROMOTER", "Promoters (9–10)"],
  ["PASSIVE", "Passives (7–8)"],
  ["DETRACTOR", "Detractors (0–6)"],
];
const ALERTS = { DETRACTOR_VIP: "Detractor VIP", UNRESOLVED_HIGH_VALUE_COMPLAINT: "VIP complaint unresolved" };
const PAGE = 25;

/** An NPS as people read it: whole, signed ("+32", "−10", "0"), or "—" without answers. */
export function nps(score) {
  if (score === null || score === undefined) return "—";
  const whole = Math.round(score);
  return whole > 0 ? `+${whole}` : whole < 0 ? `−${Math.abs(whole)}` : "0";
}

/** Minutes as "42 min", "3 h 5 min" or "2 d 4 h". */
export function duration(minutes) {
  if (minutes === null || minutes === undefined) return "—";
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  if (m < 48 * 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
  const hours = Math.floor(m / 60);
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ""}`;
}

/** The person's name linking to their member page when they are a member. */
export function Person({ profile }) {
  if (!profile) return "A customer";
  const name = profile.displayName || profile.email || "Unnamed customer";
  return profile.loyalty ? html`<a href=${href("member", { id: profile.loyalty.id })}>${name}</a>` : name;
}

function since(period) {
  if (period === "all") return null;
  return new Date(Date.now() - Number(period) * 86400000).toISOString().slice(0, 10);
}

export function Feedback({ params }) {
  const period = PERIODS.some(([p]) => p === params.period) ? params.period : "365";
  const from = useMemo(() => since(period), [period]);
  const report = useQuery(FEEDBACK_REPORT, { since: from });
  const figures = report.data?.feedbackReport;
  const go = (changes) => navigate("feedback", { params: { ...params, ...changes } });
  return html`
    <${PageTitle}>Feedback<//>
    <p class="lead">NPS (net promoter score) asks "how likely are you to recommend us", 0 to 10: promoters answer
      9–10, passives 7–8, detractors 0–6. NPS is the share of promoters minus the share of detractors, from −100
      to +100, counting each person once, by their latest answer in the period.</p>
    <div class="field narrow">
      <label for="feedback-period">Period</label>
      <select id="feedback-period" value=${period} onChange=${(e) => go({ period: e.currentTarget.value, after: null })}>
        ${PERIODS.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
      </select>
    </div>
    <${ErrorNotice} error=${report.error} retry=${report.reload} />
    ${report.loading && !figures ? html`<${Loading} what="the feedback report" />` : null}
    ${figures && html`
      <${Headline} figures=${figures} />
      <${Alerts} alerts=${figures.alerts} />
      <${Groups} id="feedback-by-segment" title="NPS by segment" first="Segment" groups=${figures.bySegment} />
      <${Groups} id="feedback-by-value-tier" title="NPS by value tier" first="Value tier" groups=${figures.byValueTier} />
      <${Months} months=${figures.byMonth} />
      <${Topics} topics=${figures.topics} />
      <${Complaints} figures=${figures.complaints} />
      <${People} key=${FILTERS.map((f) => params[f] || "").concat(params.after || "").join("|")}
        params=${params} segments=${figures.bySegment} go=${go} />`}`;
}

function Headline({ figures }) {
  const { nps: n, csat } = figures;
  return html`
    <section aria-labelledby="feedback-nps-title">
      <h2 id="feedback-nps-title">Net promoter score</h2>
      <dl class="stats" id="feedback-nps">
        <div data-figure="score"><dt>NPS</dt><dd>${nps(n.score)}</dd></div>
        <div data-figure="responses"><dt>People who answered</dt><dd>${points(n.responses)}</dd></div>
        <div data-figure="promoters"><dt>Promoters (9–10)</dt><dd>${points(n.promoters)}</dd></div>
        <div data-figure="passives"><dt>Passives (7–8)</dt><dd>${points(n.passives)}</dd></div>
        <div data-figure="detractors"><dt>Detractors (0–6)</dt><dd>${points(n.detractors)}</dd></div>
        <div data-figure="csat"><dt>CSAT (1–5)</dt>
          <dd>${csat.score === null || csat.score === undefined ? "—" : decimal(csat.score, 1)}
            <span class="sub">${csat.responses
              ? `${points(csat.responses)} answer${csat.responses === 1 ? "" : "s"}, ${percent(csat.satisfied)} satisfied (4–5)`
              : "No answers"}</span></dd></div>
      </dl>
    </section>`;
}

const ALERTS_SHOWN = 5;

function summary(vips, complaints) {
  const plural = (n, one, many) => `${points(n)} ${n === 1 ? one : many}`;
  return `${plural(vips, "VIP whose", "VIPs whose")} latest NPS answer in the period is 0–6, and ${
    plural(complaints, "unresolved complaint", "unresolved complaints")} (received at any time) from VIPs.`;
}

/** The newest alerts first; past a handful, the rest behind "Show all". */
function Alerts({ alerts }) {
  const [all, setAll] = useState(false);
  const newest = [...alerts].sort((x, y) => new Date(y.at) - new Date(x.at));
  const shown = all ? newest : newest.slice(0, ALERTS_SHOWN);
  const count = (kind) => alerts.filter((a) => a.kind === kind).length;
  return html`
    <section aria-labelledby="feedback-alerts-title">
      <h2 id="feedback-alerts-title">Alerts</h2>
      ${alerts.length
        ? html`<p class="hint" id="feedback-alerts-summary">${summary(count("DETRACTOR_VIP"), count("UNRESOLVED_HIGH_VALUE_COMPLAINT"))}</p>
          <ul class="alerts" id="feedback-alerts">
            ${shown.map((a, i) => html`
              <li key=${i} data-kind=${a.kind}>
                <${Badge} tone="bad">${ALERTS[a.kind] || label(a.kind)}<//>${" "}<strong><${Person} profile=${a.profile} /></strong>: ${a.detail}
                <span class="sub">${when(a.at)}</span>
              </li>`)}
          </ul>
          ${alerts.length > ALERTS_SHOWN && html`<button type="button" class="button button-small show-all"
            aria-expanded=${all ? "true" : "false"} aria-controls="feedback-alerts"
            onClick=${() => setAll(!all)}>${all ? "Show the newest only" : `Show all ${points(alerts.length)} alerts`}</button>`}`
        : html`<p>No alerts: no VIP answered 0–6 in the period and no VIP waits on a complaint.</p>`}
    </section>`;
}

function Groups({ id, title, first, groups }) {
  const rows = groups.map((g) => [g.label, nps(g.nps.score), points(g.nps.responses)]);
  const answered = groups.filter((g) => g.nps.score !== null && g.nps.score !== undefined);
  return html`
    <section aria-labelledby=${`${id}-title`}>
      <h2 id=${`${id}-title`}>${title}</h2>
      ${groups.length ? html`
        <div class="group-figures">
          <${TableWrap} label=${title}>
            <table class="data" id=${id}>
              <caption class="sr-only">${title}: each person counted once, by their latest answer</caption>
              <thead><tr><th scope="col">${first}</th><th scope="col" class="num">NPS</th>
                <th scope="col" class="num">Answered</th><th scope="col" class="num">Promoters</th>
                <th scope="col" class="num">Passives</th><th scope="col" class="num">Detractors</th></tr></thead>
              <tbody>${groups.map((g) => html`
                <tr key=${g.key} data-key=${g.key}>
                  <th scope="row">${g.label}</th>
                  <td class="num" data-column="nps">${nps(g.nps.score)}</td>
                  <td class="num" data-column="responses">${points(g.nps.responses)}</td>
                  <td class="num" data-column="promoters">${points(g.nps.promoters)}</td>
                  <td class="num" data-column="passives">${points(g.nps.passives)}</td>
                  <td class="num" data-column="detractors">${points(g.nps.detractors)}</td>
                </tr>`)}
              </tbody>
            </table>
          <//>
          <${ChartFigure} id=${`${id}-chart`} title=${`${title}, from −100 to +100`} type="bar"
            summary=${answered.length
              ? `${title}: ${answered.map((g) => `${g.label} ${nps(g.nps.score)}`).join(", ")}.`
              : `${title}: no answers yet.`}
            labels=${answered.map((g) => g.label)}
            datasets=${[{ label: "NPS", data: answered.map((g) => Math.round(g.nps.score)) }]}
            options=${{ indexAxis: "y", scales: { x: { min: -100, max: 100 } } }}
            columns=${[first, "NPS", "Answered"]} rows=${rows} />
        </div>`
      : html`<p>No answers in this period.</p>`}
    </section>`;
}

function monthName(month) {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(document.documentElement.lang || "en", { month: "short", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

function Months({ months }) {
  const answered = months.filter((m) => m.nps.score !== null && m.nps.score !== undefined);
  return html`
    <section aria-labelledby="feedback-months-title">
      <h2 id="feedback-months-title" class="sr-only">NPS by month</h2>
      <${ChartFigure} id="feedback-by-month" title="NPS by month" type="line"
        summary=${answered.length
          ? `NPS by month, from ${monthName(answered[0].month)} (${nps(answered[0].nps.score)}) to ${
            monthName(answered.at(-1).month)} (${nps(answered.at(-1).nps.score)}).`
          : "NPS by month: no answers yet."}
        labels=${answered.map((m) => monthName(m.month))}
        datasets=${[{ label: "NPS", data: answered.map((m) => Math.round(m.nps.score)) }]}
        options=${{ scales: { y: { min: -100, max: 100 } } }}
        columns=${["Month", "NPS", "Answered", "Promoters", "Passives", "Detractors"]}
        rows=${months.map((m) => [monthName(m.month), nps(m.nps.score), points(m.nps.responses),
          points(m.nps.promoters), points(m.nps.passives), points(m.nps.detractors)])} />
    </section>`;
}

function Topics({ topics }) {
  return html`
    <section aria-labelledby="feedback-topics-title">
      <h2 id="feedback-topics-title">What the comments talk about</h2>
      <p class="hint">Themes found in the period's comments (on this server, no outside service): the words that mark
        each, how many comments fall under it, and how many of those came from detractors.</p>
      ${topics.length ? html`
        <${TableWrap} label="Topics of the comments">
          <table class="data" id="feedback-topics">
            <caption class="sr-only">Topics of the period's comments, most mentioned first</caption>
            <thead><tr><th scope="col">Topic</th><th scope="col">Words</th><th scope="col" class="num">Comments</th>
              <th scope="col" class="num">From detractors</th></tr></thead>
            <tbody>${topics.map((t) => html`
              <tr key=${t.term} data-term=${t.term}>
                <th scope="row">${t.term}</th>
                <td>${(t.terms || []).join(", ") || "—"}</td>
                <td class="num">${points(t.comments)}</td>
                <td class="num">${points(t.detractors)}${t.detractorShare === null || t.detractorShare === undefined
                  ? "" : html` <span class="sub">${percent(t.detractorShare)}</span>`}</td>
              </tr>`)}
            </tbody>
          </table>
        <//>`
      : html`<p>No comments in this period.</p>`}
    </section>`;
}

function Complaints({ figures }) {
  return html`
    <section aria-labelledby="feedback-complaints-title">
      <h2 id="feedback-complaints-title">Complaints and requests</h2>
      <p class="hint">Received in the period, as they stand now.</p>
      <dl class="stats" id="feedback-complaints">
        <div data-figure="received"><dt>Received</dt><dd>${points(figures.received)}</dd></div>
        <div data-figure="open"><dt>Of those, waiting for you</dt><dd>${points(figures.open)}</dd></div>
        <div data-figure="waiting"><dt>Of those, waiting for the customer</dt><dd>${points(figures.waiting)}</dd></div>
        <div data-figure="responseBreaches"><dt>First reply late</dt><dd>${points(figures.responseBreaches)}</dd></div>
        <div data-figure="resolutionBreaches"><dt>Resolution late</dt><dd>${points(figures.resolutionBreaches)}</dd></div>
        <div data-figure="medianFirstResponse"><dt>Median first reply</dt><dd>${duration(figures.medianFirstResponseMinutes)}</dd></div>
      </dl>
      <p class="hint">Late means past the targets under Program settings → Feedback. See${" "}
        <a href=${href("complaints", { params: { status: "OPEN" } })}>every complaint waiting for you</a>${" "}or${" "}
        <a href=${href("complaints", { params: { breached: "true" } })}>every complaint past a target</a>.</p>
    </section>`;
}

const FILTERS = ["group", "tier", "segment"];
/** Set when a filter is applied, so the remounted list moves focus to its count once it answers. */
export const refocus = { people: false, complaints: false };

/** Remounted for each filter and page (its key), so what it lists is always the filter it names. */
function People({ params, segments, go }) {
  const applied = Object.fromEntries(FILTERS.map((f) => [f, params[f] || ""]));
  const [draft, setDraft] = useState(applied);
  const filter = { npsGroup: applied.group || null, valueTier: applied.tier || null, segment: applied.segment || null };
  const variables = { filter, first: PAGE, after: params.after || null };
  const found = useQuery(FEEDBACK_PROFILES, variables);
  const connection = found.data?.feedbackProfiles;
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.currentTarget.value });
  const apply = (values) => {
    refocus.people = true;  // the form is remounted: the answer's count takes the focus
    go({ ...values, after: null });
  };
  useEffect(() => {
    if (connection && refocus.people) {
      refocus.people = false;
      document.getElementById("feedback-people-count")?.focus();
    }
  }, [connection]);
  const describe = [
    applied.group && GROUPS.find(([g]) => g === applied.group)?.[1].replace(/ \(.*\)/, "").toLowerCase(),
    applied.tier && `value tier ${TIER_NAMES[applied.tier] || applied.tier}`,
    applied.segment && `segment ${segments.find((s) => s.key === applied.segment)?.label || applied.segment}`,
  ].filter(Boolean).join(", ");
  return html`
    <section aria-labelledby="feedback-people-title">
      <h2 id="feedback-people-title">Who said it</h2>
      <p class="hint">People by their latest NPS answer (any time), their value tier and their segment.</p>
      <form class="filters" role="search" aria-label="Filter people by feedback" id="feedback-filter"
        onSubmit=${(e) => { e.preventDefault(); apply(draft); }}>
        <div class="field">
          <label for="filter-nps-group">NPS group</label>
          <select id="filter-nps-group" value=${draft.group} onChange=${set("group")}>
            <option value="">Anyone who answered</option>
            ${GROUPS.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="filter-nps-tier">Value tier</label>
          <select id="filter-nps-tier" value=${draft.tier} onChange=${set("tier")}>
            <option value="">Any value tier</option>
            ${TIERS.map((t) => html`<option value=${t}>${TIER_NAMES[t]}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="filter-nps-segment">Segment</label>
          <select id="filter-nps-segment" value=${draft.segment} onChange=${set("segment")}>
            <option value="">Any segment</option>
            ${segments.map((s) => html`<option value=${s.key}>${s.label}</option>`)}
          </select>
        </div>
        <div class="filter-actions">
          <button type="submit" class="button button-primary">Show people</button>
          <button type="button" class="button" id="detractor-vips"
            onClick=${() => apply({ group: "DETRACTOR", tier: "VIP", segment: "" })}>Detractor VIPs</button>
        </div>
      </form>
      <${ErrorNotice} error=${found.error} retry=${found.reload} />
      ${found.loading && !connection ? html`<${Loading} what="people" />` : null}
      ${connection && html`
        <p class="result-count" role="status" id="feedback-people-count" tabindex="-1">${connection.nodes.length
          ? `Showing ${connection.nodes.length} ${connection.nodes.length === 1 ? "person" : "people"}${describe ? `: ${describe}` : ""}.`
          : `Nobody matches${describe ? `: ${describe}` : ""}.`}</p>
        ${connection.nodes.length ? html`
          <${TableWrap} label="People by feedback">
            <table class="data" id="feedback-people" aria-busy=${found.loading ? "true" : "false"}>
              <caption class="sr-only">People matching the feedback filter</caption>
              <thead><tr><th scope="col">Person</th><th scope="col" class="num">Latest NPS answer</th>
                <th scope="col">Answered</th><th scope="col">Value tier</th><th scope="col">Segment</th>
                <th scope="col" class="num">Open complaints</th></tr></thead>
              <tbody>${connection.nodes.map((p) => html`
                <tr key=${p.id} data-profile-id=${p.id}>
                  <th scope="row"><${Person} profile=${p} />${p.email && html`<span class="sub">${p.email}</span>`}</th>
                  <td class="num">${p.feedback.latestNps ? p.feedback.latestNps.score : "—"}</td>
                  <td>${p.feedback.latestNps ? day(p.feedback.latestNps.answeredAt) : "—"}</td>
                  <td>${TIER_NAMES[p.segment?.tier] || "—"}</td>
                  <td>${p.segment ? label(p.segment.name) : "—"}</td>
                  <td class="num">${points(p.feedback.openComplaints)}</td>
                </tr>`)}
              </tbody>
            </table>
          <//>` : null}
        ${(connection.pageInfo.hasNextPage || params.after) && html`
          <nav class="pager" aria-label="People pages">
            <button type="button" class="button" disabled=${!params.after} onClick=${() => go({ after: null })}>First page</button>
            <button type="button" class="button" disabled=${!connection.pageInfo.hasNextPage}
              onClick=${() => go({ after: connection.pageInfo.endCursor })}>Next page</button>
          </nav>`}`}
    </section>`;
}
