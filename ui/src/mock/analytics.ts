// Dev-only fake analytics, saved questions and org-unit endpoints for the mock backend (never in a
// production build). Values are deterministic, seeded from the ids, like the stand-in's.
import type { AnalyticsCompare, AnalyticsQuery, AnalyticsRunResult, CellDiff, Dimension, Layout, MissingItem, PreparedQuery, QueryItem, SavedQuestion } from "../bindings";
import { effectiveLayout } from "../analytics/layout";
import { isValueColumn, rowKey } from "../analytics/compare";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function err(kind: string, message: string): never {
  throw { kind, message };
}

type Ou = { id: string; name: string; parent: string | null; level: number };
const DISTRICTS = ["Bo", "Bombali", "Bonthe", "Kailahun", "Kenema", "Koinadugu", "Kono", "Moyamba", "Port Loko", "Pujehun", "Tonkolili", "Western Area"];
export const ORG_UNITS: Ou[] = [
  { id: "ImspTQPwCqd", name: "Sierra Leone", parent: null, level: 1 },
  ...DISTRICTS.map((name, i) => ({ id: `dst${String(i).padStart(8, "0")}`, name, parent: "ImspTQPwCqd", level: 2 })),
  ...DISTRICTS.flatMap((d, i) => ["North", "South", "Central"].map((c, j) => ({ id: `chf${String(i * 3 + j).padStart(8, "0")}`, name: `${d} ${c}`, parent: `dst${String(i).padStart(8, "0")}`, level: 3 }))),
];
const LEVELS = [
  { id: "H1KlN4QIauv", level: 1, displayName: "National" },
  { id: "wjP19dkFeIk", level: 2, displayName: "District" },
  { id: "tTUf91fCytl", level: 3, displayName: "Chiefdom" },
];
const GROUPS = [
  { id: "CXw2yu5fodb", displayName: "CHC" },
  { id: "tDZVQ1WtwpA", displayName: "Hospital" },
  { id: "oRVt7g429ZO", displayName: "Urban" },
];
const PROGRAM_INDICATORS = [
  { id: "GSae40Fyppf", displayName: "Age at visit", code: "PI_AGE" },
  { id: "vxfQCb2hUrz", displayName: "ANC visits (tracker)", code: "PI_ANC" },
  { id: "p2Zxg0wcPQ3", displayName: "Malaria cases treated (tracker)", code: null },
];

/** Org-unit tree, levels, groups and program indicators for browse_get; null when not one of these. */
export function orgUnitBody(path: string, q: Map<string, string>): unknown | null {
  const children = /^\/api\/organisationUnits\/(\w+)\/children$/.exec(path);
  if (children) {
    const kids = ORG_UNITS.filter((o) => o.parent === children[1]).map((o) => ({ id: o.id, displayName: o.name, leaf: !ORG_UNITS.some((c) => c.parent === o.id) }));
    const self = ORG_UNITS.find((o) => o.id === children[1]);
    return { organisationUnits: [...(self ? [{ id: self.id, displayName: self.name, leaf: kids.length === 0 }] : []), ...kids] };
  }
  if (path === "/api/organisationUnitLevels") return { organisationUnitLevels: LEVELS };
  if (path === "/api/organisationUnitGroups") return { organisationUnitGroups: GROUPS };
  if (path === "/api/programIndicators") {
    const token = (q.get("filter") ?? "").replace(/^identifiable:token:/, "").toLowerCase();
    const hits = PROGRAM_INDICATORS.filter((p) => token.split(/[^a-z0-9]+/).filter(Boolean).every((w) => p.displayName.toLowerCase().includes(w)));
    return { pager: { page: 1, pageCount: 1, total: hits.length, pageSize: 50 }, programIndicators: hits };
  }
  return null;
}

// ---------------------------------------------------------------- analytics

const DIM_LABEL: Record<Dimension, string> = { dx: "Data", pe: "Period", ou: "Organisation unit" };
const hash = (s: string) => [...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);

function expandOu(items: QueryItem[]): QueryItem[] {
  return items.flatMap((i) => {
    if (i.id === "USER_ORGUNIT") return [{ id: "ImspTQPwCqd", name: "Sierra Leone", code: null, kind: null }];
    const level = /^LEVEL-(\d)$/.exec(i.id);
    if (level) return ORG_UNITS.filter((o) => o.level === Number(level[1])).map((o) => ({ id: o.id, name: o.name, code: null, kind: null }));
    if (i.id.startsWith("OU_GROUP-")) return ORG_UNITS.filter((o) => o.level === 2 && hash(o.id + i.id) % 3 === 0).map((o) => ({ id: o.id, name: o.name, code: null, kind: null }));
    return [i];
  });
}

function grid(q: AnalyticsQuery, layout: Layout, bump: number): AnalyticsRunResult["grid"] {
  const items: Record<Dimension, QueryItem[]> = { dx: q.data, pe: q.periods, ou: expandOu(q.orgUnits) };
  const combos = (dims: Dimension[]) => dims.reduce<QueryItem[][]>((acc, d) => acc.flatMap((p) => items[d].map((i) => [...p, i])), [[]]);
  const rows = combos(layout.rows);
  const cols = combos(layout.columns);
  const filterKey = layout.filters.map((d) => items[d].map((i) => i.code ?? i.name ?? i.id).join(";")).join("|");
  // Seeded from codes or names, so an item with another UID on another instance gives the same numbers.
  const key = (i: QueryItem) => i.code ?? i.name ?? i.id;
  const value = (r: QueryItem[], c: QueryItem[]) => (hash([...r, ...c].map(key).sort().join("|") + filterKey) % 900) + 100 + (r[0] && hash(key(r[0])) % 5 === 0 ? bump : 0);
  const headers = [
    ...layout.rows.map((d) => ({ name: d, column: DIM_LABEL[d], valueType: "TEXT", meta: true })),
    ...cols.map((c) => ({ name: `col:${c.map((i) => i.id).join("|")}`, column: c.map((i) => i.name ?? i.id).join(" · ") || "Value", valueType: "NUMBER", meta: false })),
    ...(q.totals && cols.length > 1 ? [{ name: "total", column: "Total", valueType: "NUMBER", meta: false }] : []),
  ];
  const out = rows.map((r) => {
    const vals = cols.map((c) => value(r, c));
    return [...r.map((i) => i.name ?? i.id), ...vals.map(String), ...(q.totals && cols.length > 1 ? [String(vals.reduce((a, b) => a + b, 0))] : [])];
  });
  if (q.totals && rows.length > 1) {
    const sums = cols.map((c) => rows.reduce((s, r) => s + value(r, c), 0));
    out.push([...layout.rows.map((_, i) => (i === 0 ? "Total" : "")), ...sums.map(String), ...(cols.length > 1 ? [String(sums.reduce((a, b) => a + b, 0))] : [])]);
  }
  return { headers, rows: out, metaData: { items: {} } };
}

export function runAnalytics(instanceId: string, baseUrl: string, authKind: string, q: AnalyticsQuery): AnalyticsRunResult {
  if (!q.data.length) err("invalid_input", "You picked no data. Search for a data element or indicator and add it.");
  if (!q.periods.length) err("invalid_input", 'You picked no period. Choose one, for example "Last 12 months".');
  if (!q.orgUnits.length) err("invalid_input", 'You picked no place. Choose org units, for example "Each district".');
  const layout = effectiveLayout(q);
  const g = grid(q, layout, instanceId === "sl-hmis" ? 0 : 7);
  if (g.rows.length > 5000) err("invalid_input", "Too many rows: the answer would have more than 5,000 rows. Narrow the org units or periods.");
  const ids = (d: Dimension) => `${d}:${(d === "dx" ? q.data : d === "pe" ? q.periods : q.orgUnits).map((i) => i.id).join(";")}`;
  const params = [...layout.rows, ...layout.columns].map((d) => `dimension=${ids(d)}`).concat(layout.filters.map((d) => `filter=${ids(d)}`));
  const request = `/api/analytics?${params.join("&")}&displayProperty=NAME`;
  const url = `${baseUrl}${request}`;
  const auth = authKind === "basic" ? '-u "admin:$DHIS2_PASSWORD"' : authKind === "pat" ? '-H "Authorization: ApiToken $DHIS2_PAT"' : '-H "Authorization: Bearer $DHIS2_TOKEN"';
  return { instanceId, request, url, curl: `curl --fail-with-body -sS ${auth} -H 'Accept: application/json' '${url}'`, rows: g.rows.length, grid: g };
}

/** On any instance but the first, the first data item has another UID (found by code) and Bo is missing. */
export function prepare(instanceId: string, q: AnalyticsQuery): PreparedQuery {
  if (instanceId === "sl-hmis") return { query: q, missing: [] };
  const missing: MissingItem[] = [];
  const data = q.data.map((item, i) => {
    if (i !== 0) return item;
    const base = item.id.split(".")[0]!;
    const rest = item.id.slice(base.length);
    const replacement: QueryItem = { ...item, id: `x${base.slice(1)}` };
    missing.push({ dimension: "dx", item, replacement, matchedBy: item.code ? "code" : "name" });
    return { ...replacement, id: replacement.id + rest };
  });
  const orgUnits = q.orgUnits.filter((o) => {
    if (o.id !== "dst00000000") return true;
    missing.push({ dimension: "ou", item: o, replacement: null, matchedBy: null });
    return false;
  });
  return { query: { ...q, data, orgUnits }, missing };
}

export function compare(left: AnalyticsRunResult, right: AnalyticsRunResult, leftMissing: MissingItem[], rightMissing: MissingItem[]): AnalyticsCompare {
  const cells = (r: AnalyticsRunResult) => {
    const m = new Map<string, string>();
    for (const row of r.grid.rows) r.grid.headers.forEach((h, i) => isValueColumn(h) && m.set(`${rowKey(r.grid, row)}\u0000${h.column}`, row[i] ?? ""));
    return m;
  };
  const a = cells(left);
  const b = cells(right);
  const differences: CellDiff[] = [...new Set([...a.keys(), ...b.keys()])]
    .sort()
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => {
      const [row, column] = k.split("\u0000") as [string, string];
      return { row, column, left: a.get(k) ?? null, right: b.get(k) ?? null };
    });
  return { left, right, differences, leftMissing, rightMissing };
}

// ---------------------------------------------------------------- saved questions

let nextId = 2;
export const saved: SavedQuestion[] = [
  {
    id: "q1",
    name: "ANC 1st visit, last 12 months, each district",
    question: {
      kind: "analytics",
      query: {
        data: [{ id: "de000000000", name: "ANC 1st visit", code: "DE_0", kind: "dataElements" }],
        periods: [{ id: "LAST_12_MONTHS", name: "Last 12 months", code: null, kind: null }],
        orgUnits: [{ id: "LEVEL-2", name: "Each District", code: null, kind: null }],
        layout: null,
        totals: true,
      },
    },
    updatedAt: Math.floor(Date.now() / 1000) - 3600,
  },
  { id: "q0", name: "Malaria data elements", question: { kind: "request", path: "/api/dataElements", query: [["filter", "name:ilike:malaria"]] }, updatedAt: Math.floor(Date.now() / 1000) - 86400 },
];

export async function savedCommand(cmd: string, a: Record<string, any>): Promise<unknown> {
  await sleep(120);
  switch (cmd) {
    case "saved_list":
      return [...saved].sort((x, y) => y.updatedAt - x.updatedAt);
    case "saved_save": {
      const q = a.question as SavedQuestion;
      if (!q.name.trim()) err("invalid_input", "Give the question a name.");
      if (saved.some((s) => s.id !== q.id && s.name.toLowerCase() === q.name.trim().toLowerCase())) err("invalid_input", `A saved question is already called "${q.name}". Pick another name.`);
      const out = { ...q, id: q.id || `q${nextId++}`, updatedAt: Math.floor(Date.now() / 1000) };
      const i = saved.findIndex((s) => s.id === out.id);
      if (i >= 0) saved[i] = out;
      else saved.push(out);
      return out;
    }
    case "saved_delete": {
      const i = saved.findIndex((s) => s.id === a.id);
      if (i >= 0) saved.splice(i, 1);
      return [...saved].sort((x, y) => y.updatedAt - x.updatedAt);
    }
    case "saved_export":
      return `/home/jane/Documents/dhis2w-questions-${new Date().toISOString().slice(0, 10)}.json`;
    case "saved_import": {
      const added: SavedQuestion = { ...saved[0]!, id: `q${nextId++}`, name: `Shared question ${nextId}`, updatedAt: Math.floor(Date.now() / 1000) };
      saved.push(added);
      return [added];
    }
    default:
      return undefined;
  }
}
