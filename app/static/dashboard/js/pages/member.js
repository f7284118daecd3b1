// One member: balance and tier, points adjustment, ledger (newest first), issued codes, tier perks, the
// unified profile with where each fact came from, the orders on every store, and the churn/CLV
// predictions with what their scores mean.
import { useRef, useState } from "preact/hooks";

import { errorsByField } from "../api.js";
import { Badge, ErrorNotice, ErrorSummary, Field, Loading, PageTitle, Pager, Status, TableWrap } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { MEMBER, POINTS_ADJUST } from "../documents.js";
import { html } from "../html.js";
import { day, decimal, label, money, percent, points, signedPoints, when } from "../format.js";
import { href } from "../router.js";
import { MemberFeedback } from "./member_feedback.js";

const LEDGER_PAGE = 20;
const ORDERS_PAGE = 10;

export function Member({ id }) {
  const [page, setPage] = useState({ first: LEDGER_PAGE });
  const [ordersAfter, setOrdersAfter] = useState([]);
  const { data, error, loading, reload } = useQuery(MEMBER, { id, ...page, ordersFirst: ORDERS_PAGE,
    ordersAfter: ordersAfter.at(-1) || null });
  const member = data?.member;
  const firstPage = () => (page.after || page.before ? setPage({ first: LEDGER_PAGE }) : reload());
  return html`
    <p class="breadcrumb"><a href=${href("members")}>Members</a></p>
    <${PageTitle}>${member ? member.profile.displayName || member.profile.email || "Member" : "Member"}<//>
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="the member" />` : null}
    ${data && !member ? html`<p class="notice" role="alert">No member has this id, or it belongs to another merchant.</p>` : null}
    ${member && html`
      ${member.profile.email && html`<p class="sub-title">${member.profile.email}</p>`}
      <${Summary} member=${member} />
      <${MemberFeedback} id=${member.id} />
      <${AdjustPoints} member=${member} onDone=${firstPage} />
      <${Ledger} connection=${member.ledger} busy=${loading}
        onPrevious=${(cursor) => setPage({ last: LEDGER_PAGE, before: cursor })}
        onNext=${(cursor) => setPage({ first: LEDGER_PAGE, after: cursor })} />
      <${Codes} codes=${member.codes.nodes} />
      <${Perks} perks=${member.perks} />
      <${Orders} connection=${member.profile.orders} memberId=${member.id} busy=${loading} pages=${ordersAfter.length}
        onNext=${(cursor) => setOrdersAfter([...ordersAfter, cursor])}
        onFirst=${() => setOrdersAfter([])} />
      <${Facts} facts=${member.profile.facts} />
      <${Predictions} predictions=${member.profile.predictions} segment=${member.profile.segment} />`}`;
}

function Summary({ member }) {
  const progress = member.tierProgress;
  return html`
    <section aria-labelledby="balance-title">
      <h2 id="balance-title">Balance and tier</h2>
      <dl class="stats">
        <div><dt>Available points</dt><dd data-testid="balance-available">${points(member.balance.available)}</dd></div>
        <div><dt>Pending points</dt><dd>${points(member.balance.pending)}</dd></div>
        <div><dt>Lifetime points</dt><dd>${points(member.balance.lifetime)}</dd></div>
        <div><dt>Tier</dt><dd>${member.tier?.name ?? "No tier"}</dd></div>
        <div><dt>Member since</dt><dd>${day(member.joinedAt)}</dd></div>
        <div><dt>Referral code</dt><dd><code>${member.referralCode}</code></dd></div>
      </dl>
      ${member.nextTier && html`
        <div class="progress-block">
          <p id="tier-progress-label">${`Progress to ${member.nextTier.name}: ${decimal(progress.current)} of ${
            decimal(progress.nextThreshold)} (${label(progress.metric).toLowerCase()}), ${decimal(progress.remaining)} to go`}</p>
          <div class="progress" role="progressbar" aria-labelledby="tier-progress-label"
               aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(progress.fraction * 100)}>
            <span style=${`width: ${Math.round(progress.fraction * 100)}%`}></span>
          </div>
        </div>`}
    </section>`;
}

function AdjustPoints({ member, onDone }) {
  const [values, setValues] = useState({ points: "", reason: "", allowDebt: false });
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const requestKey = useRef(null);
  const [adjust, busy] = useMutation(POINTS_ADJUST, "pointsAdjust");
  const set = (name) => (event) => {
    requestKey.current = null;  // a changed adjustment is a new one
    const { type, checked, value } = event.currentTarget;
    setValues({ ...values, [name]: type === "checkbox" ? checked : value });
  };

  const submit = async (event) => {
    event.preventDefault();
    setMessage("");
    setFailure(null);
    const found = {};
    const amount = Number(values.points);
    if (!/^[-+]?\d+$/.test(values.points.trim()) || amount === 0) {
      found.points = ["Enter a whole number of points other than 0 (negative to deduct)."];
    }
    if (!values.reason.trim()) found.reason = ["Give a reason; it is kept in the ledger."];
    setErrors(found);
    if (Object.keys(found).length) return;
    // One key per intended adjustment, so a retried click cannot apply it twice.
    requestKey.current ||= crypto.randomUUID?.() || `${Date.now()}-${Math.random()}`;
    try {
      const payload = await adjust({ memberId: member.id, points: amount, reason: values.reason.trim(),
        allowDebt: values.allowDebt, requestKey: requestKey.current });
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors));
        return;
      }
      requestKey.current = null;
      setValues({ points: "", reason: "", allowDebt: false });
      setMessage(`${signedPoints(payload.entry?.points ?? amount)} points applied. New balance: ${points(payload.member?.balance.available)} points.`);
      onDone();
    } catch (error) {
      setFailure(error);
    }
  };

  return html`
    <section aria-labelledby="adjust-title" class="panel">
      <h2 id="adjust-title">Adjust points</h2>
      <form class="form-inline" onSubmit=${submit} novalidate>
        <${ErrorSummary} errors=${errors} prefix="adjust" title="The adjustment was not applied" />
        <${Field} prefix="adjust" path="points" label="Points" errors=${errors}
          hint="Positive to add, negative to deduct."
          input=${(a) => html`<input ...${a} type="text" inputmode="numeric" name="points" autocomplete="off"
                                  value=${values.points} onInput=${set("points")} required />`} />
        <${Field} prefix="adjust" path="reason" label="Reason" errors=${errors} className="grow"
          hint="Shown in the member's ledger."
          input=${(a) => html`<input ...${a} type="text" name="reason" autocomplete="off" maxlength="500"
                                  value=${values.reason} onInput=${set("reason")} required />`} />
        <div class="form-actions">
          <div class="check">
            <input type="checkbox" id="adjust-allowDebt" name="allowDebt" checked=${values.allowDebt} onChange=${set("allowDebt")} />
            <label for="adjust-allowDebt">Allow a balance below zero</label>
          </div>
          <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Applying…" : "Apply"}</button>
        </div>
      </form>
      <${ErrorNotice} error=${failure} />
      <${Status} message=${message} />
    </section>`;
}

function Ledger({ connection, busy, onPrevious, onNext }) {
  return html`
    <section aria-labelledby="ledger-title">
      <h2 id="ledger-title">Ledger</h2>
      ${connection.edges.length ? html`
        <${TableWrap} label="Ledger">
          <table class="data ledger-table" aria-busy=${busy ? "true" : "false"}>
            <caption class="sr-only">Ledger entries, newest first</caption>
            <thead><tr>
              <th scope="col">When</th><th scope="col">Entry</th><th scope="col">Kind</th>
              <th scope="col" class="num">Points</th><th scope="col" class="num">Pending</th>
              <th scope="col">Reason</th><th scope="col">By</th><th scope="col">Store</th>
            </tr></thead>
            <tbody>
              ${connection.edges.map(({ node }) => html`
                <tr key=${node.id} data-entry-id=${node.id} data-kind=${node.kind}>
                  <td>${when(node.occurredAt)}</td>
                  <th scope="row">${node.description}</th>
                  <td>${label(node.kind)}</td>
                  <td class="num">${signedPoints(node.points)}</td>
                  <td class="num">${node.pending ? signedPoints(node.pending) : "—"}</td>
                  <td data-column="reason">${node.reason || "—"}</td>
                  <td>${node.actor || "—"}</td>
                  <td>${node.store?.name || "—"}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
        <${Pager} label="Ledger pages" pageInfo=${connection.pageInfo} onPrevious=${onPrevious} onNext=${onNext} />`
      : html`<p>No ledger entries yet.</p>`}
    </section>`;
}

const CODE_TONES = { ISSUED: "ok", USED: "neutral", ISSUING: "warn", FAILED: "bad", EXPIRED: "neutral" };

function Codes({ codes }) {
  return html`
    <section aria-labelledby="codes-title">
      <h2 id="codes-title">Issued codes</h2>
      ${codes.length ? html`
        <${TableWrap} label="Issued codes">
          <table class="data codes-table">
            <caption class="sr-only">Discount codes issued to the member</caption>
            <thead><tr>
              <th scope="col">Code</th><th scope="col">Reward</th><th scope="col">Status</th>
              <th scope="col" class="num">Points</th><th scope="col" class="num">Value</th>
              <th scope="col">Issued</th><th scope="col">Expires</th>
            </tr></thead>
            <tbody>
              ${codes.map((code) => html`
                <tr key=${code.id} data-code=${code.code}>
                  <th scope="row"><code>${code.code}</code></th>
                  <td>${code.reward.name}</td>
                  <td><${Badge} tone=${CODE_TONES[code.status] || "neutral"}>${label(code.status)}<//></td>
                  <td class="num">${points(code.points)}</td>
                  <td class="num">${code.reward.kind === "PERCENTAGE" ? `${decimal(code.value.amount)} %` : money(code.value)}</td>
                  <td>${when(code.createdAt)}</td>
                  <td>${day(code.expiresAt)}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>`
      : html`<p>No codes issued yet.</p>`}
    </section>`;
}

const PERK_TONES = { ACTIVE: "ok", ISSUING: "warn", REVOKING: "warn", FAILED: "bad", REVOKED: "neutral" };

function Perks({ perks }) {
  return html`
    <section aria-labelledby="perks-title">
      <h2 id="perks-title">Tier perks</h2>
      ${perks.length ? html`
        <${TableWrap} label="Tier perks">
          <table class="data perks-table">
            <caption class="sr-only">Free-shipping codes the member's tier keeps on each store</caption>
            <thead><tr>
              <th scope="col">Store</th><th scope="col">Perk</th><th scope="col">Code</th>
              <th scope="col">Tier</th><th scope="col">Status</th>
            </tr></thead>
            <tbody>
              ${perks.map((perk, i) => html`
                <tr key=${i} data-perk-status=${perk.status}>
                  <th scope="row">${perk.storeName}</th>
                  <td>${label(perk.kind)}</td>
                  <td>${perk.code ? html`<code>${perk.code}</code>` : "Not on the store yet"}</td>
                  <td>${perk.tier}</td>
                  <td><${Badge} tone=${PERK_TONES[perk.status] || "neutral"}>${label(perk.status)}<//></td>
                </tr>`)}
            </tbody>
          </table>
        <//>`
      : html`<p>No tier perks: the member's tier has none, or they have no account to bind one to.</p>`}
    </section>`;
}

function factValue(kind, value) {
  if (kind === "MARKETING_CONSENT") return value.value === "true" ? "Accepts marketing" : "Does not accept marketing";
  return value.value;
}

function source(value) {
  return `${value.store?.name || label(value.platform)}, ${day(value.observedAt)}`;
}

function Facts({ facts }) {
  return html`
    <section aria-labelledby="facts-title">
      <h2 id="facts-title">Profile and provenance</h2>
      ${facts.length ? html`
        <${TableWrap} label="Profile facts">
          <table class="data facts-table">
            <caption class="sr-only">Facts about the person, with the store each value came from</caption>
            <thead><tr>
              <th scope="col">Fact</th><th scope="col">Current value</th><th scope="col">From</th>
              <th scope="col">Other values on file</th>
            </tr></thead>
            <tbody>
              ${facts.map((fact) => html`
                <tr key=${fact.kind}>
                  <th scope="row">${label(fact.kind)}</th>
                  <td>${factValue(fact.kind, fact.current)}</td>
                  <td>${source(fact.current)}</td>
                  <td>${fact.others.length
                    ? html`<ul class="plain">${fact.others.map((o) => html`<li>${factValue(fact.kind, o)} <span class="sub">(${source(o)})</span></li>`)}</ul>`
                    : "—"}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>`
      : html`<p>No facts on file (the person may have been erased).</p>`}
    </section>`;
}

const PAYMENT = { PAID: "Paid", PENDING: "Payment pending", REFUNDED: "Refunded", PARTIALLY_REFUNDED: "Partly refunded",
  AUTHORIZED: "Authorised", VOIDED: "Voided", PARTIALLY_PAID: "Partly paid" };

/** An order's state in words: cancelled first, then payment and fulfilment as the store reports them. */
function orderStatus(order) {
  if (order.cancelledAt) return `Cancelled ${day(order.cancelledAt)}`;
  const paid = PAYMENT[String(order.financialStatus).toUpperCase()] || label(order.financialStatus);
  const shipped = order.fulfillmentStatus ? label(order.fulfillmentStatus).toLowerCase() : "not fulfilled";
  return `${paid}, ${shipped}`;
}

/** Whose balance an order's points went to: insights may join accounts nobody proved are one
 * person's, and those keep balances of their own (identity is not ownership). */
function pointsGoTo(order, memberId) {
  const holder = order.customer?.loyalty?.id;
  if (!holder) return "No points";
  return holder === memberId ? "This member" : "Another account's balance";
}

function Orders({ connection, memberId, busy, pages, onNext, onFirst }) {
  const edges = connection.edges;
  const elsewhere = edges.some(({ node }) => node.customer?.loyalty?.id && node.customer.loyalty.id !== memberId);
  return html`
    <section aria-labelledby="orders-title">
      <h2 id="orders-title">Orders</h2>
      ${edges.length ? html`
        <${TableWrap} label="Orders">
          <table class="data orders-table" aria-busy=${busy ? "true" : "false"}>
            <caption class="sr-only">The person's orders on every store, newest first, and whose balance their points went to</caption>
            <thead><tr>
              <th scope="col">Order</th><th scope="col">Date</th><th scope="col">Store</th>
              <th scope="col" class="num">Total</th><th scope="col" class="num">Refunded</th><th scope="col">Status</th>
              <th scope="col">Points to</th>
            </tr></thead>
            <tbody>
              ${edges.map(({ node }) => html`
                <tr key=${node.id} data-order-id=${node.id}>
                  <th scope="row">${node.name}</th>
                  <td>${day(node.createdAt)}</td>
                  <td>${node.store.name} <span class="sub">${label(node.store.platform)}</span></td>
                  <td class="num">${money(node.total)}</td>
                  <td class="num">${Number(node.totalRefunded.amount) ? money(node.totalRefunded) : "—"}</td>
                  <td>${orderStatus(node)}</td>
                  <td>${pointsGoTo(node, memberId)}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
        ${elsewhere && html`<p class="hint">Some orders are on accounts insights take for the same person but
          nobody proved are theirs (no verified email, no link made by the shopper, no confirmation by you):
          their points stay on those accounts' own balances, so they are not in this member's ledger or
          "member since".</p>`}
        ${(connection.pageInfo.hasNextPage || pages > 0) && html`
          <nav class="pager" aria-label="Orders pages">
            <button type="button" class="button" disabled=${pages === 0} onClick=${onFirst}>Newest orders</button>
            <button type="button" class="button" disabled=${!connection.pageInfo.hasNextPage}
                    onClick=${() => onNext(connection.pageInfo.endCursor)}>Older orders</button>
          </nav>`}`
      : html`<p>No orders on any store.</p>`}
    </section>`;
}

const SCORE_WORDS = ["", "bottom fifth", "second fifth from the bottom", "middle fifth", "second fifth from the top", "top fifth"];
const TIER_WORDS = { VIP: "VIP (recent and among the biggest spenders)", REGULAR: "regular (recent, not among the biggest spenders)",
  AT_RISK: "at risk (silent longer than the at-risk threshold)", LOST: "lost (silent longer than the lost threshold)" };

const span = (low, high, show) => (show(low) === show(high) ? show(low) : `${show(low)}–${show(high)}`);

/** What each of the person's scores stands for in this store: "R1 = last order 366–545 days ago". */
function scoreRangeText(ranges) {
  const parts = [];
  const { recency: r, frequency: f, monetary: m } = ranges || {};
  if (r) parts.push(`R${r.score} = last order ${span(r.fewestDays, r.mostDays, points)} days ago`);
  if (f) parts.push(`F${f.score} = ${span(f.fewestOrders, f.mostOrders, points)} order${f.mostOrders === 1 ? "" : "s"}`);
  if (m) parts.push(`M${m.score} = ${span(m.lowest, m.highest, money)} spent`);
  return parts.join(" · ");
}

/** "RFM 311" in words: each score is the person's fifth among the store's customers, 5 the best. */
function SegmentExplained({ segment }) {
  const days = segment.recencyDays;
  return html`
    <div class="segment-explained" data-testid="segment-explained">
      <p>Segment: <strong>${label(segment.name)}</strong>; value tier: <strong>${TIER_WORDS[segment.tier] || label(segment.tier)}</strong>.</p>
      ${segment.why && html`<p data-testid="segment-why">Why: ${segment.why}.</p>`}
      <p>RFM ${segment.rfm} <span class="hint" data-testid="score-ranges">(${scoreRangeText(segment.scoreRanges)}, among
        the people scored in ${segment.monetary.currencyCode})</span></p>
      <p class="hint">RFM ${segment.rfm} means three scores from 1 to 5 against this store's other customers (5 is the
        best fifth):</p>
      <ul class="plain">
        <li>Recency ${segment.rScore}: last purchase ${points(days)} day${days === 1 ? "" : "s"} before the figures' date
          (${SCORE_WORDS[segment.rScore]}; capped when silent past the at-risk or lost threshold).</li>
        <li>Frequency ${segment.fScore}: ${`${points(segment.frequency)} purchase day${segment.frequency === 1 ? "" : "s"} (${
          SCORE_WORDS[segment.fScore]}).`}</li>
        <li>Monetary ${segment.mScore}: ${money(segment.monetary)} spent net of refunds (${SCORE_WORDS[segment.mScore]}).</li>
      </ul>
    </div>`;
}

const MODELS = {
  "mbgnbd+gamma_gamma": "Repeat-buying model that lets customers stop at any time (MBG/NBD), with an order-value model (Gamma-Gamma)",
  "bgnbd+gamma_gamma": "Repeat-buying model (BG/NBD), with an order-value model (Gamma-Gamma)",
  heuristic: "Rule of thumb from the person's own gaps between orders (too little data for the models)",
};

/** A date only when an order within the horizon is at least as likely as not; otherwise the odds. */
function nextOrder(p) {
  if (p.nextOrderAt) return day(p.nextOrderAt);
  const chance = p.orderProbability == null ? "" : ` (${percent(p.orderProbability)} chance)`;
  return `No order expected within ${p.horizonDays} days${chance}`;
}

function Predictions({ predictions, segment }) {
  return html`
    <section aria-labelledby="predictions-title">
      <h2 id="predictions-title">Predictions</h2>
      ${segment && html`<${SegmentExplained} segment=${segment} />`}
      <p class="hint">Still a customer: the chance the person has not quietly stopped buying. Expected orders and CLV
        (customer lifetime value: what they are likely to spend) look ahead over the horizon shown.</p>
      ${predictions.length ? html`
        <${TableWrap} label="Predictions">
          <table class="data predictions-table">
            <caption class="sr-only">Churn risk and lifetime value per currency</caption>
            <thead><tr>
              <th scope="col">Currency</th><th scope="col">Churn risk</th><th scope="col" class="num">Still a customer</th>
              <th scope="col" class="num">CLV</th><th scope="col">CLV range</th><th scope="col" class="num">Expected orders</th>
              <th scope="col">Next order around</th><th scope="col">Model</th>
            </tr></thead>
            <tbody>
              ${predictions.map((p) => html`
                <tr key=${p.currencyCode}>
                  <th scope="row">${p.currencyCode}</th>
                  <td>${label(p.churnBand)}</td>
                  <td class="num">${percent(p.probabilityAlive.value)}</td>
                  <td class="num">${money(p.clv.value)}</td>
                  <td>${money(p.clv.low)}–${money(p.clv.high)}</td>
                  <td class="num">${decimal(p.expectedOrders.value, 1)} over ${p.horizonDays} days</td>
                  <td>${nextOrder(p)}</td>
                  <td>${MODELS[p.model] || p.model}${p.dataStatus !== "SUFFICIENT" ? html` <span class="sub">(${label(p.dataStatus).toLowerCase()})</span>` : null}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
        <ul class="plain" data-testid="prediction-why">
          ${predictions.map((p) => html`<li key=${p.currencyCode}>Why (${p.currencyCode}): ${p.why}.</li>`)}
        </ul>`
      : html`<p>No predictions yet: they come with the next insights refresh after an order.</p>`}
    </section>`;
}
