// A small result as chart data: one category per row, one series per value column (totals left
// out), or why there is none. No React here. The drawing is in chartConfig.ts (loaded with Chart.js).
import { isValueColumn, rowKey, type Grid } from "./compare";

/** `min` and `max` are the lowest and highest values shown. */
export type ChartData = { categories: string[]; series: { name: string; values: (number | null)[] }[]; max: number; min: number };
/** A result with numbers but too many rows or value columns to read as a chart on one screen. */
export type ChartTooBig = { tooBig: { rows: number; columns: number } };
export type ChartKind = "bar" | "line";

/** What fits on one screen: categories (rows), series (value columns) and bars in all. */
export const CHART_LIMITS = { categories: 30, series: 12, bars: 160 };

const number = (cell: string | undefined): number | null => {
  if (cell === undefined || cell === "") return null;
  const n = Number(cell);
  return Number.isFinite(n) ? n : null;
};

/** The chart data, or "too big" when the result has numbers but does not fit, or null when it has no numbers. */
export function chartFit(grid: Grid): ChartData | ChartTooBig | null {
  const cols = grid.headers.map((h, i) => ({ h, i })).filter(({ h }) => isValueColumn(h) && h.name !== "total");
  const rows = grid.rows.filter((r) => rowKey(grid, r) !== "Total");
  if (!cols.length || !rows.length) return null;
  if (rows.length > CHART_LIMITS.categories || cols.length > CHART_LIMITS.series || rows.length * cols.length > CHART_LIMITS.bars) {
    return rows.some((r) => cols.some(({ i }) => number(r[i]) !== null)) ? { tooBig: { rows: rows.length, columns: cols.length } } : null;
  }
  const series = cols.map(({ h, i }) => ({ name: h.column, values: rows.map((r) => number(r[i])) }));
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (!all.length) return null;
  return { categories: rows.map((r) => rowKey(grid, r) || "—"), series, max: Math.max(...all), min: Math.min(...all) };
}
