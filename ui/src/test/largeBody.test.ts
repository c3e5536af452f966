import { describe, expect, it, vi } from "vitest";
import { buildTable } from "../table/build";
import { scanCollection } from "../table/scan";
import { cellText } from "../table/pack";
import { prettyJson } from "../text/pretty";
import { LARGE_BODY, parseBodySync, TREE_PREVIEW_ITEMS } from "../json/parseCore";

const bytes = (s: string) => new TextEncoder().encode(s);

/** A small seeded generator, so a failure names the case that reproduces it. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const WORDS = ["Bo", "Bombali", "Kailahun", "Ngiehun CHC", "é à ç", "日本", "😀 emoji", 'quote " inside', "back\\slash", "tab\there", "line\u2028sep", "", " "];

function value(r: () => number, depth: number): unknown {
  const pick = r();
  if (pick < 0.35) return WORDS[Math.floor(r() * WORDS.length)]!;
  if (pick < 0.5) return Math.floor(r() * 2000) - 1000;
  if (pick < 0.55) return r() * 100;
  if (pick < 0.6) return r() < 0.5;
  if (pick < 0.65) return null;
  if (depth > 2) return "deep";
  if (pick < 0.8) return item(r, depth + 1);
  if (pick < 0.85) return {};
  if (pick < 0.93) return Array.from({ length: Math.floor(r() * 3) }, () => item(r, depth + 1));
  return Array.from({ length: Math.floor(r() * 3) }, () => value(r, 3));
}

const KEYS = ["id", "name", "level", "parent", "path", "organisationUnits", "code", "1", "displayName", "ancestors"];

function item(r: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) if (r() < 0.6) out[k] = value(r, depth);
  return out;
}

/** The body as DHIS2 could send it: compact or indented, `pager` before or after, with odd number spellings. */
function body(r: () => number, n: number): { text: string; json: unknown } {
  const list = Array.from({ length: n }, () => item(r));
  const pager = { page: 1, pageCount: 3, total: 1234, pageSize: 50 };
  const json = r() < 0.5 ? { pager, organisationUnits: list } : { organisationUnits: list, pager };
  let text = JSON.stringify(json, null, r() < 0.5 ? 2 : undefined);
  // Spellings JSON.parse reads as the same value: an escaped slash and letter, a number's exponent.
  if (r() < 0.5) text = text.replace(/"Bo"/g, '"\\u0042o"').replace(/"Bombali"/g, '"Bomb\\/ali"');
  if (r() < 0.5) text = text.replace(/:(\d+)([,}])/, ":$1.0e0$2");
  return { text, json: JSON.parse(text) };
}

describe("reading a large collection a slice at a time", () => {
  it("builds exactly the table that parsing the whole body builds", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const { text, json } = body(r, 1 + Math.floor(r() * 80));
      const fields = r() < 0.5 ? "id,name,parent[id,name],level" : null;
      const slice = 1 + Math.floor(r() * 400);
      const scanned = scanCollection(bytes(text), fields, 5, slice);
      expect(scanned, `seed ${seed}`).not.toBeNull();
      expect(scanned!.data, `seed ${seed}`).toEqual(buildTable(json, fields));
      const obj = json as { pager: unknown; organisationUnits: unknown[] };
      expect(scanned!.pager).toEqual(obj.pager);
      expect(scanned!.keys).toEqual(Object.keys(obj));
      expect(scanned!.first).toEqual(obj.organisationUnits.slice(0, 5));
    }
  });

  it("reads a body with a byte order mark, without a pager, and an empty list", () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(' { "dataElements" : [ {"id":"a"} , {"name":"B"} ] } \n')]);
    const s = scanCollection(bom, null, 10)!;
    expect(s.data).toEqual(buildTable({ dataElements: [{ id: "a" }, { name: "B" }] }));
    expect(s.pager).toBeUndefined();
    expect(scanCollection(bytes('{"indicators":[]}'), null, 10)!.data.rowCount).toBe(0);
  });

  it("gives up (the whole body is parsed instead) on anything but a plain collection", () => {
    const bad = [
      '{"a":[{"id":1}],"b":[{"id":2}]}', // two lists
      '{"dataElements":[1,2]}', // not objects
      '{"dataElements":[{"id":1},"x"]}',
      '{"pager":null,"dataElements":[{"id":1}]}',
      '{"dataElements":[{"id":1}],"dataElements":[{"id":2}]}', // a duplicate key
      '{"id":"x","name":"Me","organisationUnits":[{"id":"a"}]}', // /api/me
      '{"headers":[{"name":"dx"}],"rows":[["a"]]}', // an analytics grid
      '{"dataElements":[{"id":1},]}', // a trailing comma
      '{"dataElements":[{"id":1}]} x', // text after the end
      '{"dataElements":[{"id":1}', // cut short
      '{"dataElements":[{"id":"a\\"}]}', // an unterminated string
      '{"dataElements":[{"id":1 2}]}', // a syntax error inside an item
      "{}",
      '[{"id":1}]',
      "",
    ];
    for (const text of bad) expect(scanCollection(bytes(text), null, 10), text).toBeNull();
  });

  it("is what parseBodySync uses for a large collection: the same table, pager and tree preview", () => {
    const n = Math.ceil(LARGE_BODY / 80) + 100;
    const list = Array.from({ length: n }, (_, i) => ({ id: `ou${String(i).padStart(9, "0")}`, name: `Facility ${i} é`, level: i % 5, parent: { id: "p", name: "Bo" } }));
    const json = { pager: { page: 1, pageCount: 1, total: n, pageSize: n }, organisationUnits: list };
    const buf = bytes(JSON.stringify(json));
    expect(buf.byteLength).toBeGreaterThan(LARGE_BODY);
    // Never the whole body as one string: only slices are parsed.
    const parse = vi.spyOn(JSON, "parse");
    const p = parseBodySync(buf, "application/json", "id,name");
    const longest = Math.max(...parse.mock.calls.map((c) => String(c[0]).length));
    parse.mockRestore();
    expect(longest).toBeLessThan(LARGE_BODY / 2);
    expect(p.isJson).toBe(true);
    expect(p.textDeferred).toBe(true);
    expect(p.pager).toEqual({ page: 1, pageCount: 1, total: n, pageSize: n });
    const t = p.table!;
    expect(t.rowCount).toBe(n);
    expect(t.columns.map((c) => c.id)).toEqual(["id", "name", "level", "parent.id", "parent.name"]);
    expect(t.columns.map((c) => c.numeric)).toEqual([false, false, true, false, false]);
    expect(cellText(t, 1, n - 1)).toBe(`Facility ${n - 1} é`);
    expect(p.preview).toEqual({ json: { ...json, organisationUnits: list.slice(0, TREE_PREVIEW_ITEMS) }, shown: TREE_PREVIEW_ITEMS, total: n });
  });

  it("leaves a large body that is not valid JSON to the whole-body parse, which shows it as text", () => {
    const text = '{"organisationUnits":[' + '{"id":"a","name":"x"},'.repeat(Math.ceil(LARGE_BODY / 22)) + '{"id":"b" "name":"y"}]}';
    const p = parseBodySync(bytes(text), "application/json");
    expect(p.isJson).toBe(false);
    expect(p.table).toBeUndefined();
    expect(p.text.length).toBe(text.length);
  });
});

describe("laying out a large body's text from its bytes", () => {
  const decode = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);

  it("gives exactly JSON.stringify(value, null, 2) for what JSON.stringify wrote, compact or indented", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const { json } = body(r, 1 + Math.floor(r() * 30));
      const expected = JSON.stringify(json, null, 2);
      expect(decode(prettyJson(bytes(JSON.stringify(json)))), `seed ${seed}`).toBe(expected);
      expect(decode(prettyJson(bytes(JSON.stringify(json, null, "\t") + "\r\n"))), `seed ${seed}`).toBe(expected);
    }
    for (const v of [[], {}, [[]], { a: {} }, "x", 12, null, [1, [2, { b: [] }]], { "k:,[{": "v]}\\\"" }]) {
      expect(decode(prettyJson(bytes(JSON.stringify(v))))).toBe(JSON.stringify(v, null, 2));
    }
  });

  it("keeps the server's spelling of strings and numbers", () => {
    expect(decode(prettyJson(bytes('{"a":"\\u00e9\\/","b":1.0E3}')))).toBe('{\n  "a": "\\u00e9\\/",\n  "b": 1.0E3\n}');
  });

  it("gives up on brackets that do not balance or a string that never closes", () => {
    for (const bad of ['{"a":[1}', '{"a":1', '"open', "]", '{"a":"b\\"}']) expect(prettyJson(bytes(bad)), bad).toBeNull();
  });
});
