// "Run on…" another instance: which replacements the user accepted, and the query that runs
// there. No React here.
import type { AnalyticsQuery, MissingItem, PreparedQuery } from "../bindings";
import { ITEMS_OF } from "./query";

/** The id the prepared query holds for a replacement (an operand's or reporting rate's suffix kept). */
export function replacementId(m: MissingItem): string | null {
  if (!m.replacement) return null;
  const dot = m.item.id.indexOf(".");
  const rest = dot >= 0 ? m.item.id.slice(dot) : "";
  return m.replacement.id.endsWith(rest) ? m.replacement.id : `${m.replacement.id}${rest}`;
}

/** Every proposed replacement starts accepted. */
export const initialAccepted = (p: PreparedQuery): boolean[] => p.missing.map((m) => m.replacement !== null);

/** The prepared query without the replacements the user turned down. */
export function acceptedQuery(p: PreparedQuery, accepted: boolean[]): AnalyticsQuery {
  const refused = new Map<string, Set<string>>();
  p.missing.forEach((m, i) => {
    const id = replacementId(m);
    if (id && !accepted[i]) {
      const key = ITEMS_OF[m.dimension];
      if (!refused.has(key)) refused.set(key, new Set());
      refused.get(key)!.add(id);
    }
  });
  const q = { ...p.query };
  for (const [key, ids] of refused) {
    const k = key as "data" | "periods" | "orgUnits";
    q[k] = q[k].filter((i) => !ids.has(i.id));
  }
  return q;
}

/** Missing items with no replacement: they are left out of the run. */
export const unmatched = (p: PreparedQuery) => p.missing.filter((m) => !m.replacement);
