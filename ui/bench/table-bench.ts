// Benchmark (not a test) of the table view's data work for a large collection: building the
// table from the JSON DHIS2 sends, then sorting and filtering it. This is the code the parse
// worker runs in the app (ui/src/table), timed here in Node on the same machine.
// Prints Markdown table rows (figure | median | min | max | runs | notes).
// Usage: npm run bench [-- rows]   (bench:smoke runs 2,000 rows once)
import { buildTable } from "../src/table/build";
import { scanCollection } from "../src/table/scan";
import { prettyJson } from "../src/text/pretty";
import { filterRows, queryRows, rowHaystacks } from "../src/table/query";

const rows = Number(process.argv[2] ?? 400_000);
const runs = Number(process.argv[3] ?? 5);

const items = Array.from({ length: rows }, (_, i) => ({
  id: `OU${String(i).padStart(9, "0")}`,
  displayName: `Facility ${i} Bo district Chiefdom ${i % 157}`,
  level: 4 + (i % 2),
  parent: { id: `c${String(Math.floor(i / 100)).padStart(9, "0")}` },
}));
const body = JSON.stringify({ pager: { page: 1, pageCount: 1, total: rows, pageSize: rows }, organisationUnits: items });

function time(what: string, f: () => void, notes = ""): void {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const f0 = (x: number) => `${Math.round(x)} ms`;
  console.log(`| ${what} | ${f0(ms[Math.floor(ms.length / 2)]!)} | ${f0(ms[0]!)} | ${f0(ms[ms.length - 1]!)} | ${runs} | ${notes} |`);
}

const fmt = (n: number) => n.toLocaleString("en");
let table = buildTable(JSON.parse(body))!;
time(`build the table from ${fmt(rows)} rows of JSON (parse + flatten)`, () => {
  table = buildTable(JSON.parse(body))!;
}, `${(body.length / 1048576).toFixed(1)} MB of JSON`);
const bytes = new TextEncoder().encode(body);
time(`build the same table from the body's bytes, a slice at a time (the app, bodies over 5 MB)`, () => {
  table = scanCollection(bytes, null, 1000)!.data;
}, "never the whole text or every item as an object at once");
const prettyMb = (prettyJson(bytes)!.length / 1048576).toFixed(1);
time(`lay out the same body's text from its bytes (the text view)`, () => void prettyJson(bytes), `${prettyMb} MB of text`);
const name = table.columns.findIndex((c) => c.id === "displayName");
const level = table.columns.findIndex((c) => c.id === "level");
time(`sort ${fmt(rows)} rows by name`, () => void queryRows(table, { column: name, desc: false }, ""));
time(`sort ${fmt(rows)} rows by a number column`, () => void queryRows(table, { column: level, desc: true }, ""));
const hay = rowHaystacks(table);
time(`filter ${fmt(rows)} rows by text ("chiefdom 42")`, () => void filterRows(table, "chiefdom 42", hay), "after the one-off text index");
