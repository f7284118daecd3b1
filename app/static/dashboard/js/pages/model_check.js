// The model check and the last refresh's as-of warning, shown on the Overview. The check holds
// out the last weeks of orders, fits the purchase model on the history before them and compares
// its forecast with what customers did (the holdout plot of the BG/NBD paper, for this store).
import { ChartFigure } from "../charts.js";
import { html } from "../html.js";
import { day, decimal, points } from "../format.js";

/** The last refresh's warning, loud: an as-of far past the last order (or before the first). */
export function AsOfWarning({ refresh }) {
  if (!refresh?.warning) return null;
  return html`
    <div class="notice notice-warning" role="alert" data-testid="as-of-warning">
      <p><strong>Insights may be misleading.</strong> The last refresh (as of ${day(refresh.asOf)}) warned: ${refresh.warning}.</p>
    </div>`;
}

function why(check) {
  const weeks = check.holdoutWeeks;
  switch (check.status) {
    case "HISTORY_TOO_SHORT":
      return `the check holds out the last ${weeks} weeks and needs at least ${weeks} weeks of orders before them (orders up to ${day(check.calibrationEnd)})`;
    case "TOO_FEW_CUSTOMERS":
      return `${points(check.customers)} customers had bought by ${day(check.calibrationEnd)}; the model needs at least 200`;
    case "TOO_FEW_REPEAT_BUYERS":
      return `${points(check.repeatBuyers)} customers had ordered more than once by ${day(check.calibrationEnd)}; the model needs at least 50`;
    default:
      return `the model could not be fitted on the orders up to ${day(check.calibrationEnd)}`;
  }
}

const group = (g, last) => (g.repeatOrders === last ? `${g.repeatOrders}+` : String(g.repeatOrders));

/** Predicted vs actual repeat orders per group in the held-out weeks, or why there are no figures. */
export function ModelCheckChart({ check }) {
  const title = `Model check (${check.currencyCode})`;
  const id = `chart-model-check-${check.currencyCode}`;
  if (check.status !== "SUFFICIENT") {
    return html`
      <section class="chart" id=${id} data-testid="model-check" aria-labelledby=${`${id}-title`}>
        <h2 id=${`${id}-title`}>${title}</h2>
        <p data-testid="model-check-status">Too little history for a model check: ${why(check)}.</p>
      </section>`;
  }
  const last = check.groups.length - 1;
  const labels = check.groups.map((g) => group(g, last));
  const summary = `Fitted on orders up to ${day(check.calibrationEnd)}, the model expected ${decimal(check.predictedTotal, 0)} repeat orders `
    + `in the ${check.holdoutWeeks} weeks to ${day(check.asOf)}; customers placed ${points(check.actualTotal)}. Per customer, by repeat orders before: `
    + check.groups.map((g, i) => `${labels[i]}: expected ${decimal(g.predicted)}, actual ${decimal(g.actual)}`).join("; ") + ".";
  const rows = check.groups.map((g, i) => [labels[i], points(g.customers), decimal(g.predicted), decimal(g.actual)]);
  rows.push(["All", points(check.customers), `${decimal(check.predictedTotal, 1)} in total`, `${points(check.actualTotal)} in total`]);
  return html`
    <div data-testid="model-check">
      <${ChartFigure} id=${id} title=${title} type="bar" summary=${summary}
        note=${`The last ${check.holdoutWeeks} weeks held out: the model fitted on the orders before them expected `
          + `${decimal(check.predictedTotal, 0)} repeat orders, customers placed ${points(check.actualTotal)}. `
          + "Groups: repeat orders before those weeks."}
        labels=${labels}
        datasets=${[{ label: "Expected per customer", data: check.groups.map((g) => g.predicted) },
                    { label: "Actual per customer", data: check.groups.map((g) => g.actual) }]}
        options=${{ scales: { x: { title: { display: true, text: "Repeat orders before the held-out weeks" } },
                              y: { title: { display: true, text: "Orders per customer in the held-out weeks" } } } }}
        columns=${["Repeat orders before", "Customers", "Expected per customer", "Actual per customer"]}
        rows=${rows} />
    </div>`;
}
