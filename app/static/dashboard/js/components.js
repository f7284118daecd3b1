// Small shared pieces: page frame, notices, tables, form fields and the pager.
import { useEffect, useRef } from "preact/hooks";

import { html } from "./html.js";

/** A page's heading: routes move focus here so keyboard and screen-reader users land on it. */
export function PageTitle({ children }) {
  return html`<h1 id="page-title" tabindex="-1">${children}</h1>`;
}

export function Loading({ what = "data" }) {
  return html`<p class="loading" role="status">Loading ${what}…</p>`;
}

export function ErrorNotice({ error, retry }) {
  if (!error) return null;
  return html`
    <div class="notice notice-error" role="alert">
      <p>${error.message || String(error)}</p>
      ${retry && html`<button type="button" class="button" onClick=${retry}>Try again</button>`}
    </div>`;
}

/** A polite live region for outcomes such as "Published version 4". */
export function Status({ message, tone = "ok", id }) {
  return html`<div class=${`status status-${tone}`} role="status" aria-live="polite" id=${id}>
    ${message ? html`<p>${message}</p>` : null}
  </div>`;
}

/** Wide tables scroll sideways on small screens; the region is focusable so keyboards can scroll it. */
export function TableWrap({ label, children }) {
  return html`<div class="table-wrap" role="region" aria-label=${label} tabindex="0">${children}</div>`;
}

/** The ids a field's input, error and hint use, from its path (e.g. "tiers.1.threshold"). */
export function fieldIds(prefix, path) {
  const id = `${prefix}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
  return { id, errorId: `${id}-error`, hintId: `${id}-hint` };
}

/**
 * A labelled input with its hint and its error messages next to it. `input` renders the
 * control given the accessibility attributes to spread on it.
 */
export function Field({ prefix, path, label, hint, errors, input, className = "" }) {
  const { id, errorId, hintId } = fieldIds(prefix, path);
  const messages = errors?.[path] || [];
  const described = [hint ? hintId : null, messages.length ? errorId : null].filter(Boolean).join(" ");
  const attrs = { id, "aria-invalid": messages.length ? "true" : undefined, "aria-describedby": described || undefined };
  return html`
    <div class=${`field ${messages.length ? "field-invalid" : ""} ${className}`} data-field=${path}>
      <label for=${id}>${label}</label>
      ${input(attrs)}
      ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
      ${messages.length ? html`<p class="field-error" id=${errorId}>${messages.join(" ")}</p>` : null}
    </div>`;
}

/** Messages about a whole group (a list, a row) shown under it. */
export function GroupErrors({ errors, path, id }) {
  const messages = errors?.[path] || [];
  if (!messages.length) return null;
  return html`<p class="field-error" id=${id} data-field=${path}>${messages.join(" ")}</p>`;
}

/**
 * Every error of a failed submit, listed at the top of the form with links that move focus to
 * the field; focused when it appears so screen readers read it.
 */
export function ErrorSummary({ errors, prefix, title = "The form has problems" }) {
  const ref = useRef(null);
  const items = Object.entries(errors || {}).flatMap(([path, messages]) => messages.map((m) => [path, m]));
  useEffect(() => {
    if (items.length) ref.current?.focus();
  }, [errors]);
  if (!items.length) return null;
  const jump = (event, path) => {
    event.preventDefault();
    const target = document.getElementById(fieldIds(prefix, path).id)
      || document.querySelector(`[data-field="${path}"]`);
    target?.focus?.();
    target?.scrollIntoView?.({ block: "center" });
  };
  return html`
    <div class="notice notice-error error-summary" role="alert" tabindex="-1" ref=${ref}>
      <h2>${title}</h2>
      <ul>
        ${items.map(([path, message]) => html`
          <li>${path
            ? html`<a href=${`#${fieldIds(prefix, path).id}`} onClick=${(e) => jump(e, path)}>${message}</a>`
            : message}</li>`)}
      </ul>
    </div>`;
}

/** Relay pagination: previous/next from a connection's pageInfo. */
export function Pager({ pageInfo, onPrevious, onNext, label }) {
  if (!pageInfo || (!pageInfo.hasPreviousPage && !pageInfo.hasNextPage)) return null;
  return html`
    <nav class="pager" aria-label=${label}>
      <button type="button" class="button" disabled=${!pageInfo.hasPreviousPage}
              onClick=${() => onPrevious(pageInfo.startCursor)}>Previous page</button>
      <button type="button" class="button" disabled=${!pageInfo.hasNextPage}
              onClick=${() => onNext(pageInfo.endCursor)}>Next page</button>
    </nav>`;
}

export function Badge({ tone = "neutral", children }) {
  return html`<span class=${`badge badge-${tone}`}>${children}</span>`;
}
