// A small result as chart data: one category per row, one series per value column (totals left
// out). Null when the result is too big to read as a chart. No React here.
import { isValueColumn, rowKey, type Grid } from "./compare";

export type ChartData = { categories: string[]; series: { name: string; values: (number | null)[] }[]; max: number; min: number };

export const CHART_LIMITS = { categories: 30, series: 12, bars: 160 };

export function chartData(grid: Grid): ChartData | null {
  const cols = grid.headers.map((h, i) => ({ h, i })).filter(({ h }) => isValueColumn(h) && h.name !== "total");
  const rows = grid.rows.filter((r) => rowKey(grid, r) !== "Total");
  if (!cols.length || !rows.length) return null;
  if (rows.length > CHART_LIMITS.categories || cols.length > CHART_LIMITS.series || rows.length * cols.length > CHART_LIMITS.bars) return null;
  const series = cols.map(({ h, i }) => ({
    name: h.column,
    values: rows.map((r) => {
      const n = Number(r[i]);
      return r[i] === undefined || r[i] === "" || !Number.isFinite(n) ? null : n;
    }),
  }));
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (!all.length) return null;
  return { categories: rows.map((r) => rowKey(grid, r) || "—"), series, max: Math.max(0, ...all), min: Math.min(0, ...all) };
}

/** 0, 250, 500, 750, 1000 for max 960: round steps for the axis. */
export function ticks(min: number, max: number, count = 5): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
