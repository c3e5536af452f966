// Which cells of two analytics grids differ, keyed the way the core's compare_tables keys them:
// the row's label cells joined with " · ", and the value column's header. No React here.
import type { AnalyticsRunResult, CellDiff } from "../bindings";

export type Grid = AnalyticsRunResult["grid"];
type Header = Grid["headers"][number];

/** Value columns: one per column combination (`col:…`) and the optional `total`. */
export const isValueColumn = (h: Header) => h.name.startsWith("col:") || h.name === "total";

export function rowKey(grid: Grid, row: string[]): string {
  return grid.headers
    .map((h, i) => (isValueColumn(h) ? "" : (row[i] ?? "")))
    .filter((s) => s !== "")
    .join(" · ");
}

export const cellKey = (row: string, column: string) => `${row}\u0000${column}`;
export const diffKeys = (diffs: CellDiff[]) => new Set(diffs.map((d) => cellKey(d.row, d.column)));

/** For each row and column of `grid`: does that cell differ? */
export function highlighted(grid: Grid, diffs: Set<string>): boolean[][] {
  return grid.rows.map((row) => {
    const key = rowKey(grid, row);
    return grid.headers.map((h) => isValueColumn(h) && diffs.has(cellKey(key, h.column)));
  });
}
