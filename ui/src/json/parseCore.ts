// Turns a response body into what the viewer shows. Runs in a Web Worker (parse.worker.ts) so a
// 50 MB response does not freeze the window; falls back to the main thread where workers are missing.
import { buildTable } from "../table/build";
import { registerTable } from "../table/engine";
import { scanCollection } from "../table/scan";
import type { PackedTable } from "../table/model";

/** Bodies larger than this open as (pretty-printed) text rather than a tree. */
export const LARGE_BODY = 5 * 1024 * 1024;

export type Pager = { page: number; pageCount: number; total: number; pageSize: number | null };

export type Parsed = {
  isJson: boolean;
  /** The parsed value, only for bodies up to LARGE_BODY. */
  json?: unknown;
  /** Raw text (small bodies) or pretty-printed text (large JSON bodies, so the text view has lines). */
  text: string;
  pager: Pager | null;
  large: boolean;
  /** Set when the body is a DHIS2 collection or an analytics grid (shown as a table by default). */
  table?: PackedTable;
  /**
   * A large collection or grid's first items, for the tree view: a tree of hundreds of thousands
   * of items would freeze the window and help nobody; the table and the text show them all.
   */
  preview?: TreePreview;
  /**
   * A large table's text is not sent along (copying hundreds of MB would freeze the window):
   * `text` is empty until asked for with tableResponseBytes, which fills `textBytes`.
   */
  textDeferred?: boolean;
  /** A large table's pretty-printed text as UTF-8, once asked for (`text` stays empty). */
  textBytes?: Uint8Array;
};

/** How many items the tree view of a large collection or grid shows. */
export const TREE_PREVIEW_ITEMS = 1000;

export type TreePreview = { json: unknown; shown: number; total: number };

/** The response with its list (a collection's items, a grid's rows) cut to the first items. */
export function treePreview(json: unknown, table: PackedTable): TreePreview | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const key = table.kind === "grid" ? "rows" : table.plural;
  const list = key ? (json as Record<string, unknown>)[key] : undefined;
  if (!key || !Array.isArray(list)) return undefined;
  const shown = Math.min(list.length, TREE_PREVIEW_ITEMS);
  return { json: { ...(json as Record<string, unknown>), [key]: list.slice(0, shown) }, shown, total: list.length };
}

function readPager(value: unknown): Pager | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const p = (value as { pager?: unknown }).pager;
  if (typeof p !== "object" || p === null) return null;
  const { page, pageCount, total, pageSize } = p as Record<string, unknown>;
  if (typeof page !== "number" || typeof pageCount !== "number") return null;
  return {
    page,
    pageCount,
    total: typeof total === "number" ? total : 0,
    pageSize: typeof pageSize === "number" ? pageSize : null,
  };
}

/** Whether a body is JSON: its content type, or its first bytes (a large body is not decoded whole). */
function looksLikeJson(buffer: Uint8Array, contentType: string | null): boolean {
  return (contentType ?? "").includes("json") || /^\s*[[{]/.test(new TextDecoder().decode(buffer.subarray(0, 64)));
}

/**
 * `fields` is the request's `fields=` value: it orders the table's columns. A large collection is
 * read a slice at a time (scan.ts); anything else is parsed whole.
 */
export function parseBodySync(body: ArrayBuffer | Uint8Array, contentType: string | null, fields?: string | null): Parsed {
  const buffer = body instanceof Uint8Array ? body : new Uint8Array(body);
  const large = buffer.byteLength > LARGE_BODY;
  const looksJson = looksLikeJson(buffer, contentType);
  if (large && looksJson) {
    const scanned = scanCollection(buffer, fields, TREE_PREVIEW_ITEMS);
    if (scanned) {
      const table = registerTable(scanned.data, buffer);
      const pager = readPager({ pager: scanned.pager });
      const json: Record<string, unknown> = {};
      for (const key of scanned.keys) json[key] = key === "pager" ? scanned.pager : scanned.first;
      const preview = { json, shown: scanned.first.length, total: scanned.data.rowCount };
      return { isJson: true, text: "", textDeferred: true, pager, large, table, preview };
    }
  }
  const text = new TextDecoder().decode(buffer);
  if (!looksJson) return { isJson: false, text, pager: null, large };
  try {
    const json: unknown = JSON.parse(text);
    const pager = readPager(json);
    const data = buildTable(json, fields);
    const table = data ? registerTable(data, large ? buffer : undefined) : undefined;
    if (large && table) return { isJson: true, text: "", textDeferred: true, pager, large, table, preview: treePreview(json, table) };
    if (large) return { isJson: true, text: JSON.stringify(json, null, 2), pager, large, table };
    return { isJson: true, json, text, pager, large, table };
  } catch {
    return { isJson: false, text, pager: null, large };
  }
}

