// Keeps the latest tables where sorting/filtering happens (the parse worker, or the main thread
// where workers are missing) and answers queries on them by id.
import { packTable } from "./pack";
import { prettyJson } from "../text/pretty";
import type { PackedTable, SortState, TableData } from "./model";
import { queryRows, rowHaystacks } from "./query";

type Entry = { data: TableData; haystacks?: string[]; order?: Uint32Array; source?: Uint8Array };

const KEEP = 3;
const tables = new Map<number, Entry>();
let nextId = 1;

/**
 * Stores a table (dropping the oldest beyond a few) and returns its packed form. `source` is the
 * body of a large response, kept so its text can be made later (see responseText).
 */
export function registerTable(data: TableData, source?: Uint8Array): PackedTable {
  const id = nextId++;
  tables.set(id, { data, source });
  while (tables.size > KEEP) tables.delete(tables.keys().next().value!);
  return packTable(id, data);
}

/** Forgets a table no view shows any more (its strings and its body are most of a large answer's memory). */
export function releaseTable(id: number): void {
  tables.delete(id);
}

export function runQuery(id: number, sort: SortState, filter: string): Uint32Array {
  const e = tables.get(id);
  if (!e) return new Uint32Array(0);
  if (filter.trim() && !e.haystacks) e.haystacks = rowHaystacks(e.data);
  e.order = queryRows(e.data, sort, filter, e.haystacks);
  return e.order;
}

/** A column's values, one per line, in the order of the last query (all rows if none). */
export function columnText(id: number, column: number): string {
  const e = tables.get(id);
  const col = e?.data.values[column];
  if (!e || !col) return "";
  const order = e.order;
  if (!order) return col.join("\n");
  const out = new Array<string>(order.length);
  for (let i = 0; i < order.length; i++) out[i] = col[order[i]!]!;
  return out.join("\n");
}

/**
 * The pretty-printed text of a large response whose text was not sent with its table, as UTF-8 to
 * be transferred to the window without a copy (a string of a hundred megabytes is copied on the
 * receiving side, blocking the window for most of a second). Laid out from the bytes: parsing the
 * whole list again would hold every item as an object at once.
 */
export function responseBytes(id: number): Uint8Array {
  const src = tables.get(id)?.source;
  if (!src) return new Uint8Array(0);
  return prettyJson(src) ?? src.slice();
}

/** The same text as a string. */
export function responseText(id: number): string {
  return new TextDecoder().decode(responseBytes(id));
}
