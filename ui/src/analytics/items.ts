// Picked items: search hits → QueryItems (id, name, code, kind kept so a saved question can be
// matched again on another instance), org-unit keywords, and names for chips. No React here.
import type { QueryItem, SearchGroup, SearchHit } from "../bindings";
import type { MessageKey } from "../i18n";

/** The kinds the data picker offers, in the order it shows them. */
export const DATA_KINDS = ["dataElements", "indicators", "programIndicators", "dataSets"] as const;
export type DataKind = (typeof DATA_KINDS)[number];

/** A data set is picked as its reporting rate. */
export const REPORTING_RATE = ".REPORTING_RATE";

export function hitToItem(hit: SearchHit): QueryItem {
  const id = hit.kind === "dataSets" ? `${hit.id}${REPORTING_RATE}` : hit.id;
  return { id, name: hit.name, code: hit.code, kind: hit.kind };
}

/** Only the kinds the data dimension takes, in DATA_KINDS order. */
export function dataGroups(groups: SearchGroup[]): SearchGroup[] {
  return DATA_KINDS.map((k) => groups.find((g) => g.kind === k)).filter((g): g is SearchGroup => !!g && g.hits.length > 0);
}

/** `/api/programIndicators?filter=identifiable:token:X` → a search group (search_objects has no such kind). */
export function programIndicatorGroup(json: unknown): SearchGroup | null {
  const list = (json as { programIndicators?: unknown })?.programIndicators;
  if (!Array.isArray(list)) return null;
  const hits: SearchHit[] = list
    .filter((o): o is { id: string; displayName?: string; name?: string; code?: string } => typeof o?.id === "string")
    .map((o) => ({ id: o.id, name: o.displayName ?? o.name ?? o.id, code: o.code ?? null, kind: "programIndicators", path: `/api/programIndicators/${o.id}` }));
  const total = (json as { pager?: { total?: number } }).pager?.total ?? hits.length;
  return hits.length ? { kind: "programIndicators", hits: hits.slice(0, 10), total } : null;
}

export const USER_ORGUNIT = "USER_ORGUNIT";
export const levelItem = (level: number, name: string): QueryItem => ({ id: `LEVEL-${level}`, name, code: null, kind: null });
export const groupItem = (uid: string, name: string): QueryItem => ({ id: `OU_GROUP-${uid}`, name, code: null, kind: "organisationUnitGroups" });
export const orgUnitItem = (uid: string, name: string): QueryItem => ({ id: uid, name, code: null, kind: "organisationUnits" });

/** The label of a chip's kind: "Data element", "Reporting rate"… */
export function itemKindKey(item: QueryItem): MessageKey | null {
  if (item.id.endsWith(REPORTING_RATE)) return "item.reportingRate";
  switch (item.kind) {
    case "dataElements":
      return "item.dataElement";
    case "indicators":
      return "item.indicator";
    case "programIndicators":
      return "item.programIndicator";
    case "organisationUnitGroups":
      return "item.group";
    default:
      return item.id.startsWith("LEVEL-") ? "item.level" : null;
  }
}
