// Detects DHIS2 collections and analytics grids and flattens them into columns.
import { orderColumns } from "./fields";
import { isNumberText, type Column, type TableData } from "./model";

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export type Shape =
  | { kind: "collection"; plural: string; items: Obj[] }
  | { kind: "grid"; headers: Obj[]; rows: unknown[][]; items: Record<string, { name?: unknown }> }
  | null;

/**
 * A DHIS2 collection is `{pager?, <plural>: [objects]}`: exactly one array of objects and no other
 * key but `pager`. An analytics grid has `headers` (objects) and `rows` (arrays), `metaData` optional.
 */
export function detectShape(json: unknown): Shape {
  if (!isObj(json)) return null;
  if (Array.isArray(json.headers) && Array.isArray(json.rows) && json.headers.every(isObj) && json.rows.every(Array.isArray)) {
    const meta = isObj(json.metaData) ? json.metaData : {};
    const items = isObj(meta.items) ? (meta.items as Record<string, { name?: unknown }>) : {};
    return { kind: "grid", headers: json.headers as Obj[], rows: json.rows as unknown[][], items };
  }
  const keys = Object.keys(json).filter((k) => k !== "pager");
  if (keys.length !== 1) return null;
  const plural = keys[0]!;
  const list = json[plural];
  if (!Array.isArray(list) || !list.every(isObj)) return null;
  if ("pager" in json && json.pager !== undefined && !isObj(json.pager)) return null;
  return { kind: "collection", plural, items: list as Obj[] };
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/**
 * Flattens one object into `out` (column id → text): nested objects give dotted ids
 * (`parent.name`), arrays of objects give `list[].field` columns holding the items' values joined
 * with ", ", arrays of plain values are joined under their own name.
 */
export function flattenObject(obj: Obj, out: Map<string, string>, prefix = ""): void {
  for (const [k, v] of Object.entries(obj)) {
    const id = prefix ? `${prefix}.${k}` : k;
    if (isObj(v)) {
      if (Object.keys(v).length === 0) out.set(id, "");
      else flattenObject(v, out, id);
    } else if (Array.isArray(v)) {
      if (v.length > 0 && v.every(isObj)) {
        const parts = new Map<string, string[]>();
        for (const item of v) {
          const sub = new Map<string, string>();
          flattenObject(item, sub);
          for (const [sk, sv] of sub) {
            let list = parts.get(sk);
            if (!list) parts.set(sk, (list = []));
            if (sv !== "") list.push(sv);
          }
        }
        for (const [sk, list] of parts) out.set(`${id}[].${sk}`, list.join(", "));
      } else out.set(id, v.map(scalarText).join(", "));
    } else out.set(id, scalarText(v));
  }
}

function numericFlags(values: string[][]): boolean[] {
  return values.map((col) => {
    let any = false;
    for (const s of col) {
      if (s === "") continue;
      if (!isNumberText(s)) return false;
      any = true;
    }
    return any;
  });
}

/** Makes `col` at least `r` long, with "" for the rows that had no value. */
function fillTo(col: string[], r: number): void {
  while (col.length < r) col.push("");
}

/**
 * Builds a collection's columns one item at a time, so a large list can be read a slice at a
 * time (see scan.ts) and never needs every item as an object at once.
 */
export class CollectionBuilder {
  // Column id → values, in order of first appearance. `byPrefix` finds a column from its parent
  // path and key without building the dotted id again for every row: 400,000 rows otherwise
  // spend most of their time concatenating and hashing the same few strings.
  private readonly cols = new Map<string, string[]>();
  private readonly byPrefix = new Map<string, Map<string, string[]>>();
  private readonly prefixes = new Map<string, Map<string, string>>();
  rowCount = 0;

  private column(prefix: string, key: string): string[] {
    let keys = this.byPrefix.get(prefix);
    if (!keys) this.byPrefix.set(prefix, (keys = new Map()));
    let col = keys.get(key);
    if (!col) {
      const id = prefix ? `${prefix}.${key}` : key;
      col = this.cols.get(id);
      if (!col) this.cols.set(id, (col = []));
      keys.set(key, col);
    }
    return col;
  }

  private child(prefix: string, key: string): string {
    if (!prefix) return key;
    let keys = this.prefixes.get(prefix);
    if (!keys) this.prefixes.set(prefix, (keys = new Map()));
    let id = keys.get(key);
    if (id === undefined) keys.set(key, (id = `${prefix}.${key}`));
    return id;
  }

  private set(col: string[], r: number, text: string): void {
    fillTo(col, r);
    col[r] = text;
  }

  private walk(obj: Obj, r: number, prefix: string): void {
    for (const [k, v] of Object.entries(obj)) {
      if (v === null || typeof v !== "object") {
        this.set(this.column(prefix, k), r, scalarText(v));
      } else if (!Array.isArray(v)) {
        if (Object.keys(v).length === 0) this.set(this.column(prefix, k), r, "");
        else this.walk(v as Obj, r, this.child(prefix, k));
      } else {
        // Arrays are rarer: the general flattening, then its columns.
        const out = new Map<string, string>();
        flattenObject({ [k]: v }, out);
        for (const [id, text] of out) {
          const full = prefix ? `${prefix}.${id}` : id;
          let col = this.cols.get(full);
          if (!col) this.cols.set(full, (col = []));
          this.set(col, r, text);
        }
      }
    }
  }

  add(item: Obj): void {
    this.walk(item, this.rowCount, "");
    this.rowCount++;
  }

  finish(plural: string, fields: string | null | undefined): TableData {
    const n = this.rowCount;
    for (const col of this.cols.values()) fillTo(col, n);
    const ids = orderColumns([...this.cols.keys()], fields);
    const values = ids.map((id) => this.cols.get(id)!);
    const numeric = numericFlags(values);
    const columns: Column[] = ids.map((id, i) => ({ id, label: id, numeric: numeric[i]! }));
    return { kind: "collection", plural, columns, values, rowCount: n };
  }
}

function fromCollection(plural: string, items: Obj[], fields: string | null | undefined): TableData {
  const b = new CollectionBuilder();
  for (const item of items) b.add(item);
  return b.finish(plural, fields);
}

function fromGrid(headers: Obj[], rows: unknown[][], items: Record<string, { name?: unknown }>): TableData {
  const n = rows.length;
  const values = headers.map((h, c) => {
    // Dimension columns hold UIDs; metaData.items names them. The value column is left alone.
    const named = h.meta !== false && h.name !== "value";
    const col = new Array<string>(n);
    for (let r = 0; r < n; r++) {
      const raw = scalarText(rows[r]![c]);
      const name = named ? items[raw]?.name : undefined;
      col[r] = typeof name === "string" && name ? name : raw;
    }
    return col;
  });
  const numeric = numericFlags(values);
  const columns: Column[] = headers.map((h, i) => {
    const id = typeof h.name === "string" && h.name ? h.name : `column${i + 1}`;
    const label = typeof h.column === "string" && h.column ? h.column : id;
    return { id, label, numeric: numeric[i]! };
  });
  return { kind: "grid", plural: null, columns, values, rowCount: n };
}

/** The table for a parsed response, or null when it is not a collection or an analytics grid. */
export function buildTable(json: unknown, fields?: string | null): TableData | null {
  const shape = detectShape(json);
  if (!shape) return null;
  return shape.kind === "collection" ? fromCollection(shape.plural, shape.items, fields) : fromGrid(shape.headers, shape.rows, shape.items);
}
