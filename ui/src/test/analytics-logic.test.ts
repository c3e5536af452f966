import { describe, expect, it, vi } from "vitest";
import type { AnalyticsRunResult, PreparedQuery, QueryItem, SavedQuestion } from "../bindings";
import { chartFit } from "../analytics/chart";
import { diffKeys, highlighted, rowKey } from "../analytics/compare";
import { dataGroups, hitToItem, itemKindKey, programIndicatorGroup } from "../analytics/items";
import { defaultLayout, effectiveLayout, layoutProblem, place, placeOf } from "../analytics/layout";
import { loadChildren, loadGroups, loadLevels, loadRoots } from "../analytics/orgunits";
import {
  fixedPeriodId,
  fixedPeriodLabel,
  isoWeeksInYear,
  isoWeekStart,
  parseFixedPeriod,
  periodLabel,
  periodsOf,
  RELATIVE_GROUPS,
  RELATIVE_PERIODS,
  relativeKey,
} from "../analytics/periods";
import { EMPTY_QUERY, missingParts, reduce } from "../analytics/query";
import { acceptedQuery, initialAccepted } from "../analytics/runon";
import { freeName, requestPath, searchSaved } from "../analytics/saved";
import { dictionaries, LANGUAGES, translate } from "../i18n";

const DHIS2_RELATIVE = (
  "TODAY YESTERDAY LAST_3_DAYS LAST_7_DAYS LAST_14_DAYS LAST_30_DAYS LAST_60_DAYS LAST_90_DAYS LAST_180_DAYS THIS_WEEK LAST_WEEK " +
  "THIS_BIWEEK LAST_BIWEEK LAST_4_WEEKS LAST_4_BIWEEKS LAST_12_WEEKS LAST_52_WEEKS WEEKS_THIS_YEAR THIS_MONTH LAST_MONTH LAST_3_MONTHS " +
  "LAST_6_MONTHS LAST_12_MONTHS MONTHS_THIS_YEAR MONTHS_LAST_YEAR THIS_BIMONTH LAST_BIMONTH LAST_6_BIMONTHS BIMONTHS_THIS_YEAR " +
  "THIS_QUARTER LAST_QUARTER LAST_4_QUARTERS QUARTERS_THIS_YEAR QUARTERS_LAST_YEAR THIS_SIX_MONTH LAST_SIX_MONTH LAST_2_SIXMONTHS " +
  "THIS_YEAR LAST_YEAR LAST_5_YEARS LAST_10_YEARS THIS_FINANCIAL_YEAR LAST_FINANCIAL_YEAR LAST_5_FINANCIAL_YEARS LAST_10_FINANCIAL_YEARS"
).split(" ");

describe("relative periods", () => {
  it("offers exactly DHIS2's 45 keywords, each once, in six groups", () => {
    expect(RELATIVE_PERIODS).toHaveLength(45);
    expect([...RELATIVE_PERIODS].sort()).toEqual([...DHIS2_RELATIVE].sort());
    expect(RELATIVE_GROUPS.map((g) => g.group)).toEqual(["days", "weeks", "months", "quarters", "years", "financialYears"]);
  });

  for (const lang of LANGUAGES) {
    it(`has a plain-words label for all 45 in ${lang}, all different`, () => {
      const dict = dictionaries[lang] as Record<string, string>;
      const labels = DHIS2_RELATIVE.map((id) => dict[relativeKey(id)]);
      expect(labels.every((l) => typeof l === "string" && l.trim() && !l.includes("_"))).toBe(true);
      expect(new Set(labels).size).toBe(45);
      for (const g of RELATIVE_GROUPS) expect(dict[`rpg.${g.group}`]).toBeTruthy();
    });
  }

  it("labels read naturally", () => {
    const t = (lang: (typeof LANGUAGES)[number]) => (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v);
    expect(periodLabel(t("en"), "en", "LAST_12_MONTHS")).toBe("Last 12 months");
    expect(periodLabel(t("fr"), "fr", "LAST_12_MONTHS")).toBe("12 derniers mois");
    expect(periodLabel(t("es"), "es", "THIS_YEAR")).toBe("Este año");
    expect(periodLabel(t("pt"), "pt", "LAST_4_QUARTERS")).toBe("Últimos 4 trimestres");
  });
});

describe("fixed periods", () => {
  const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate("en", k, v);
  it("gives DHIS2's ISO ids per period type", () => {
    expect(fixedPeriodId({ type: "monthly", year: 2024, index: 1 })).toBe("202401");
    expect(fixedPeriodId({ type: "monthly", year: 2024, index: 12 })).toBe("202412");
    expect(fixedPeriodId({ type: "quarterly", year: 2024, index: 1 })).toBe("2024Q1");
    expect(fixedPeriodId({ type: "yearly", year: 2024, index: 1 })).toBe("2024");
    expect(fixedPeriodId({ type: "weekly", year: 2024, index: 1 })).toBe("2024W1");
    expect(fixedPeriodId({ type: "sixMonthly", year: 2024, index: 2 })).toBe("2024S2");
    expect(periodsOf("monthly", 2024).map(fixedPeriodId)).toEqual(["202401", "202402", "202403", "202404", "202405", "202406", "202407", "202408", "202409", "202410", "202411", "202412"]);
    expect(periodsOf("quarterly", 2023).map(fixedPeriodId)).toEqual(["2023Q1", "2023Q2", "2023Q3", "2023Q4"]);
    expect(periodsOf("yearly", 2024).map(fixedPeriodId).slice(0, 3)).toEqual(["2024", "2023", "2022"]);
  });

  it("knows ISO weeks (53 in 2020 and 2026, 52 in 2024) and where they start", () => {
    expect(isoWeeksInYear(2020)).toBe(53);
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeeksInYear(2024)).toBe(52);
    expect(periodsOf("weekly", 2020).at(-1)).toEqual({ type: "weekly", year: 2020, index: 53 });
    expect(isoWeekStart(2024, 1).toISOString().slice(0, 10)).toBe("2024-01-01");
    expect(isoWeekStart(2021, 1).toISOString().slice(0, 10)).toBe("2021-01-04");
  });

  it("reads ids back and labels them", () => {
    for (const id of ["202401", "2024Q1", "2024", "2024W1", "2024S1"]) expect(fixedPeriodId(parseFixedPeriod(id)!)).toBe(id);
    expect(parseFixedPeriod("202413")).toBeNull();
    expect(parseFixedPeriod("2024Q5")).toBeNull();
    expect(parseFixedPeriod("2024W53")).toBeNull();
    expect(fixedPeriodLabel(t, "en", { type: "monthly", year: 2024, index: 1 })).toBe("January 2024");
    expect(fixedPeriodLabel(t, "en", { type: "quarterly", year: 2024, index: 1 })).toBe("Quarter 1 2024 (January–March)");
    expect(fixedPeriodLabel(t, "en", { type: "sixMonthly", year: 2024, index: 2 })).toBe("Half 2 2024 (July–December)");
    expect(fixedPeriodLabel(t, "en", { type: "weekly", year: 2024, index: 1 })).toBe("Week 1 2024 (Jan 1 – Jan 7)");
    expect(periodLabel((k, v) => translate("fr", k, v), "fr", "202403")).toBe("Mars 2024");
    expect(periodLabel(t, "en", "LEVEL-2")).toBe("LEVEL-2");
  });
});

const de = (id: string, name: string): QueryItem => ({ id, name, code: null, kind: "dataElements" });

describe("builder state", () => {
  it("adds items once, removes and toggles them (the chips)", () => {
    let q = reduce(EMPTY_QUERY, { type: "add", dim: "dx", item: de("fbfJHSPpUQD", "ANC 1st visit") });
    q = reduce(q, { type: "add", dim: "dx", item: de("fbfJHSPpUQD", "ANC 1st visit") });
    q = reduce(q, { type: "add", dim: "dx", item: de("cYeuwXTCPkU", "ANC 2nd visit") });
    expect(q.data.map((i) => i.name)).toEqual(["ANC 1st visit", "ANC 2nd visit"]);
    q = reduce(q, { type: "remove", dim: "dx", id: "fbfJHSPpUQD" });
    expect(q.data.map((i) => i.id)).toEqual(["cYeuwXTCPkU"]);
    q = reduce(q, { type: "toggle", dim: "pe", item: { id: "LAST_12_MONTHS", name: null, code: null, kind: null } });
    expect(q.periods.map((i) => i.id)).toEqual(["LAST_12_MONTHS"]);
    q = reduce(q, { type: "toggle", dim: "pe", item: { id: "LAST_12_MONTHS", name: null, code: null, kind: null } });
    expect(q.periods).toEqual([]);
    expect(missingParts(q)).toEqual(["builder.needPeriod", "builder.needOrgUnit"]);
  });

  it("keeps layout null (the core's default) until the user moves a dimension", () => {
    let q = reduce(EMPTY_QUERY, { type: "add", dim: "dx", item: de("a1234567890", "A") });
    expect(q.layout).toBeNull();
    expect(effectiveLayout(q)).toEqual({ rows: ["ou"], columns: ["pe"], filters: ["dx"] });
    q = reduce(q, { type: "place", dim: "dx", to: "columns" });
    expect(q.layout).toEqual({ rows: ["ou"], columns: ["pe", "dx"], filters: [] });
    q = reduce(q, { type: "totals", on: true });
    expect(q.totals).toBe(true);
    expect(reduce(q, { type: "resetLayout" }).layout).toBeNull();
  });

  it("turns search hits into items that keep name, code and kind; data sets as reporting rates", () => {
    expect(hitToItem({ id: "BfMAe6Itzgt", name: "Child Health", code: "DS_1", kind: "dataSets", path: "" })).toEqual({ id: "BfMAe6Itzgt.REPORTING_RATE", name: "Child Health", code: "DS_1", kind: "dataSets" });
    expect(hitToItem({ id: "fbfJHSPpUQD", name: "ANC 1st visit", code: "DE_1", kind: "dataElements", path: "" }).id).toBe("fbfJHSPpUQD");
    expect(itemKindKey({ id: "x.REPORTING_RATE", name: null, code: null, kind: "dataSets" })).toBe("item.reportingRate");
    const groups = dataGroups([
      { kind: "organisationUnits", hits: [{ id: "o", name: "Bo", code: null, kind: "organisationUnits", path: "" }], total: 1 },
      { kind: "dataSets", hits: [{ id: "d", name: "DS", code: null, kind: "dataSets", path: "" }], total: 1 },
      { kind: "dataElements", hits: [{ id: "e", name: "DE", code: null, kind: "dataElements", path: "" }], total: 1 },
    ]);
    expect(groups.map((g) => g.kind)).toEqual(["dataElements", "dataSets"]);
    expect(programIndicatorGroup({ programIndicators: [{ id: "GSae40Fyppf", displayName: "Age at visit" }] })?.hits[0]).toMatchObject({ id: "GSae40Fyppf", name: "Age at visit", kind: "programIndicators" });
  });
});

describe("layout", () => {
  it("defaults: org units rows, periods columns, data filter when one item", () => {
    expect(defaultLayout(1)).toEqual({ rows: ["ou"], columns: ["pe"], filters: ["dx"] });
    expect(defaultLayout(3)).toEqual({ rows: ["dx", "ou"], columns: ["pe"], filters: [] });
  });
  it("moves a dimension and keeps each placed once", () => {
    const l = place(defaultLayout(1), "ou", "filters");
    expect(l).toEqual({ rows: [], columns: ["pe"], filters: ["dx", "ou"] });
    expect(placeOf(l, "ou")).toBe("filters");
    expect(layoutProblem(l)).toBeNull();
    expect(layoutProblem(place(l, "pe", "filters"))).toBe("layout.allFilters");
  });
});

describe("org units (through browse_get)", () => {
  it("reads the user's org units, children (without the parent), levels and groups", async () => {
    const get = vi.fn(async (path: string) => {
      if (path === "/api/me") return { organisationUnits: [{ id: "ImspTQPwCqd", displayName: "Sierra Leone" }] };
      if (path.endsWith("/children"))
        return { organisationUnits: [{ id: "ImspTQPwCqd", displayName: "Sierra Leone", leaf: false }, { id: "b", displayName: "Bombali", leaf: false }, { id: "a", displayName: "Bo", leaf: true }] };
      if (path === "/api/organisationUnitLevels") return { organisationUnitLevels: [{ id: "y", level: 2, displayName: "District" }, { id: "x", level: 1, displayName: "National" }] };
      return { organisationUnitGroups: [{ id: "g", displayName: "CHC" }] };
    });
    expect(await loadRoots(get)).toEqual([{ id: "ImspTQPwCqd", name: "Sierra Leone", leaf: null }]);
    expect(await loadChildren(get, "ImspTQPwCqd")).toEqual([{ id: "a", name: "Bo", leaf: true }, { id: "b", name: "Bombali", leaf: false }]);
    expect(get).toHaveBeenCalledWith("/api/organisationUnits/ImspTQPwCqd/children", [["fields", "id,displayName,leaf"], ["paging", "false"]]);
    expect(await loadLevels(get)).toEqual([{ level: 1, name: "National" }, { level: 2, name: "District" }]);
    expect(await loadGroups(get)).toEqual([{ id: "g", name: "CHC" }]);
    // 2.40: `/children` answers {children: […]}.
    expect(await loadChildren(async () => ({ children: [{ id: "k", displayName: "Kenema" }] }), "p")).toEqual([{ id: "k", name: "Kenema", leaf: null }]);
  });
});

describe("run on another instance", () => {
  const prepared: PreparedQuery = {
    query: { ...EMPTY_QUERY, data: [de("xbfJHSPpUQD", "ANC 1st visit"), { id: "zzzzzzzzzzz.REPORTING_RATE", name: "Child Health", code: null, kind: "dataSets" }], orgUnits: [{ id: "LEVEL-2", name: "Each District", code: null, kind: null }] },
    missing: [
      { dimension: "dx", item: de("fbfJHSPpUQD", "ANC 1st visit"), replacement: de("xbfJHSPpUQD", "ANC 1st visit"), matchedBy: "code" },
      { dimension: "dx", item: { id: "BfMAe6Itzgt.REPORTING_RATE", name: "Child Health", code: null, kind: "dataSets" }, replacement: { id: "zzzzzzzzzzz", name: "Child Health", code: null, kind: "dataSets" }, matchedBy: "name" },
      { dimension: "ou", item: { id: "O6uvpzGd5pu", name: "Bo", code: null, kind: "organisationUnits" }, replacement: null, matchedBy: null },
    ],
  };
  it("accepts every replacement at first and drops those the user turns down", () => {
    expect(initialAccepted(prepared)).toEqual([true, true, false]);
    expect(acceptedQuery(prepared, [true, true, false])).toEqual(prepared.query);
    expect(acceptedQuery(prepared, [true, false, false]).data.map((i) => i.id)).toEqual(["xbfJHSPpUQD"]);
  });
});

describe("compare highlighting", () => {
  const grid: AnalyticsRunResult["grid"] = {
    headers: [
      { name: "ou", column: "Organisation unit", valueType: "TEXT", meta: true },
      { name: "col:202401", column: "January 2024", valueType: "NUMBER", meta: false },
      { name: "total", column: "Total", valueType: "NUMBER", meta: false },
    ],
    rows: [["Bo", "12", "12"], ["Kenema", "5", "5"]],
    metaData: { items: {} },
  };
  it("keys cells like the core and marks the differing ones", () => {
    expect(rowKey(grid, ["Bo", "12", "12"])).toBe("Bo");
    const marks = highlighted(grid, diffKeys([{ row: "Kenema", column: "January 2024", left: "5", right: "6" }]));
    expect(marks).toEqual([[false, false, false], [false, true, false]]);
  });
});

describe("saved questions helpers", () => {
  const list: SavedQuestion[] = [
    { id: "1", name: "ANC coverage", question: { kind: "analytics", query: { ...EMPTY_QUERY, data: [de("a", "ANC 1st visit")] } }, updatedAt: 1 },
    { id: "2", name: "Malaria élément", question: { kind: "request", path: "/api/dataElements", query: [["fields", "id,name"]] }, updatedAt: 2 },
  ];
  it("searches names and items, ignoring case and accents", () => {
    expect(searchSaved(list, "anc").map((s) => s.id)).toEqual(["1"]);
    expect(searchSaved(list, "1st visit").map((s) => s.id)).toEqual(["1"]);
    expect(searchSaved(list, "ELEMENT").map((s) => s.id)).toEqual(["2"]);
    expect(searchSaved(list, "  ")).toHaveLength(2);
    expect(requestPath("/api/dataElements", [["fields", "id,name"]])).toBe("/api/dataElements?fields=id%2Cname");
    expect(freeName(list, "ANC coverage")).toBe("ANC coverage (2)");
  });
});

describe("chart data", () => {
  const headers = [
    { name: "ou", column: "Organisation unit", valueType: "TEXT", meta: true },
    { name: "col:202401", column: "January 2024", valueType: "NUMBER", meta: false },
    { name: "col:202402", column: "February 2024", valueType: "NUMBER", meta: false },
    { name: "total", column: "Total", valueType: "NUMBER", meta: false },
  ];
  it("one category per row and one series per column, totals left out", () => {
    const d = chartFit({ headers, rows: [["Bo", "10", "", "10"], ["Kenema", "4", "6", "10"], ["Total", "14", "6", "20"]], metaData: { items: {} } })!;
    expect(d).not.toHaveProperty("tooBig");
    if ("tooBig" in d) return;
    expect(d.categories).toEqual(["Bo", "Kenema"]);
    expect(d.series).toEqual([{ name: "January 2024", values: [10, 4] }, { name: "February 2024", values: [null, 6] }]);
    expect([d.min, d.max]).toEqual([4, 10]);
  });
  it("is too big when it does not fit on one screen: 30 rows, 12 value columns, 160 values", () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => [`OU ${i}`, "1", "2", "3"]);
    expect(chartFit({ headers, rows: rows(30), metaData: { items: {} } })).toHaveProperty("categories");
    expect(chartFit({ headers, rows: rows(31), metaData: { items: {} } })).toEqual({ tooBig: { rows: 31, columns: 2 } });
    const wide = [headers[0]!, ...Array.from({ length: 13 }, (_, i) => ({ name: `col:${i}`, column: `C${i}`, valueType: "NUMBER", meta: false }))];
    expect(chartFit({ headers: wide, rows: [["Bo", ...Array(13).fill("1")]], metaData: { items: {} } })).toEqual({ tooBig: { rows: 1, columns: 13 } });
    const twelve = wide.slice(0, 13);
    expect(chartFit({ headers: twelve, rows: Array.from({ length: 14 }, (_, i) => [`OU ${i}`, ...Array(12).fill("1")]), metaData: { items: {} } })).toEqual({ tooBig: { rows: 14, columns: 12 } });
  });
  it("is null when there is no number to draw", () => {
    expect(chartFit({ headers, rows: [["Bo", "", "", ""]], metaData: { items: {} } })).toBeNull();
    expect(chartFit({ headers, rows: Array.from({ length: 40 }, (_, i) => [`OU ${i}`, "", "", ""]), metaData: { items: {} } })).toBeNull();
    expect(chartFit({ headers: headers.slice(0, 1), rows: [["Bo"]], metaData: { items: {} } })).toBeNull();
  });
});
