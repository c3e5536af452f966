// Fake answers for the Analytics and Saved screens' tests.
import { encodeBrowseResponse } from "../api";
import type { AnalyticsQuery, AnalyticsRunResult, BrowseRequest, SearchResults } from "../bindings";

export const json = (body: unknown, status = 200) =>
  encodeBrowseResponse({ status, headers: [], elapsedMs: 1, sizeBytes: 2, contentType: "application/json", url: "" }, JSON.stringify(body));

/** browse_get for the builder: the user's org units, children, levels, groups, program indicators. */
export function orgUnitApi(request: BrowseRequest): ArrayBuffer | undefined {
  const p = request.path;
  if (p === "/api/me") return json({ organisationUnits: [{ id: "ImspTQPwCqd", displayName: "Sierra Leone" }] });
  if (p === "/api/organisationUnits/ImspTQPwCqd/children")
    return json({ organisationUnits: [{ id: "ImspTQPwCqd", displayName: "Sierra Leone", leaf: false }, { id: "O6uvpzGd5pu", displayName: "Bo", leaf: false }, { id: "fdc6uOvgoji", displayName: "Bombali", leaf: false }] });
  if (p === "/api/organisationUnits/O6uvpzGd5pu/children") return json({ organisationUnits: [{ id: "O6uvpzGd5pu", displayName: "Bo" }, { id: "YuQRtpLP10I", displayName: "Badjia", leaf: true }] });
  if (p === "/api/organisationUnitLevels")
    return json({ organisationUnitLevels: [{ id: "H1KlN4QIauv", level: 1, displayName: "National" }, { id: "wjP19dkFeIk", level: 2, displayName: "District" }] });
  if (p === "/api/organisationUnitGroups") return json({ organisationUnitGroups: [{ id: "CXw2yu5fodb", displayName: "CHC" }] });
  if (p === "/api/programIndicators") return json({ pager: { page: 1, pageCount: 1, total: 0, pageSize: 50 }, programIndicators: [] });
  return undefined;
}

export const SEARCH: SearchResults = {
  text: "anc",
  groups: [
    { kind: "dataElements", total: 2, hits: [{ id: "fbfJHSPpUQD", name: "ANC 1st visit", code: "DE_359596", kind: "dataElements", path: "/api/dataElements/fbfJHSPpUQD" }] },
    { kind: "dataSets", total: 1, hits: [{ id: "QX4ZTUbOt3a", name: "Reproductive Health", code: null, kind: "dataSets", path: "/api/dataSets/QX4ZTUbOt3a" }] },
    { kind: "organisationUnits", total: 1, hits: [{ id: "ImspTQPwCqd", name: "Ancient district", code: null, kind: "organisationUnits", path: "" }] },
  ],
};

export function runResult(instanceId: string, values: [string, string][] = [["Bo", "412"], ["Bombali", "387"]]): AnalyticsRunResult {
  const url = "https://hmis.example.org/api/analytics?dimension=ou:LEVEL-2&dimension=pe:LAST_12_MONTHS&filter=dx:fbfJHSPpUQD";
  return {
    instanceId,
    request: url.replace("https://hmis.example.org", ""),
    url,
    curl: `curl --fail-with-body -sS -u "jane:$DHIS2_PASSWORD" -H 'Accept: application/json' '${url}'`,
    rows: values.length,
    grid: {
      headers: [
        { name: "ou", column: "Organisation unit", valueType: "TEXT", meta: true },
        { name: "col:202401", column: "January 2024", valueType: "NUMBER", meta: false },
      ],
      rows: values.map(([a, b]) => [a, b]),
      metaData: { items: {} },
    },
  };
}

export const ANC_QUERY: AnalyticsQuery = {
  data: [{ id: "fbfJHSPpUQD", name: "ANC 1st visit", code: "DE_359596", kind: "dataElements" }],
  periods: [{ id: "LAST_12_MONTHS", name: "Last 12 months", code: null, kind: null }],
  orgUnits: [{ id: "LEVEL-2", name: "Each District", code: null, kind: null }],
  layout: null,
  totals: false,
};
