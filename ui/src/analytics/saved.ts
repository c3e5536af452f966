// Saved questions on the Saved screen: search, and the browser path of a saved request. No React here.
import type { SavedQuestion } from "../bindings";

const norm = (s: string) => s.toLocaleLowerCase().normalize("NFD").replace(/\p{Diacritic}/gu, "");

/** Questions whose name or any picked item's name/id holds every word of `text`. */
export function searchSaved(list: SavedQuestion[], text: string): SavedQuestion[] {
  const words = norm(text).split(/\s+/).filter(Boolean);
  if (!words.length) return list;
  return list.filter((s) => {
    const q = s.question;
    const parts = [s.name, ...(q.kind === "analytics" ? [...q.query.data, ...q.query.periods, ...q.query.orgUnits].flatMap((i) => [i.name ?? "", i.id]) : [q.path])];
    const hay = norm(parts.join(" "));
    return words.every((w) => hay.includes(w));
  });
}

/** `/api/dataElements?fields=id,name` for a saved browser request. */
export function requestPath(path: string, query: [string, string][]): string {
  return query.length ? `${path}?${new URLSearchParams(query).toString()}` : path;
}

/** A name not yet taken: "Malaria (2)" when "Malaria" exists. */
export function freeName(list: SavedQuestion[], base: string): string {
  const taken = new Set(list.map((s) => s.name.trim().toLocaleLowerCase()));
  if (!taken.has(base.trim().toLocaleLowerCase())) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`.toLocaleLowerCase())) return `${base} (${n})`;
}
