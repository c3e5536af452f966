// The Chart.js configuration of a chart of a small result. No React here; Chart.js is only named by
// type. Loaded on demand together with Chart.js (components/analytics/chartjs.ts), not in the main bundle.
import type { ChartConfiguration } from "chart.js";
import type { ChartData, ChartKind } from "./chart";

export const CHART_COLOURS = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#ad1457", "#558b2f", "#283593", "#f9a825", "#455a64"];

/** "Western Area Urban District" → "Western Area Urban Di…" for an axis label (the tooltip has the full name). */
export function shortLabel(label: string, max = 22): string {
  return label.length > max ? label.slice(0, max - 1) + "…" : label;
}

export type ChartLook = {
  /** Numbers as the app shows them (formatCount in the UI's language). */
  format: (n: number) => string;
  /** Text and grid-line colours of the current theme; Chart.js defaults when empty. */
  text?: string;
  grid?: string;
};

type Config = ChartConfiguration<ChartKind, (number | null)[], string>;

/**
 * The Chart.js configuration: bars with rows as categories (labels by name) and one dataset per value
 * column; lines with the value columns along the axis and one line per row; in the
 * app's colours, no animation (drawn at once, same picture every time), the width of its box, legend at
 * the bottom, axis and tooltip numbers formatted like the rest of the app.
 */
export function chartConfig(data: ChartData, kind: ChartKind, look: ChartLook): Config {
  const colour = (i: number) => CHART_COLOURS[i % CHART_COLOURS.length]!;
  const text = look.text || undefined;
  const grid = look.grid || undefined;
  // A line follows the value columns (periods, in the default layout): one line per row. Bars group
  // the value columns under each row.
  const lines = kind === "line";
  const labels = lines ? data.series.map((s) => s.name) : data.categories;
  const sets = lines
    ? data.categories.map((name, r) => ({ name, values: data.series.map((s) => s.values[r] ?? null) }))
    : data.series;
  return {
    type: kind,
    data: {
      labels,
      datasets: sets.map((s, i) => ({
        label: s.name,
        data: s.values,
        backgroundColor: colour(i),
        borderColor: colour(i),
        ...(lines ? { borderWidth: 2, pointRadius: 3, pointHoverRadius: 5, spanGaps: true, fill: false } : {}),
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: text,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: {
          offset: true,
          ticks: { color: text, maxRotation: 50, callback: (value) => shortLabel(labels[Number(value)] ?? String(value)) },
          grid: { color: grid },
        },
        y: {
          beginAtZero: true,
          ticks: { color: text, callback: (value) => look.format(Number(value)) },
          grid: { color: grid },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { color: text } },
        tooltip: {
          filter: (item) => item.parsed.y !== null,
          callbacks: { label: (item) => `${item.dataset.label ?? ""}: ${look.format(item.parsed.y ?? 0)}` },
        },
      },
    },
  };
}
