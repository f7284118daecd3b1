// "Download CSV": the exports at /admin/exports/{name}.csv need the same credential as the API, which a
// plain link cannot send, so the file is fetched with the Authorization header and handed to the
// browser as a Blob download, under the file name the server gives.
import { useState } from "preact/hooks";

import { ApiError, signInNeeded } from "./api.js";
import { bearer } from "./auth.js";
import { html } from "./html.js";

/** Fetches one export with its parameters (empty ones left out) and starts the download. */
export async function downloadCsv(name, params = {}) {
  const token = await bearer();
  if (!token) throw signInNeeded("Sign in with a merchant API key to open the dashboard.");
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")).toString();
  let response;
  try {
    response = await fetch(`/admin/exports/${encodeURIComponent(name)}.csv${query ? `?${query}` : ""}`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/csv" },
    });
  } catch {
    throw new ApiError("The Rapport server could not be reached. Check the connection and try again.");
  }
  if (response.status === 401 || response.status === 403) {
    const body = await response.json().catch(() => null);
    throw signInNeeded(body?.error || "The API key was not accepted.");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new ApiError(body?.error ? `The CSV was not made: ${body.error}.` : `The server answered ${response.status}; try again in a moment.`);
  }
  const blob = await response.blob();
  const disposition = response.headers.get("content-disposition") || "";
  const filename = disposition.match(/filename="?([^";]+)"?/)?.[1] || `${name}.csv`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return filename;
}

/**
 * The button and its outcome (a polite status, or the error next to it). `what` names the table
 * for screen readers ("Download CSV: cohort matrix").
 */
export function DownloadCsv({ name, params, what, note }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const run = async () => {
    setBusy(true);
    setMessage("");
    setError("");
    try {
      const filename = await downloadCsv(name, params);
      setMessage(`Downloaded ${filename}${note ? ` (${note})` : ""}.`);
    } catch (failure) {
      setError(failure.message || String(failure));
    } finally {
      setBusy(false);
    }
  };
  return html`
    <div class="download" data-export=${name}>
      <button type="button" class="button button-small" onClick=${run} disabled=${busy}
        aria-label=${`Download CSV: ${what}`}>${busy ? "Preparing CSV…" : "Download CSV"}</button>
      ${note && !message && !error ? html`<span class="hint">${note}</span>` : null}
      <span class="download-status" role="status" aria-live="polite">${message}</span>
      ${error && html`<span class="field-error" role="alert">${error}</span>`}
    </div>`;
}
