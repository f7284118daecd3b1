// Sync health: each store's install state and health, failed webhook deliveries and failed
// jobs, each with a Replay button.
import { useState } from "preact/hooks";

import { Badge, ErrorNotice, Loading, PageTitle, Status, TableWrap } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { JOB_REPLAY, SYNC_HEALTH, WEBHOOK_REPLAY } from "../documents.js";
import { html } from "../html.js";
import { label, when } from "../format.js";

const HEALTH_TONES = { HEALTHY: "ok", DEGRADED: "warn", UNHEALTHY: "bad" };

export function SyncHealth() {
  const { data, error, loading, reload } = useQuery(SYNC_HEALTH);
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const [replayDelivery] = useMutation(WEBHOOK_REPLAY, "webhookDeliveryReplay");
  const [replayJob] = useMutation(JOB_REPLAY, "failedJobReplay");

  const replay = async (run, id, what) => {
    setMessage("");
    setFailure(null);
    try {
      const payload = await run({ id });
      if (payload.userErrors.length) {
        setFailure(new Error(payload.userErrors.map((e) => e.message).join(" ")));
        return;
      }
      setMessage(`${what} queued again.`);
      reload();
    } catch (err) {
      setFailure(err);
    }
  };

  return html`
    <${PageTitle}>Sync health<//>
    <${ErrorNotice} error=${error} retry=${reload} />
    <${ErrorNotice} error=${failure} />
    <${Status} message=${message} />
    ${loading && !data ? html`<${Loading} what="sync health" />` : null}
    ${data && html`
      <${Stores} stores=${data.stores.nodes} />
      <${Deliveries} deliveries=${data.webhookDeliveries.nodes}
        onReplay=${(d) => replay(replayDelivery, d.id, `The ${d.topic} delivery`)} />
      <${Jobs} jobs=${data.failedJobs.nodes} onReplay=${(j) => replay(replayJob, j.id, `The ${j.function} job`)} />`}`;
}

function Stores({ stores }) {
  return html`
    <section aria-labelledby="stores-title">
      <h2 id="stores-title">Stores</h2>
      <${TableWrap} label="Stores">
        <table class="data stores-table">
          <caption class="sr-only">Stores with install state and sync health</caption>
          <thead><tr>
            <th scope="col">Store</th><th scope="col">Platform</th><th scope="col">Install</th>
            <th scope="col">Health</th><th scope="col" class="num">Failures in a row</th>
            <th scope="col">Last sync</th><th scope="col">Last error</th>
          </tr></thead>
          <tbody>
            ${stores.map((s) => html`<tr key=${s.id} data-store-id=${s.id}>
              <th scope="row">${s.name}<span class="sub">${s.domain}</span></th>
              <td>${label(s.platform)}</td>
              <td>${label(s.installState)}</td>
              <td><${Badge} tone=${HEALTH_TONES[s.health] || "neutral"}>${label(s.health)}<//></td>
              <td class="num">${s.consecutiveFailures}</td>
              <td>${when(s.lastSyncedAt)}</td>
              <td class=${s.lastError ? "error-text" : ""}>${s.lastError || "—"}</td>
            </tr>`)}
          </tbody>
        </table>
      <//>
    </section>`;
}

function Deliveries({ deliveries, onReplay }) {
  return html`
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Failed webhook deliveries</h2>
      ${deliveries.length ? html`
        <${TableWrap} label="Failed webhook deliveries">
          <table class="data deliveries-table">
            <caption class="sr-only">Webhook deliveries whose processing failed, newest first</caption>
            <thead><tr>
              <th scope="col">Topic</th><th scope="col">Store</th><th scope="col">Received</th>
              <th scope="col" class="num">Attempts</th><th scope="col">Error</th><th scope="col">Action</th>
            </tr></thead>
            <tbody>
              ${deliveries.map((d) => html`<tr key=${d.id} data-delivery-id=${d.id}>
                <th scope="row">${d.topic}<span class="sub">${label(d.platform)}</span></th>
                <td>${d.store?.name || d.source}</td>
                <td>${when(d.receivedAt)}</td>
                <td class="num">${d.attempts}</td>
                <td class=${d.error ? "error-text" : ""}>${d.error || "—"}</td>
                <td><button type="button" class="button button-small" onClick=${() => onReplay(d)}>
                  Replay<span class="sr-only"> ${d.topic} from ${when(d.receivedAt)}</span></button></td>
              </tr>`)}
            </tbody>
          </table>
        <//>` : html`<p>No failed deliveries.</p>`}
    </section>`;
}

function Jobs({ jobs, onReplay }) {
  return html`
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Failed jobs</h2>
      ${jobs.length ? html`
        <${TableWrap} label="Failed jobs">
          <table class="data jobs-table">
            <caption class="sr-only">Background jobs that used up their tries</caption>
            <thead><tr>
              <th scope="col">Job</th><th scope="col">Arguments</th><th scope="col" class="num">Tries</th>
              <th scope="col">Finished</th><th scope="col">Error</th><th scope="col">Action</th>
            </tr></thead>
            <tbody>
              ${jobs.map((j) => html`<tr key=${j.id} data-job-id=${j.id}>
                <th scope="row">${j.function}</th>
                <td><code>${j.arguments}</code></td>
                <td class="num">${j.tries} of ${j.maxTries}</td>
                <td>${when(j.finishedAt)}</td>
                <td class=${j.lastError ? "error-text" : ""}>${j.lastError || "—"}</td>
                <td><button type="button" class="button button-small" onClick=${() => onReplay(j)}>
                  Replay<span class="sr-only"> ${j.function}</span></button></td>
              </tr>`)}
            </tbody>
          </table>
        <//>` : html`<p>No failed jobs.</p>`}
    </section>`;
}
