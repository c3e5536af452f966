// DHIS2 `fields=` syntax: `id,name,parent[id,name],organisationUnits[id,name~rename(label)],!created,*`.
// Only what the table needs: the order in which the asked-for fields should become columns.

export type FieldSpec = {
  /** Output key (after `~rename(x)` / `::rename(x)`), or "*" for a wildcard/preset. */
  key: string;
  children: FieldSpec[];
  excluded: boolean;
};

/** Splits at top-level commas (not inside [] or ()). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "[" || ch === "(") depth++;
    else if (ch === "]" || ch === ")") depth = Math.max(0, depth - 1);
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

function keyOf(raw: string): string {
  const rename = /(?:~|::)rename\(([^)]*)\)/.exec(raw);
  if (rename?.[1]?.trim()) return rename[1].trim();
  const name = raw.split(/~|::/)[0]!.trim();
  if (name === "*" || name.startsWith(":")) return "*";
  return name;
}

/** Parses a `fields=` value into a tree. Unbalanced brackets are tolerated. */
export function parseFields(value: string): FieldSpec[] {
  return splitTop(value).map((part) => {
    const excluded = part.startsWith("!");
    const body = excluded ? part.slice(1) : part;
    const open = body.indexOf("[");
    // `name~rename(x)[a]` is unusual; transformers come after the brackets: `parent[id]~rename(p)`.
    if (open < 0) return { key: keyOf(body), children: [], excluded };
    const close = body.lastIndexOf("]");
    const inner = body.slice(open + 1, close > open ? close : undefined);
    const head = body.slice(0, open) + (close > open ? body.slice(close + 1) : "");
    return { key: keyOf(head), children: parseFields(inner), excluded };
  });
}

/**
 * Ordered column patterns from a `fields=` value: `parent[id,name]` gives `parent.id`, `parent.name`
 * (an array field's columns are `parent[].id`; patterns ignore the `[]`). "*" marks where the
 * columns of a wildcard or preset (`*`, `:all`, `:owner`, …) go.
 */
export function fieldOrder(value: string | null | undefined): string[] {
  if (!value?.trim()) return [];
  const out: string[] = [];
  const walk = (specs: FieldSpec[], prefix: string) => {
    for (const s of specs) {
      if (s.excluded) continue;
      if (s.key === "*") {
        out.push(prefix ? `${prefix}.*` : "*");
        continue;
      }
      const path = prefix ? `${prefix}.${s.key}` : s.key;
      if (s.children.length) walk(s.children, path);
      else out.push(path);
    }
  };
  walk(parseFields(value), "");
  return out;
}

/** Column id without the `[]` of array columns: `organisationUnits[].name` → `organisationUnits.name`. */
export const plainPath = (id: string) => id.replace(/\[\]/g, "");

/**
 * Sorts column ids by the `fields=` order: a column takes the place of the first pattern that is
 * it or a parent of it (`parent` places `parent.id`); unmatched columns take the place of the
 * first wildcard that covers them, else go last. Ties keep first-seen order.
 */
export function orderColumns(ids: string[], fields: string | null | undefined): string[] {
  const order = fieldOrder(fields);
  if (order.length === 0) return ids;
  const rank = (id: string): number => {
    const p = plainPath(id);
    for (let i = 0; i < order.length; i++) {
      const o = order[i]!;
      if (o === "*" || o.endsWith(".*")) continue;
      if (p === o || p.startsWith(o + ".")) return i;
    }
    for (let i = 0; i < order.length; i++) {
      const o = order[i]!;
      if (o === "*" || (o.endsWith(".*") && p.startsWith(o.slice(0, -1)))) return i;
    }
    return order.length;
  };
  return ids
    .map((id, i) => ({ id, i, r: rank(id) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.id);
}
