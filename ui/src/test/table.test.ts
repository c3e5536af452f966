import { describe, expect, it } from "vitest";
import { buildTable, detectShape, flattenObject } from "../table/build";
import { fieldOrder, orderColumns, parseFields } from "../table/fields";
import { cellText, packTable } from "../table/pack";
import { filterRows, queryRows, sortRows } from "../table/query";
import { isUid } from "../table/model";
import { parseBodySync } from "../json/parseCore";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).buffer as ArrayBuffer;

describe("collection and grid detection", () => {
  it("takes {pager?, <plural>: [objects]} as a collection", () => {
    expect(detectShape({ pager: { page: 1 }, dataElements: [{ id: "a" }] })).toMatchObject({ kind: "collection", plural: "dataElements" });
    expect(detectShape({ indicators: [] })).toMatchObject({ kind: "collection", plural: "indicators" });
  });
  it("takes {headers, rows, metaData} as an analytics grid", () => {
    expect(detectShape({ headers: [{ name: "dx" }], rows: [["a"]], metaData: { items: {} }, width: 1 })).toMatchObject({ kind: "grid" });
  });
  it("leaves other JSON alone", () => {
    expect(detectShape({ id: "x", name: "Me", organisationUnits: [{ id: "a" }] })).toBeNull(); // /api/me
    expect(detectShape({ version: "2.41" })).toBeNull();
    expect(detectShape({ a: [{ id: 1 }], b: [{ id: 2 }] })).toBeNull(); // two arrays
    expect(detectShape({ dataElements: [1, 2] })).toBeNull(); // not objects
    expect(detectShape({ dataElements: [{ id: 1 }, "x"] })).toBeNull();
    expect(detectShape([{ id: 1 }])).toBeNull();
    expect(detectShape(null)).toBeNull();
    expect(detectShape("text")).toBeNull();
  });
});

describe("fields= parsing", () => {
  it("reads nested brackets, renames, exclusions and presets", () => {
    expect(parseFields("id,parent[id,name]")).toEqual([
      { key: "id", children: [], excluded: false },
      { key: "parent", excluded: false, children: [{ key: "id", children: [], excluded: false }, { key: "name", children: [], excluded: false }] },
    ]);
    expect(fieldOrder("id,name~rename(label),parent[id,parent[name]],!created,:owner")).toEqual(["id", "label", "parent.id", "parent.parent.name", "*"]);
    expect(fieldOrder("displayName::rename(n),*")).toEqual(["n", "*"]);
    expect(fieldOrder("")).toEqual([]);
    expect(fieldOrder(null)).toEqual([]);
  });
  it("orders columns by fields=, wildcards in place, unknown ones last, else first-seen", () => {
    const seen = ["name", "id", "parent.name", "parent.id", "organisationUnits[].name", "created"];
    expect(orderColumns(seen, "id,parent[id,name],organisationUnits[name],name")).toEqual([
      "id", "parent.id", "parent.name", "organisationUnits[].name", "name", "created",
    ]);
    expect(orderColumns(seen, "created,*")).toEqual(["created", "name", "id", "parent.name", "parent.id", "organisationUnits[].name"]);
    expect(orderColumns(seen, "parent,id")).toEqual(["parent.name", "parent.id", "id", "name", "organisationUnits[].name", "created"]);
    expect(orderColumns(seen, undefined)).toEqual(seen);
  });
});

describe("flattening and columns", () => {
  it("flattens nested objects with dots and joins arrays", () => {
    const out = new Map<string, string>();
    flattenObject(
      { id: "a", n: 3, ok: true, none: null, parent: { id: "p", parent: { name: "Top" } }, organisationUnits: [{ id: "o1", name: "A" }, { id: "o2", name: "B" }], tags: ["x", "y"], empty: [] },
      out,
    );
    expect(Object.fromEntries(out)).toEqual({
      id: "a", n: "3", ok: "true", none: "", "parent.id": "p", "parent.parent.name": "Top",
      "organisationUnits[].id": "o1, o2", "organisationUnits[].name": "A, B", tags: "x, y", empty: "",
    });
  });
  it("builds columns in fields= order, first-seen otherwise, and marks numeric ones", () => {
    const t = buildTable({ pager: { page: 1 }, dataElements: [{ name: "ANC", id: "fbfJHSPpUQD" }, { name: "BCG", id: "x", created: "2020", zeroIsSignificant: 5 }, { id: "y", zeroIsSignificant: 12 }] }, "id,name")!;
    expect(t.kind).toBe("collection");
    expect(t.plural).toBe("dataElements");
    expect(t.columns.map((c) => c.id)).toEqual(["id", "name", "created", "zeroIsSignificant"]);
    expect(t.values[1]).toEqual(["ANC", "BCG", ""]);
    expect(t.columns.map((c) => c.numeric)).toEqual([false, false, true, true]);
    const first = buildTable({ items: [{ b: 1, a: 2 }, { c: 3 }] })!;
    expect(first.columns.map((c) => c.id)).toEqual(["b", "a", "c"]);
  });
  it("names analytics headers by column and shows metaData names instead of UIDs", () => {
    const t = buildTable({
      headers: [{ name: "dx", column: "Data", meta: true }, { name: "ou", column: "Organisation unit", meta: true }, { name: "value", column: "Value", meta: false }],
      rows: [["fbfJHSPpUQD", "ImspTQPwCqd", "12"], ["cYeuwXTCPkU", "ImspTQPwCqd", "7.5"]],
      metaData: { items: { fbfJHSPpUQD: { name: "ANC 1st visit" }, cYeuwXTCPkU: { name: "ANC 2nd visit" }, ImspTQPwCqd: { name: "Sierra Leone" } } },
    })!;
    expect(t.kind).toBe("grid");
    expect(t.columns.map((c) => c.label)).toEqual(["Data", "Organisation unit", "Value"]);
    expect(t.values[0]).toEqual(["ANC 1st visit", "ANC 2nd visit"]);
    expect(t.values[1]).toEqual(["Sierra Leone", "Sierra Leone"]);
    expect(t.columns[2]!.numeric).toBe(true);
  });
  it("packs columns and reads cells back (including long and non-ASCII text)", () => {
    const long = "é".repeat(20000);
    const t = buildTable({ xs: [{ a: "Côte d’Ivoire" }, { a: "" }, { a: long }] })!;
    const p = packTable(1, t);
    expect(cellText(p, 0, 0)).toBe("Côte d’Ivoire");
    expect(cellText(p, 0, 1)).toBe("");
    expect(cellText(p, 0, 2)).toBe(long);
    expect(cellText(p, 5, 0)).toBe("");
  });
  it("packs as UTF-8: plain ASCII takes one byte a character, any other text reads back as the encoder wrote it", () => {
    const ascii = packTable(1, buildTable({ xs: [{ a: "Bo" }, { a: "Kenema" }] })!);
    expect(ascii.packed[0]!.bytes.byteLength).toBe(8);
    expect(Array.from(ascii.packed[0]!.offsets)).toEqual([0, 2, 8]);
    const odd = ["é", "a😀b", "日本", "", "\ud800", "\udc00x", "\ud83d", "\ude00", "end", "\ufefflead", "\ufeff"];
    const p = packTable(2, buildTable({ xs: odd.map((a) => ({ a })) })!);
    const utf8 = (s: string) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(new TextEncoder().encode(s));
    expect(odd.map((_, r) => cellText(p, 0, r))).toEqual(odd.map(utf8));
    expect(cellText(p, 0, 1)).toBe("a😀b");
    // A leading U+FEFF is part of the value, not a byte-order mark to drop.
    expect(cellText(p, 0, 9)).toBe("\ufefflead");
    const plain = packTable(3, buildTable({ xs: [{ a: "\ufeffx" }, { a: "y" }] })!);
    expect(cellText(plain, 0, 0)).toBe("\ufeffx");
  });
  it("flattens nested objects and arrays the same way for every row", () => {
    const t = buildTable({
      things: [
        { a: [{ x: 1, y: { z: 2 } }, { x: 3 }], b: { c: { d: 1 }, e: {} }, f: [1, "x", null], g: null },
        { b: { c: { d: 2 } }, h: true, a: [] },
      ],
    })!;
    expect(t.columns.map((c) => c.id)).toEqual(["a[].x", "a[].y.z", "b.c.d", "b.e", "f", "g", "h", "a"]);
    expect(t.values).toEqual([["1, 3", ""], ["2", ""], ["1", "2"], ["", ""], ["1, x, ", ""], ["", ""], ["", "true"], ["", ""]]);
  });
  it("parseBodySync attaches a table only to collections and grids", () => {
    expect(parseBodySync(enc({ dataElements: [{ id: "a" }] }), "application/json", "id").table?.rowCount).toBe(1);
    expect(parseBodySync(enc({ id: "a" }), "application/json").table).toBeUndefined();
  });
  it("recognises DHIS2 UIDs", () => {
    expect(isUid("fbfJHSPpUQD")).toBe(true);
    expect(isUid("1bfJHSPpUQD")).toBe(false);
    expect(isUid("fbfJHSPpUQ")).toBe(false);
    expect(isUid("fbfJHSPp-QD")).toBe(false);
  });
});

describe("sorting and filtering", () => {
  const t = buildTable({
    xs: [
      { name: "measles", n: 10 },
      { name: "ANC 10", n: 2 },
      { name: "anc 2" },
      { name: "", n: 1 },
      { name: "Élan", n: 2 },
    ],
  })!;
  const all = () => Uint32Array.from([0, 1, 2, 3, 4]);
  it("sorts text naturally and case-insensitively, empty cells last, both directions", () => {
    expect([...sortRows(t, all(), { column: 0, desc: false })]).toEqual([2, 1, 4, 0, 3]);
    expect([...sortRows(t, all(), { column: 0, desc: true })]).toEqual([0, 4, 1, 2, 3]);
  });
  it("sorts numbers numerically and stably", () => {
    expect([...sortRows(t, all(), { column: 1, desc: false })]).toEqual([3, 1, 4, 0, 2]);
    expect([...sortRows(t, all(), { column: 1, desc: true })]).toEqual([0, 1, 4, 3, 2]);
  });
  it("filters on every word, any column, ignoring case", () => {
    expect([...filterRows(t, "anc")]).toEqual([1, 2]);
    expect([...filterRows(t, "ANC 2")]).toEqual([1, 2]); // "2" is in n=2 and in "anc 2"
    expect([...filterRows(t, "  ")]).toEqual([0, 1, 2, 3, 4]);
    expect([...filterRows(t, "zzz")]).toEqual([]);
    expect([...queryRows(t, { column: 0, desc: true }, "anc")]).toEqual([1, 2]);
  });
  it("handles 400,000 rows", () => {
    const items = Array.from({ length: 400_000 }, (_, i) => ({ id: `a${String(i).padStart(10, "0")}`, name: `Item ${(i * 7919) % 400_000}`, n: (i * 31) % 1000 }));
    const big = buildTable({ pager: {}, items })!;
    expect(big.rowCount).toBe(400_000);
    const byName = queryRows(big, { column: 1, desc: false }, "");
    expect(big.values[1]![byName[0]!]).toBe("Item 0");
    expect(big.values[1]![byName[1]!]).toBe("Item 1");
    const hits = queryRows(big, null, "item 39999");
    expect(hits.length).toBeGreaterThan(0);
    for (const r of hits) expect(`${big.values[0]![r]} ${big.values[1]![r]}`.toLowerCase()).toMatch(/item.*39999|39999.*item/);
  });
});

describe("large table responses", () => {
  it("keep their text in the engine until asked (so the window never copies hundreds of MB at once)", async () => {
    const { LARGE_BODY } = await import("../json/parseCore");
    const { responseText } = await import("../table/engine");
    const items = Array.from({ length: Math.ceil(LARGE_BODY / 40) }, (_, i) => ({ id: `a${String(i).padStart(10, "0")}`, name: `Item number ${i}` }));
    const parsed = parseBodySync(enc({ items }), "application/json");
    expect(parsed.large).toBe(true);
    expect(parsed.textDeferred).toBe(true);
    expect(parsed.text).toBe("");
    expect(parsed.table!.rowCount).toBe(items.length);
    const text = responseText(parsed.table!.id);
    expect(text.startsWith('{\n  "items": [')).toBe(true);
    expect(JSON.parse(text).items).toHaveLength(items.length);
  });
});
