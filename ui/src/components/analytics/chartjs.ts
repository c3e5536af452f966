// Chart.js with only what the analytics chart uses (tree-shaken), and the configuration builder.
// Imported with import() when the user picks Bar chart or Line chart, so Vite puts it in a chunk of
// its own, outside the main bundle.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";

Chart.register(LineController, BarController, LineElement, BarElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

export { Chart };
export { chartConfig } from "../../analytics/chartConfig";
