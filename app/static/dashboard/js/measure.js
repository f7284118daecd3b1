// Pieces the measurement pages share: the period and store pickers (kept in the URL), month names,
// and the API's definition of each figure written next to it.
import { html } from "./html.js";
import { label } from "./format.js";

export const PERIODS = [
  ["12", "Last 12 months"],
  ["24", "Last 24 months"],
  ["all", "All time"],
];

export const STORES = /* GraphQL */ `
  query DashboardMeasureStores { stores(first: 50) { nodes { id name platform } } }`;

/** The period's first day: the first of the month `months - 1` months ago (UTC), or null for all time. */
export function periodSince(period) {
  if (!/^\d+$/.test(period || "")) return null;
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - Number(period) + 1, 1)).toISOString().slice(0, 10);
}

export function knownPeriod(period, fallback = "12") {
  return PERIODS.some(([p]) => p === period) ? period : fallback;
}

/** "2026-03" -> "Mar 2026". */
export function monthName(month) {
  if (!month) return "—";
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(document.documentElement.lang || "en", { month: "short", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

/** The definition the API gives for a figure, by its key (camelCase or snake_case). */
export function definitionOf(definitions, key) {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return (definitions || []).find((d) => d.key === key || d.key === snake) || null;
}

/** Every definition of a report, as a list beside its table. */
export function Definitions({ definitions, id, title = "How each figure is computed" }) {
  if (!definitions?.length) return null;
  return html`
    <section class="definitions panel" aria-labelledby=${`${id}-title`} id=${id}>
      <h2 id=${`${id}-title`}>${title}</h2>
      <dl>${definitions.map((d) => html`<dt data-key=${d.key}>${d.label}</dt><dd>${d.definition}</dd>`)}</dl>
    </section>`;
}

export function PeriodSelect({ id, period, onChange }) {
  return html`
    <div class="field">
      <label for=${id}>Period</label>
      <select id=${id} value=${period} onChange=${(e) => onChange(e.currentTarget.value)}>
        ${PERIODS.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
      </select>
    </div>`;
}

/** All stores (each person once, across their accounts) or one store's accounts. */
export function StoreSelect({ id, stores, storeId, onChange }) {
  const known = stores.some((s) => s.id === storeId);
  return html`
    <div class="field">
      <label for=${id}>Store</label>
      <select id=${id} value=${storeId} onChange=${(e) => onChange(e.currentTarget.value)}>
        <option value="">All stores, by person</option>
        ${stores.map((s) => html`<option value=${s.id}>${s.name} (${label(s.platform)})</option>`)}
        ${storeId && !known ? html`<option value=${storeId}>The chosen store</option>` : null}
      </select>
    </div>`;
}
