// Reads a large DHIS2 collection (`{"pager": {...}, "organisationUnits": [{...}, ...]}`) straight
// from its bytes, a slice of items at a time. `JSON.parse` of the whole body holds the decoded text
// and an object for every item at once: for the 57 MB list of 377,690 org units that is several
// hundred MB in the page's worker (issue 13, P4 memory). Here only one slice's text and objects
// live at a time; the columns are all that grows.
//
// Anything this reader does not expect (another shape, a duplicate key, a syntax error) makes it
// give up with null, and the caller parses the whole body as before: it never decides alone that
// a body is not JSON.
import { CollectionBuilder, isObj, type Obj } from "./build";
import type { TableData } from "./model";
import { isWs, QUOTE, stringEnd } from "../json/bytes";

/** About how many bytes of items are parsed at once. */
export const SLICE_BYTES = 1 << 21;

const decoder = new TextDecoder();

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && isWs(b[i]!)) i++;
  return i;
}

/** `b[i]` opens an object or an array: the index after its matching close, or -1. */
function skipNested(b: Uint8Array, i: number): number {
  let depth = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c === QUOTE) {
      i = stringEnd(b, i);
      if (i < 0) return -1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return -1;
    }
    i++;
  }
  return -1;
}

/** Any value at `b[i]`: the index after it, or -1. */
function skipValue(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === undefined) return -1;
  if (c === QUOTE) return stringEnd(b, i);
  if (c === 0x7b || c === 0x5b) return skipNested(b, i);
  // A number or a literal: up to the next delimiter (JSON.parse judges it).
  while (i < b.length) {
    const d = b[i]!;
    if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
    i++;
  }
  return i;
}

function parseSlice(b: Uint8Array, start: number, end: number): unknown {
  return JSON.parse(decoder.decode(b.subarray(start, end)));
}

export type ScannedCollection = {
  data: TableData;
  pager: unknown;
  /** The body's keys in their order, for the tree's preview (`pager` and the list's key). */
  keys: string[];
  /** The list's first items as objects (at most `keepFirst`). */
  first: Obj[];
};

/**
 * The table of a collection body, read a slice at a time, or null when the body is not plainly
 * `{pager?, <plural>: [objects]}` (the caller then parses it whole). `fields` orders the columns.
 */
export function scanCollection(
  b: Uint8Array,
  fields: string | null | undefined,
  keepFirst: number,
  sliceBytes = SLICE_BYTES,
): ScannedCollection | null {
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3; // a UTF-8 byte order mark
  i = skipWs(b, i);
  if (b[i] !== 0x7b) return null;
  i = skipWs(b, i + 1);
  const keys: string[] = [];
  let pager: unknown = undefined;
  let plural: string | null = null;
  const builder = new CollectionBuilder();
  const first: Obj[] = [];
  if (b[i] === 0x7d) return null; // `{}`: no list
  for (;;) {
    if (b[i] !== QUOTE) return null;
    const keyEnd = stringEnd(b, i);
    if (keyEnd < 0) return null;
    let key: unknown;
    try {
      key = parseSlice(b, i, keyEnd);
    } catch {
      return null;
    }
    if (typeof key !== "string" || keys.includes(key) || key === "__proto__") return null;
    keys.push(key);
    i = skipWs(b, keyEnd);
    if (b[i] !== 0x3a) return null;
    i = skipWs(b, i + 1);
    if (key === "pager") {
      const end = skipValue(b, i);
      if (end < 0) return null;
      try {
        pager = parseSlice(b, i, end);
      } catch {
        return null;
      }
      if (!isObj(pager)) return null;
      i = end;
    } else {
      if (plural !== null || b[i] !== 0x5b) return null;
      plural = key;
      i = readItems(b, i, builder, first, keepFirst, sliceBytes);
      if (i < 0) return null;
    }
    i = skipWs(b, i);
    if (b[i] === 0x2c) {
      i = skipWs(b, i + 1);
      continue;
    }
    if (b[i] !== 0x7d) return null;
    break;
  }
  if (skipWs(b, i + 1) !== b.length || plural === null) return null;
  return { data: builder.finish(plural, fields), pager, keys, first };
}

/** `b[i]` opens the list: adds its items to `builder` a slice at a time; the index after `]`, or -1. */
function readItems(b: Uint8Array, i: number, builder: CollectionBuilder, first: Obj[], keepFirst: number, sliceBytes: number): number {
  i = skipWs(b, i + 1);
  if (b[i] === 0x5d) return i + 1;
  let sliceStart = i;
  const flush = (end: number): boolean => {
    let items: unknown;
    try {
      items = JSON.parse("[" + decoder.decode(b.subarray(sliceStart, end)) + "]");
    } catch {
      return false;
    }
    for (const item of items as unknown[]) {
      if (!isObj(item)) return false;
      builder.add(item);
      if (first.length < keepFirst) first.push(item);
    }
    return true;
  };
  for (;;) {
    if (b[i] !== 0x7b) return -1; // every item is an object
    const end = skipNested(b, i);
    if (end < 0) return -1;
    i = skipWs(b, end);
    const c = b[i];
    if (c === 0x5d) return flush(end) ? i + 1 : -1;
    if (c !== 0x2c) return -1;
    if (end - sliceStart >= sliceBytes) {
      if (!flush(end)) return -1;
      sliceStart = skipWs(b, i + 1);
      i = sliceStart;
    } else i = skipWs(b, i + 1);
  }
}
