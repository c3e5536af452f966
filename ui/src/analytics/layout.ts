// Where each dimension goes (rows, columns, filter). Mirrors the core's default layout, which
// applies when the query's layout is null. No React here.
import type { AnalyticsQuery, Dimension, Layout } from "../bindings";

export type Place = "rows" | "columns" | "filters";
export const DIMENSIONS: readonly Dimension[] = ["dx", "pe", "ou"];
export const PLACES: readonly Place[] = ["rows", "columns", "filters"];

/** Org units as rows, periods as columns; data as filter when one item, else as rows too. */
export function defaultLayout(dataCount: number): Layout {
  return dataCount === 1
    ? { rows: ["ou"], columns: ["pe"], filters: ["dx"] }
    : { rows: ["dx", "ou"], columns: ["pe"], filters: [] };
}

/** The layout the run will use. */
export const effectiveLayout = (q: Pick<AnalyticsQuery, "data" | "layout">): Layout => q.layout ?? defaultLayout(q.data.length);

export function placeOf(layout: Layout, d: Dimension): Place {
  return PLACES.find((p) => layout[p].includes(d)) ?? "filters";
}

/** Moves one dimension to the end of `to` (every dimension stays placed exactly once). */
export function place(layout: Layout, d: Dimension, to: Place): Layout {
  const out: Layout = { rows: layout.rows.filter((x) => x !== d), columns: layout.columns.filter((x) => x !== d), filters: layout.filters.filter((x) => x !== d) };
  out[to] = [...out[to], d];
  return out;
}

/** Why a layout cannot give a table (a message key), or null. */
export function layoutProblem(layout: Layout): "layout.allFilters" | null {
  return layout.rows.length + layout.columns.length === 0 ? "layout.allFilters" : null;
}
