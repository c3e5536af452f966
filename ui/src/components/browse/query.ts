// The request editor's form and how it turns into a browse request's query (no React here).
import type { ResourcePath } from "../../bindings";
import type { MessageKey } from "../../i18n";

export const QUICK_LINKS: { key: MessageKey; path: string }[] = [
  { key: "quick.me", path: "/api/me" },
  { key: "quick.system", path: "/api/system/info" },
  { key: "quick.dataElements", path: "/api/dataElements" },
  { key: "quick.indicators", path: "/api/indicators" },
  { key: "quick.orgUnits", path: "/api/organisationUnits" },
  { key: "quick.dataSets", path: "/api/dataSets" },
  { key: "quick.programs", path: "/api/programs" },
];

export type QueryForm = {
  fields: string;
  filters: string[];
  order: string;
  page: string;
  pageSize: string;
  paging: boolean;
};
export const EMPTY_QUERY: QueryForm = { fields: "", filters: [""], order: "", page: "", pageSize: "", paging: true };

export function buildQuery(q: QueryForm): [string, string][] {
  const out: [string, string][] = [];
  if (q.fields.trim()) out.push(["fields", q.fields.trim()]);
  for (const f of q.filters) if (f.trim()) out.push(["filter", f.trim()]);
  if (q.order.trim()) out.push(["order", q.order.trim()]);
  if (q.page.trim()) out.push(["page", q.page.trim()]);
  if (q.pageSize.trim()) out.push(["pageSize", q.pageSize.trim()]);
  if (!q.paging) out.push(["paging", "false"]);
  return out;
}

export function queryFromPairs(pairs: [string, string][]): QueryForm {
  const q: QueryForm = { ...EMPTY_QUERY, filters: [] };
  for (const [k, v] of pairs) {
    if (k === "fields") q.fields = v;
    else if (k === "filter") q.filters.push(v);
    else if (k === "order") q.order = v;
    else if (k === "page") q.page = v;
    else if (k === "pageSize") q.pageSize = v;
    else if (k === "paging") q.paging = v !== "false";
  }
  if (q.filters.length === 0) q.filters = [""];
  return q;
}

export function normalisePath(p: string): string {
  const s = p.trim();
  return s.startsWith("/") ? s : `/${s}`;
}

/** `/api/dataElements/abc?fields=id` → the path and the query form (for paths the app hands over). */
export function splitPathQuery(full: string): { path: string; query: QueryForm } {
  const i = full.indexOf("?");
  if (i < 0) return { path: normalisePath(full), query: EMPTY_QUERY };
  const pairs = [...new URLSearchParams(full.slice(i + 1)).entries()] as [string, string][];
  return { path: normalisePath(full.slice(0, i)), query: queryFromPairs(pairs) };
}

/** The query of a request for every page: the same, without `page`. */
export const withoutPage = (q: [string, string][]): [string, string][] => q.filter(([k]) => k !== "page");

/** The request's `fields=` value, if any. */
export const fieldsOf = (q: [string, string][]): string | null => q.find(([k]) => k === "fields")?.[1] ?? null;

/** Autocomplete entries from browse_resources: sorted by path, without duplicates. */
export function resourceSuggestions(list: ResourcePath[]): ResourcePath[] {
  const seen = new Set<string>();
  return [...list]
    .sort((a, b) => a.path.localeCompare(b.path))
    .filter((r) => !seen.has(r.path) && Boolean(seen.add(r.path)));
}

export function describeQuery(q: [string, string][]): string {
  return q.map(([k, v]) => `${k}=${v}`).join("&");
}
