// A chart with its text alternative. Chart.js draws on a canvas, which screen readers cannot
// read, so each figure also carries a one-sentence summary (the canvas's accessible name) and
// the same numbers as a table under "Show data".
import { Chart } from "chart.js";
import { useEffect, useRef } from "preact/hooks";

import { html } from "./html.js";

// Colours with at least 3:1 contrast against the white background (WCAG 1.4.11).
export const PALETTE = ["#1d4ed8", "#c2410c", "#047857", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d"];

const REDUCED_MOTION = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;

export function ChartFigure({ id, title, summary, type, labels, datasets, columns, rows, options = {}, note }) {
  const canvas = useRef(null);
  const figure = useRef(null);

  useEffect(() => {
    const chart = new Chart(canvas.current, {
      type,
      data: {
        labels,
        datasets: datasets.map((set, index) => ({
          borderWidth: type === "line" ? 2 : 0,
          backgroundColor: type === "doughnut" ? PALETTE.slice(0, set.data.length) : PALETTE[index % PALETTE.length],
          borderColor: type === "doughnut" ? "#ffffff" : PALETTE[index % PALETTE.length],
          ...set,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: REDUCED_MOTION ? false : { duration: 300 },
        plugins: { legend: { display: datasets.length > 1 || type === "doughnut", position: "bottom" } },
        ...options,
      },
    });
    figure.current.dataset.chartReady = "true";
    return () => chart.destroy();
  }, [JSON.stringify({ labels, datasets, type })]);

  const empty = !labels.length;
  return html`
    <figure class="chart" id=${id} ref=${figure} data-chart=${id}>
      <figcaption><h2>${title}</h2>${note && html`<p class="hint">${note}</p>`}</figcaption>
      <div class="chart-canvas">
        <canvas ref=${canvas} role="img" aria-label=${summary}>${summary}</canvas>
      </div>
      ${empty && html`<p class="hint">No data yet.</p>`}
      <details class="chart-data">
        <summary>Show data: ${title}</summary>
        <table>
          <caption class="sr-only">${title}</caption>
          <thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
          <tbody>
            ${rows.map((row) => html`<tr>${row.map((cell, i) => i === 0
              ? html`<th scope="row">${cell}</th>`
              : html`<td>${cell}</td>`)}</tr>`)}
          </tbody>
        </table>
      </details>
    </figure>`;
}
