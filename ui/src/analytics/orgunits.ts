// The org-unit tree's data: the user's own org units, children on demand, levels and groups,
// read through browse_get (the UI never fetches itself). No React here.
export type GetJson = (path: string, query: [string, string][]) => Promise<unknown>;
export type OrgUnitNode = { id: string; name: string; leaf: boolean | null };
export type Level = { level: number; name: string };
export type Group = { id: string; name: string };

type Raw = { id?: unknown; displayName?: unknown; name?: unknown; leaf?: unknown; level?: unknown };
const nameOf = (o: Raw) => String(o.displayName ?? o.name ?? o.id);
const listOf = (json: unknown, ...keys: string[]): Raw[] => {
  for (const k of keys) {
    const v = (json as Record<string, unknown> | null)?.[k];
    if (Array.isArray(v)) return v.filter((o): o is Raw => typeof (o as Raw)?.id === "string");
  }
  return [];
};

/** The user's own org units (`/api/me`): the roots of the tree. */
export async function loadRoots(get: GetJson): Promise<OrgUnitNode[]> {
  const me = await get("/api/me", [["fields", "organisationUnits[id,displayName]"]]);
  return listOf(me, "organisationUnits").map((o) => ({ id: String(o.id), name: nameOf(o), leaf: null }));
}

/**
 * The children of one org unit, by name. `/children` lists the parent first on recent DHIS2
 * versions (`organisationUnits`) and only the children on 2.40 (`children`): both are handled.
 */
export async function loadChildren(get: GetJson, parentId: string): Promise<OrgUnitNode[]> {
  const json = await get(`/api/organisationUnits/${parentId}/children`, [
    ["fields", "id,displayName,leaf"],
    ["paging", "false"],
  ]);
  return listOf(json, "organisationUnits", "children")
    .filter((o) => o.id !== parentId)
    .map((o) => ({ id: String(o.id), name: nameOf(o), leaf: typeof o.leaf === "boolean" ? o.leaf : null }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function loadLevels(get: GetJson): Promise<Level[]> {
  const json = await get("/api/organisationUnitLevels", [
    ["fields", "id,level,displayName"],
    ["order", "level:asc"],
    ["paging", "false"],
  ]);
  return listOf(json, "organisationUnitLevels")
    .filter((o) => typeof o.level === "number")
    .map((o) => ({ level: o.level as number, name: nameOf(o) }))
    .sort((a, b) => a.level - b.level);
}

export async function loadGroups(get: GetJson): Promise<Group[]> {
  const json = await get("/api/organisationUnitGroups", [
    ["fields", "id,displayName"],
    ["paging", "false"],
  ]);
  return listOf(json, "organisationUnitGroups").map((o) => ({ id: String(o.id), name: nameOf(o) }));
}
