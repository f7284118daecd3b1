// Chart.js ships its minified build as UMD only; loaded as a module it sets globalThis.Chart.
// This file re-exports that global so the dashboard can `import { Chart } from "chart.js"`.
import "./chart.umd.min.js";

export const Chart = globalThis.Chart;
export default Chart;
