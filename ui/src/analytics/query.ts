// The builder's state is the typed AnalyticsQuery the core runs (never a URL). No React here.
import type { AnalyticsQuery, Dimension, Layout, QueryItem } from "../bindings";
import { effectiveLayout, place, type Place } from "./layout";

export const EMPTY_QUERY: AnalyticsQuery = { data: [], periods: [], orgUnits: [], layout: null, totals: false };

export type ItemsKey = "data" | "periods" | "orgUnits";
export const ITEMS_OF: Record<Dimension, ItemsKey> = { dx: "data", pe: "periods", ou: "orgUnits" };

export type Action =
  | { type: "add"; dim: Dimension; item: QueryItem }
  | { type: "remove"; dim: Dimension; id: string }
  | { type: "toggle"; dim: Dimension; item: QueryItem }
  | { type: "clear"; dim: Dimension }
  | { type: "place"; dim: Dimension; to: Place }
  | { type: "resetLayout" }
  | { type: "totals"; on: boolean }
  | { type: "load"; query: AnalyticsQuery };

export const hasItem = (q: AnalyticsQuery, dim: Dimension, id: string) => q[ITEMS_OF[dim]].some((i) => i.id === id);

function setItems(q: AnalyticsQuery, dim: Dimension, items: QueryItem[]): AnalyticsQuery {
  return { ...q, [ITEMS_OF[dim]]: items };
}

export function reduce(q: AnalyticsQuery, a: Action): AnalyticsQuery {
  switch (a.type) {
    case "add":
      return hasItem(q, a.dim, a.item.id) ? q : setItems(q, a.dim, [...q[ITEMS_OF[a.dim]], a.item]);
    case "remove":
      return setItems(q, a.dim, q[ITEMS_OF[a.dim]].filter((i) => i.id !== a.id));
    case "toggle":
      return hasItem(q, a.dim, a.item.id) ? reduce(q, { type: "remove", dim: a.dim, id: a.item.id }) : reduce(q, { type: "add", dim: a.dim, item: a.item });
    case "clear":
      return setItems(q, a.dim, []);
    case "place":
      // From here on the user's layout is sent; until then `null` lets the core pick the default.
      return { ...q, layout: place(effectiveLayout(q), a.dim, a.to) };
    case "resetLayout":
      return { ...q, layout: null };
    case "totals":
      return { ...q, totals: a.on };
    case "load":
      return { ...EMPTY_QUERY, ...a.query };
  }
}

/** What is missing before a run, as message keys (empty when the query can run). */
export function missingParts(q: AnalyticsQuery): ("builder.needData" | "builder.needPeriod" | "builder.needOrgUnit")[] {
  const out: ("builder.needData" | "builder.needPeriod" | "builder.needOrgUnit")[] = [];
  if (!q.data.length) out.push("builder.needData");
  if (!q.periods.length) out.push("builder.needPeriod");
  if (!q.orgUnits.length) out.push("builder.needOrgUnit");
  return out;
}

export const sameLayout = (a: Layout, b: Layout) => JSON.stringify(a) === JSON.stringify(b);

/** A short summary for lists: "ANC 1st visit · Last 12 months · Each District". */
export function summary(q: AnalyticsQuery, label: (dim: Dimension, i: QueryItem) => string): string {
  const part = (dim: Dimension) => {
    const items = q[ITEMS_OF[dim]];
    if (!items.length) return "—";
    const first = items.slice(0, 2).map((i) => label(dim, i)).join(", ");
    return items.length > 2 ? `${first} +${items.length - 2}` : first;
  };
  return (["dx", "pe", "ou"] as const).map(part).join(" · ");
}
