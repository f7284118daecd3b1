// Referrals: how the referral loop did over a period (clicks, sign-ups, first orders and their
// revenue, friends' codes, points paid, refusals and why, top referrers), each figure with what
// it counts, and the review queue where the owner approves or rejects suspicious referrals.
import { useMemo, useState } from "preact/hooks";

import { request } from "../api.js";
import { ErrorNotice, Loading, PageTitle, Status, TableWrap } from "../components.js";
import { useQuery } from "../data.js";
import { html } from "../html.js";
import { money, points, when } from "../format.js";
import { href } from "../router.js";

export const REFERRAL_REPORT = /* GraphQL */ `
  query DashboardReferralReport($from: DateTime) {
    referralReport(from: $from) {
      clicks signups orders revenue { amount currencyCode }
      friendCodesIssued friendCodesUsed pointsPaid completed waiting inReview refused
      refusedByReason { reason count }
      topReferrers(first: 10) { signups orders completed member { id referralCode } }
    }
  }`;

export const REFERRAL_QUEUE = /* GraphQL */ `
  query DashboardReferralQueue {
    referrals(first: 50, status: REVIEW) {
      nodes { id reason createdAt referrer { id referralCode } friend { id displayName } }
    }
  }`;

export const REFERRAL_DECIDE = /* GraphQL */ `
  mutation DashboardReferralDecide($input: ReferralDecideInput!) {
    referralDecide(input: $input) {
      referral { id status reason }
      userErrors { field message }
    }
  }`;

const PERIODS = [
  ["30", "Last 30 days"],
  ["90", "Last 90 days"],
  ["365", "Last 12 months"],
  ["all", "All time"],
];

/** The report's figures with what each one counts, in the order a referral goes through them. */
export const FIGURES = [
  ["clicks", "Link visits", "First visits through a referral link, one per visitor and referrer."],
  ["signups", "Sign-ups", "Friends who claimed a code once signed in, whatever became of them."],
  ["friendCodesIssued", "Friend codes made", "Welcome codes created on the store where the friend claimed."],
  ["friendCodesUsed", "Friend codes used", "Welcome codes seen on an order."],
  ["orders", "First orders", "Friends' qualifying first orders placed in the period."],
  ["completed", "Completed", "Referrals that paid the referrer: the friend's order passed its return window."],
  ["waiting", "Waiting", "Referrals waiting for the friend's first order or its return window."],
  ["inReview", "In review", "Referrals held for your decision (shared address, many from one network)."],
  ["refused", "Refused", "Referrals refused by the fraud checks, by you, or because the friend's order was refunded."],
  ["pointsPaid", "Points paid", "Referral points posted in the period, to friends and referrers."],
];

function since(period) {
  if (period === "all") return null;
  return new Date(Date.now() - Number(period) * 86400000).toISOString();
}

export function Referrals() {
  const [period, setPeriod] = useState("30");
  const from = useMemo(() => since(period), [period]);  // fixed per choice, or every render would refetch
  const report = useQuery(REFERRAL_REPORT, { from });
  const queue = useQuery(REFERRAL_QUEUE);
  const figures = report.data?.referralReport;
  return html`
    <${PageTitle}>Referrals<//>
    <p class="lead">A member shares their link; a friend's first visit is counted, the friend claims the code
      once signed in and gets their welcome code on the store they shop on. The friend's first order
      qualifies the referral, and the member is paid once that order is past its return window.</p>
    <div class="field">
      <label for="referral-period">Period</label>
      <select id="referral-period" value=${period} onChange=${(e) => setPeriod(e.currentTarget.value)}>
        ${PERIODS.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
      </select>
    </div>
    <${ErrorNotice} error=${report.error} retry=${report.reload} />
    ${report.loading && !figures ? html`<${Loading} what="the referral report" />` : null}
    ${figures && html`<${Report} figures=${figures} />`}
    <${Queue} queue=${queue} onDecided=${() => { queue.reload(); report.reload(); }} />`;
}

function Report({ figures }) {
  return html`
    <section aria-labelledby="referral-figures-title">
      <h2 id="referral-figures-title">The period's figures</h2>
      <dl class="stats" id="referral-figures">
        ${FIGURES.map(([key, term, meaning]) => html`
          <div data-figure=${key} key=${key}>
            <dt>${term}</dt>
            <dd><strong>${points(figures[key])}</strong><span class="hint">${meaning}</span></dd>
          </div>`)}
        <div data-figure="revenue">
          <dt>Revenue</dt>
          <dd><strong>${figures.revenue.length ? figures.revenue.map((m) => money(m)).join(", ") : money(null)}</strong>
            <span class="hint">Those first orders' totals net of refunds, per currency.</span></dd>
        </div>
      </dl>
    </section>
    <section aria-labelledby="referral-refusals-title">
      <h2 id="referral-refusals-title">Refused, by reason</h2>
      ${figures.refusedByReason.length
        ? html`<${TableWrap} label="Refused referrals by reason">
            <table class="data" id="referral-refusals">
              <caption class="sr-only">Refused referrals by reason</caption>
              <thead><tr><th scope="col">Reason</th><th scope="col" class="num">Referrals</th></tr></thead>
              <tbody>${figures.refusedByReason.map((r) => html`
                <tr key=${r.reason}><th scope="row">${r.reason}</th><td class="num">${points(r.count)}</td></tr>`)}
              </tbody>
            </table><//>`
        : html`<p>Nothing was refused in this period.</p>`}
    </section>
    <section aria-labelledby="referral-top-title">
      <h2 id="referral-top-title">Top referrers</h2>
      ${figures.topReferrers.length
        ? html`<${TableWrap} label="Top referrers">
            <table class="data" id="referral-top">
              <caption class="sr-only">Members with the most completed referrals in the period</caption>
              <thead><tr><th scope="col">Member</th><th scope="col" class="num">Sign-ups</th>
                <th scope="col" class="num">First orders</th><th scope="col" class="num">Completed</th></tr></thead>
              <tbody>${figures.topReferrers.map((t) => html`
                <tr key=${t.member?.id}>
                  <th scope="row">${t.member
                    ? html`<a href=${href("member", { id: t.member.id })}>${t.member.referralCode}</a>` : "A member"}</th>
                  <td class="num">${points(t.signups)}</td><td class="num">${points(t.orders)}</td>
                  <td class="num">${points(t.completed)}</td>
                </tr>`)}
              </tbody>
            </table><//>`
        : html`<p>No member referred anyone in this period.</p>`}
    </section>`;
}

function Queue({ queue, onDecided }) {
  const [status, setStatus] = useState({ message: "", tone: "ok" });
  const [busy, setBusy] = useState(null);
  const rows = queue.data?.referrals.nodes || [];
  const decide = async (row, approve) => {
    setBusy(row.id);
    try {
      const input = { referralId: row.id, approve, reason: approve ? null : "rejected on review" };
      const result = (await request(REFERRAL_DECIDE, { input })).referralDecide;
      if (result.userErrors.length) {
        setStatus({ message: result.userErrors.map((e) => e.message).join(" "), tone: "error" });
      } else {
        const who = row.friend?.displayName || "the friend";
        setStatus({ message: `${approve ? "Approved" : "Rejected"} the referral of ${who}.`, tone: "ok" });
        onDecided();
      }
    } catch (error) {
      setStatus({ message: error.message || String(error), tone: "error" });
    } finally {
      setBusy(null);
    }
  };
  return html`
    <section aria-labelledby="referral-queue-title">
      <h2 id="referral-queue-title">Review queue</h2>
      <p class="hint">Approving lets the referral pay out and makes the friend's welcome code; rejecting keeps it
        refused with its reason.</p>
      <${Status} message=${status.message} tone=${status.tone} id="referral-queue-status" />
      <${ErrorNotice} error=${queue.error} retry=${queue.reload} />
      ${queue.loading && !queue.data ? html`<${Loading} what="the review queue" />` : null}
      ${queue.data && (rows.length
        ? html`<${TableWrap} label="Referrals waiting for review">
            <table class="data" id="referral-queue">
              <caption class="sr-only">Referrals waiting for your decision, oldest first</caption>
              <thead><tr><th scope="col">Friend</th><th scope="col">Referrer</th><th scope="col">Why it waits</th>
                <th scope="col">Since</th><th scope="col">Decision</th></tr></thead>
              <tbody>${rows.map((row) => html`
                <tr key=${row.id} data-referral=${row.id}>
                  <th scope="row">${row.friend?.displayName || "A shopper"}</th>
                  <td>${row.referrer
                    ? html`<a href=${href("member", { id: row.referrer.id })}>${row.referrer.referralCode}</a>` : "A member"}</td>
                  <td>${row.reason}</td>
                  <td>${when(row.createdAt)}</td>
                  <td class="actions">
                    <button type="button" class="button button-primary button-small" disabled=${busy === row.id}
                      aria-label=${`Approve the referral of ${row.friend?.displayName || "this shopper"}`}
                      onClick=${() => decide(row, true)}>Approve</button>
                    <button type="button" class="button button-small" disabled=${busy === row.id}
                      aria-label=${`Reject the referral of ${row.friend?.displayName || "this shopper"}`}
                      onClick=${() => decide(row, false)}>Reject</button>
                  </td>
                </tr>`)}
              </tbody>
            </table><//>`
        : html`<p id="referral-queue-empty">No referral is waiting for review.</p>`)}
    </section>`;
}
