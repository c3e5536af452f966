// Sorting and filtering rows. Runs in the parse worker for real data (see engine.ts), so the
// window stays responsive with 400,000 rows.
import type { SortState, TableData } from "./model";

export type QueryResult = { order: Uint32Array; total: number };

/** Lower-cased text of each row, all columns joined, built once per table for filtering. */
export function rowHaystacks(t: TableData): string[] {
  const out = new Array<string>(t.rowCount);
  for (let r = 0; r < t.rowCount; r++) {
    let s = "";
    for (const col of t.values) s += col[r]! + "\u0001";
    out[r] = s.toLowerCase();
  }
  return out;
}

/** Row indices whose text contains every word of `filter` (case-insensitive), in original order. */
export function filterRows(t: TableData, filter: string, haystacks?: string[]): Uint32Array {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return Uint32Array.from({ length: t.rowCount }, (_, i) => i);
  const hay = haystacks ?? rowHaystacks(t);
  const out = new Uint32Array(t.rowCount);
  let n = 0;
  for (let r = 0; r < t.rowCount; r++) {
    const h = hay[r]!;
    if (words.every((w) => h.includes(w))) out[n++] = r;
  }
  return out.slice(0, n);
}

/**
 * A key whose plain string order is a natural, case- and accent-insensitive order:
 * "anc 2" < "ANC 10" < "Élan" (much faster than Intl.Collator for 400,000 values).
 */
export function textSortKey(s: string): string {
  let k = s.toLowerCase();
  if (/[^\x00-\x7f]/.test(k)) k = k.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  if (/\d/.test(k)) k = k.replace(/\d+/g, (d) => (d.length < 16 ? d.padStart(16, "0") : d));
  return k;
}

/**
 * Sorts `rows` (indices) by one column: numbers numerically, text in a natural, case-insensitive
 * order. Empty cells always go last. Stable: equal values keep their original order.
 */
export function sortRows(t: TableData, rows: Uint32Array, sort: SortState): Uint32Array {
  if (!sort) return rows;
  const col = t.values[sort.column];
  if (!col) return rows;
  const dir = sort.desc ? -1 : 1;
  const out = Array.from(rows);
  if (t.columns[sort.column]?.numeric) {
    const keys = new Float64Array(t.rowCount);
    for (const r of rows) keys[r] = col[r] === "" ? NaN : Number(col[r]);
    out.sort((a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      const xe = Number.isNaN(x);
      const ye = Number.isNaN(y);
      if (xe || ye) return xe === ye ? a - b : xe ? 1 : -1;
      return x === y ? a - b : (x - y) * dir;
    });
  } else {
    const keys = new Array<string>(t.rowCount);
    for (const r of rows) keys[r] = textSortKey(col[r]!);
    out.sort((a, b) => {
      const xe = col[a] === "";
      const ye = col[b] === "";
      if (xe || ye) return xe === ye ? a - b : xe ? 1 : -1;
      const x = keys[a]!;
      const y = keys[b]!;
      return x === y ? a - b : x < y ? -dir : dir;
    });
  }
  return Uint32Array.from(out);
}

export function queryRows(t: TableData, sort: SortState, filter: string, haystacks?: string[]): Uint32Array {
  return sortRows(t, filterRows(t, filter, haystacks), sort);
}
