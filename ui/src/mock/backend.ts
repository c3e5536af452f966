// Dev-only fake backend: renders every screen in a plain browser (`VITE_MOCK_IPC=1` or `?mock=1` in dev).
// Never part of a production build (see main.tsx / vite.config.ts `__MOCK_IPC__`).
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { encodeBrowseResponse } from "../api";
import { compare, orgUnitBody, prepare, runAnalytics, savedCommand } from "./analytics";
import type {
  AboutInfo,
  AppRegistrationPlan,
  BrowseMeta,
  BrowseRequest,
  DeepLinkOutcome,
  DownloadResult,
  ExportRequest,
  ExportResult,
  HistoryEntry,
  Instance,
  InstanceInput,
  InstancesState,
  ObjectRef,
  ProbeResult,
  SearchHit,
  SearchResults,
  SessionStatus,
  VerifyResult,
} from "../bindings";

const params = new URLSearchParams(typeof location !== "undefined" ? location.search : "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

const noSecrets = { password: false, pat: false, clientSecret: false, token: false };

const instances: Instance[] = [
  {
    id: "sl-hmis",
    name: "Sierra Leone HMIS",
    baseUrl: "https://hmis.example.org",
    authKind: "oauth2",
    username: null,
    oauth2: { clientId: "dhis2w-desktop", scope: null, redirectMode: "loopback" },
    caCertPath: null,
    color: "#2e7d32",
    notes: "Production: read only, please",
    secrets: { ...noSecrets, token: true },
  },
  {
    id: "play",
    name: "DHIS2 Play 2.41",
    baseUrl: "https://play.im.dhis2.org/stable-2-41-3",
    authKind: "basic",
    username: "admin",
    oauth2: null,
    caCertPath: null,
    color: "#1565c0",
    notes: null,
    // Signed out: nothing stored (signing out of a Basic/PAT instance deletes its secret).
    secrets: { ...noSecrets },
  },
  {
    id: "training",
    name: "Training server",
    baseUrl: "https://training.example.org/dhis",
    authKind: "pat",
    username: null,
    oauth2: null,
    caCertPath: null,
    color: "#ef6c00",
    notes: null,
    secrets: { ...noSecrets, pat: true },
  },
];
let defaultId: string | null = "sl-hmis";
let activeId: string | null = "sl-hmis";
const storageMode = params.get("storage") === "session_only" ? "session_only" : "keyring";
let detailedLog = false;
if (params.get("empty") === "1") instances.splice(0);

/** Instances this computer is registered with ("Keep me signed in"); `?enrolled=1`: sl-hmis is. */
const enrolled = new Set<string>(params.get("enrolled") === "1" ? ["sl-hmis"] : []);
/** A SessionStatus with `deviceEnrolled` as the mock knows it. */
function session(instanceId: string, rest: Omit<SessionStatus, "instanceId" | "deviceEnrolled">): SessionStatus {
  return { instanceId, ...rest, deviceEnrolled: enrolled.has(instanceId) };
}
const signedOut = (instanceId: string) => session(instanceId, { state: "signed_out", user: null, expiresAt: null, scopes: [] });

const sessions: Record<string, SessionStatus> = {
  "sl-hmis": session("sl-hmis", {
    state: "signed_in",
    user: { username: "jane", displayName: "Jane" },
    expiresAt: now() + 42 * 60 + 30,
    scopes: ["ALL"],
  }),
  play: signedOut("play"),
  training: session("training", { state: "needs_sign_in", user: null, expiresAt: null, scopes: [] }),
};

// `?admin=1`: the password/PAT instances are signed in (their DHIS2 user is an administrator),
// so their cards offer "Register the app on this server…" at once.
if (params.get("admin") === "1") {
  for (const id of ["play", "training"]) {
    const inst = instances.find((i) => i.id === id);
    if (!inst) continue;
    inst.secrets = { ...inst.secrets, [inst.authKind === "basic" ? "password" : "pat"]: true };
    sessions[id] = session(id, { state: "signed_in", user: { username: inst.username ?? "admin", displayName: "John Traore" }, expiresAt: null, scopes: [] });
  }
}

const history: Record<string, HistoryEntry[]> = {
  "sl-hmis": [
    { id: "h1", path: "/api/dataElements", query: [["fields", "id,name,valueType"], ["filter", "name:ilike:malaria"]], status: 200, at: now() - 60, pinned: true },
    { id: "h2", path: "/api/me", query: [], status: 200, at: now() - 120, pinned: false },
    { id: "h3", path: "/api/organisationUnits", query: [["pageSize", "5"]], status: 200, at: now() - 600, pinned: false },
    { id: "h4", path: "/api/unknownThing", query: [], status: 404, at: now() - 900, pinned: false },
  ],
};

function state(): InstancesState {
  return {
    instances: [...instances],
    defaultId,
    activeId,
    storage: { mode: storageMode, detail: storageMode === "session_only" ? "No Secret Service provider found" : null },
    recovery:
      params.get("recovery") === "1"
        ? { backupPath: "/home/jane/.config/dhis2w-desktop/profiles.toml.broken-20250101T120000Z", reason: "TOML parse error at line 3, column 1" }
        : null,
    readOnly:
      params.get("readOnly") === "1"
        ? "The profiles file /home/jane/.config/dhis2w-desktop/profiles.toml was written by a newer version of dhis2w (format version 2; this version understands 1). It is left as it is and shown read-only; update dhis2w to see and change these instances."
        : null,
  };
}

function err(kind: string, message: string): never {
  throw { kind, message };
}

function fromInput(id: string, input: InstanceInput, old?: Instance): Instance {
  return {
    id,
    name: input.name,
    baseUrl: input.baseUrl,
    authKind: input.authKind,
    username: input.username,
    oauth2: input.oauth2,
    caCertPath: input.caCertPath,
    color: input.color,
    notes: input.notes,
    secrets: {
      password: Boolean(input.password) || Boolean(old?.secrets.password && input.authKind === "basic"),
      pat: Boolean(input.pat) || Boolean(old?.secrets.pat && input.authKind === "pat"),
      clientSecret: Boolean(input.clientSecret) || Boolean(old?.secrets.clientSecret),
      token: false,
    },
  };
}

function probe(address: string): ProbeResult {
  const a = address.trim().replace(/\/+$/, "");
  if (a.includes("offline") || !/^https?:\/\/|\./.test(a)) err("server_unreachable", `Could not connect to ${a}.`);
  if (a.includes("example.com")) err("not_dhis2", `${a} answered, but it is not a DHIS2 server.`);
  const url = /^https?:\/\//.test(a) ? a : `https://${a}`;
  const oauth = !url.includes("play");
  return {
    canonicalUrl: url,
    version: "2.41.3",
    systemName: url.includes("play") ? "DHIS2 Demo - Sierra Leone" : "Country HMIS",
    methods: {
      basic: { available: true, reason: null, code: null },
      pat: { available: true, reason: null, code: null },
      oauth2: oauth ? { available: true, reason: null, code: null } : { available: false, reason: "No OAuth2 client is configured on the server.", code: "oauth2_off" },
    },
    recommended: oauth ? "oauth2" : "pat",
    redirectUris: { loopback: "http://127.0.0.1:53682/callback", deepLink: "dhis2w://oauth/callback" },
  };
}

// ------------------------------------------------------------------ fake API bodies

const NAMES = ["ANC 1st visit", "ANC 2nd visit", "Malaria cases confirmed", "Measles doses given", "BCG doses given", "Penta 1 doses", "OPD attendance", "Deliveries by skilled staff", "Low birth weight", "Malaria RDT positive", "TB cases notified", "HIV tests done"];
const RESOURCES = ["dataElements", "indicators", "organisationUnits", "dataSets", "programs", "categoryCombos", "categoryOptions", "users", "userGroups", "optionSets", "trackedEntityTypes", "programStages", "visualizations", "dashboards", "maps"];

function listBody(kind: string, q: Map<string, string>): unknown {
  const total = kind === "organisationUnits" ? 1332 : kind === "dataElements" ? 1041 : 187;
  const pageSize = Number(q.get("pageSize") ?? 50) || 50;
  const page = Number(q.get("page") ?? 1) || 1;
  const pageCount = Math.ceil(total / pageSize);
  const items = Array.from({ length: Math.max(0, Math.min(pageSize, total - (page - 1) * pageSize)) }, (_, i) => {
    const n = (page - 1) * pageSize + i;
    return {
      id: `${kind.slice(0, 3)}${String(n).padStart(8, "0")}`.slice(0, 11),
      name: `${NAMES[n % NAMES.length]}${n >= NAMES.length ? ` (${Math.floor(n / NAMES.length)})` : ""}`,
      created: new Date(Date.UTC(2019, 0, 1) + n * 86_400_000).toISOString(),
      valueType: n % 3 ? "NUMBER" : "INTEGER_ZERO_OR_POSITIVE",
    };
  });
  if (q.get("paging") === "false") return { [kind]: items };
  return { pager: { page, pageCount, total, pageSize, nextPage: page < pageCount ? "…" : undefined }, [kind]: items };
}

function analyticsBody(): unknown {
  const dx = [["fbfJHSPpUQD", "ANC 1st visit"], ["cYeuwXTCPkU", "ANC 2nd visit"], ["s46m5MS0hxu", "BCG doses given"]];
  const ou = [["O6uvpzGd5pu", "Bo"], ["fdc6uOvgoji", "Bombali"], ["lc3eMKXaEfw", "Bonthe"]];
  const pe = ["202401", "202402", "202403"];
  const rows = dx.flatMap(([d], i) => ou.flatMap(([o], j) => pe.map((p, k) => [d, o, p, String(100 + i * 37 + j * 11 + k * 3)])));
  return {
    headers: [
      { name: "dx", column: "Data", valueType: "TEXT", meta: true },
      { name: "ou", column: "Organisation unit", valueType: "TEXT", meta: true },
      { name: "pe", column: "Period", valueType: "TEXT", meta: true },
      { name: "value", column: "Value", valueType: "NUMBER", meta: false },
    ],
    metaData: { items: Object.fromEntries([...dx, ...ou, ["202401", "January 2024"], ["202402", "February 2024"], ["202403", "March 2024"]].map(([k, name]) => [k, { name }])) },
    rows,
    height: rows.length,
    width: 4,
  };
}

let bigBody: Uint8Array | null = null;
function big(): Uint8Array {
  if (!bigBody) {
    const target = Number(params.get("bigMb") ?? 50) * 1024 * 1024;
    const parts: string[] = [];
    let size = 0;
    let i = 0;
    while (size < target) {
      const s = JSON.stringify({
        id: `de${String(i).padStart(9, "0")}`,
        name: `${NAMES[i % NAMES.length]} ${i}`,
        shortName: `DE ${i}`,
        created: "2020-01-01T00:00:00.000",
        valueType: "NUMBER",
        aggregationType: "SUM",
        domainType: "AGGREGATE",
        categoryCombo: { id: "bjDvmb4bfuf" },
        dataSetElements: [{ dataSet: { id: "BfMAe6Itzgt" } }],
      });
      parts.push(s);
      size += s.length + 1;
      i++;
    }
    bigBody = new TextEncoder().encode(`{"pager":{"page":1,"pageCount":1,"total":${i},"pageSize":${i}},"dataElements":[${parts.join(",")}]}`);
  }
  return bigBody;
}

const inflight = new Map<string, { cancelled: boolean }>();

function signedInInstance(instanceId: string): Instance {
  const inst = instances.find((i) => i.id === instanceId);
  if (!inst) err("not_found", "This instance no longer exists.");
  if (sessions[inst.id]?.state !== "signed_in") err("sign_in_required", "Sign in to this instance first.");
  return inst;
}

const mockMeta = (inst: Instance, path: string, query: [string, string][], bytes: number, elapsedMs: number): BrowseMeta => ({
  status: 200,
  headers: [["content-type", "application/json;charset=UTF-8"], ["content-length", String(bytes)]],
  elapsedMs,
  sizeBytes: bytes,
  contentType: "application/json;charset=UTF-8",
  url: `${inst.baseUrl}${path}${query.length ? "?" + new URLSearchParams(query).toString() : ""}`,
});

/** browse_get_all: every page merged into one collection, with `browse-all-progress` per page. */
async function browseGetAll(request: BrowseRequest): Promise<ArrayBuffer> {
  const inst = signedInInstance(request.instanceId);
  const m = /^\/api\/(\w+)$/.exec(request.path.replace(/\/+$/, ""));
  if (!m || !RESOURCES.includes(m[1]!)) err("not_found", `No endpoint ${request.path}`);
  const kind = m[1]!;
  const token = { cancelled: false };
  inflight.set(request.requestId, token);
  const started = performance.now();
  const q = new Map(request.query.filter(([k]) => k !== "page"));
  const items: unknown[] = [];
  let pageCount = 1;
  let total = 0;
  for (let page = 1; page <= pageCount; page++) {
    await sleep(120);
    if (token.cancelled) {
      inflight.delete(request.requestId);
      err("cancelled", "Getting all pages was cancelled.");
    }
    q.set("page", String(page));
    const body = listBody(kind, q) as { pager?: { pageCount: number; total: number }; [k: string]: unknown };
    pageCount = body.pager?.pageCount ?? 1;
    total = body.pager?.total ?? 0;
    items.push(...(body[kind] as unknown[]));
    await emit("browse-all-progress", { requestId: request.requestId, page, pageCount, items: items.length, total });
  }
  inflight.delete(request.requestId);
  const body = JSON.stringify({ pager: { page: 1, pageCount: 1, total: items.length, pageSize: items.length }, [kind]: items });
  const bytes = new TextEncoder().encode(body);
  return encodeBrowseResponse(mockMeta(inst, request.path, request.query, bytes.byteLength, Math.round(performance.now() - started)), bytes);
}

/** export_table: pretends to write the file after a save dialog (`?exportCancel=1`: the dialog is closed). */
async function exportTable(request: ExportRequest): Promise<ExportResult | null> {
  signedInInstance(request.instanceId);
  await sleep(300);
  if (params.get("exportCancel") === "1") return null;
  const token = { cancelled: false };
  inflight.set(request.requestId, token);
  const kind = request.path.split("/").filter(Boolean).pop() ?? "export";
  const total = request.allPages ? (kind === "organisationUnits" ? 1332 : kind === "dataElements" ? 1041 : 187) : Number(new Map(request.query).get("pageSize") ?? 50);
  for (let rows = 0; rows < total; rows = Math.min(total, rows + 250)) {
    await sleep(150);
    if (token.cancelled) {
      inflight.delete(request.requestId);
      err("cancelled", "The export was cancelled.");
    }
    await emit("export-progress", { requestId: request.requestId, rows, total });
  }
  inflight.delete(request.requestId);
  return { path: `/home/jane/Documents/${kind}.${request.format}`, rows: total, columns: 4 };
}

const SEARCHABLE: { id: string; name: string; code: string | null; kind: string }[] = [
  ...NAMES.map((name, i) => ({ id: `de${String(i).padStart(9, "0")}`.slice(0, 11), name, code: `DE_${i}`, kind: "dataElements" })),
  { id: "Uvn6LCg7dVU", name: "ANC 1 Coverage", code: "IN_52462", kind: "indicators" },
  { id: "ReUHfIn0pTQ", name: "ANC 1-3 Dropout Rate", code: null, kind: "indicators" },
  { id: "BfMAe6Itzgt", name: "Child Health", code: "DS_359414", kind: "dataSets" },
  { id: "QX4ZTUbOt3a", name: "Reproductive Health", code: null, kind: "dataSets" },
  { id: "IpHINAT79UW", name: "Child Programme", code: null, kind: "programs" },
  { id: "ImspTQPwCqd", name: "Sierra Leone", code: "OU_525", kind: "organisationUnits" },
  { id: "O6uvpzGd5pu", name: "Bo", code: "OU_264", kind: "organisationUnits" },
  { id: "FTRrcoaog83", name: "Fixed", code: null, kind: "categoryOptions" },
  { id: "xE7jOejl9FI", name: "John Traore", code: null, kind: "users" },
];

async function searchObjects(instanceId: string, text: string): Promise<SearchResults> {
  signedInInstance(instanceId);
  await sleep(150 + Math.random() * 250);
  const q = text.trim().toLowerCase();
  const found = SEARCHABLE.filter((o) => o.name.toLowerCase().includes(q) || o.id.toLowerCase() === q || (o.code ?? "").toLowerCase().includes(q));
  const groups = new Map<string, SearchHit[]>();
  for (const o of found) {
    const list = groups.get(o.kind) ?? [];
    list.push({ ...o, path: `/api/${o.kind}/${o.id}` });
    groups.set(o.kind, list);
  }
  return { text, groups: [...groups].map(([kind, hits]) => ({ kind, hits: hits.slice(0, 5), total: hits.length })) };
}

async function identifyObject(instanceId: string, uid: string): Promise<ObjectRef> {
  signedInInstance(instanceId);
  await sleep(120);
  const known = SEARCHABLE.find((o) => o.id === uid);
  if (known) return { id: uid, kind: known.kind, path: `/api/${known.kind}/${uid}`, name: known.name };
  const prefix = RESOURCES.find((r) => uid.startsWith(r.slice(0, 3)));
  if (!prefix) err("not_found", `No object has the UID ${uid}.`);
  return { id: uid, kind: prefix, path: `/api/${prefix}/${uid}`, name: null };
}

/** The size the server would send, when the mock pretends it is huge: every organisation unit
 * at once (`/api/organisationUnits?paging=false`) is "312 MB", above the default 200 MB limit. */
function pretendSize(request: BrowseRequest): number | null {
  const path = request.path.replace(/\/+$/, "");
  const all = request.query.some(([k, v]) => k === "paging" && v === "false");
  if (path === "/api/organisationUnits" && all) return 312 * 1024 * 1024 + 734_003;
  if (path === "/api/big") return big().byteLength;
  return null;
}

/** browse_get's view limit (Settings "Largest answer to open"), with the core's words. */
function checkViewLimit(request: BrowseRequest) {
  const limitMb = request.viewLimitMb ?? 200;
  const size = pretendSize(request);
  if (size !== null && size > limitMb * 1024 * 1024)
    err(
      "too_large",
      `This answer (${Math.round(size / 1024 / 1024)} MB) is larger than the ${limitMb} MB the app opens (Settings). Save it to a file instead, or raise the limit in Settings.`,
    );
}

/** browse_download: a save dialog (`?downloadCancel=1`: closed), then progress as it "streams" to disk. */
async function browseDownload(request: BrowseRequest): Promise<DownloadResult | null> {
  signedInInstance(request.instanceId);
  await sleep(300);
  if (params.get("downloadCancel") === "1") return null;
  const token = { cancelled: false };
  inflight.set(request.requestId, token);
  const total = pretendSize(request) ?? 48_213;
  const steps = 20;
  for (let s = 1; s <= steps; s++) {
    await sleep(200);
    if (token.cancelled) {
      inflight.delete(request.requestId);
      err("cancelled", "Saving to a file was cancelled; no file was left.");
    }
    await emit("browse-progress", { requestId: request.requestId, bytes: Math.round((total * s) / steps), total });
  }
  inflight.delete(request.requestId);
  const name = request.path.replace(/^\/+/, "").replace(/^api\//, "").split("?")[0] || "answer";
  return { path: `/home/jane/Downloads/${name.replace(/\//g, "_")}.json`, bytes: total };
}

async function browseGet(request: BrowseRequest): Promise<ArrayBuffer> {
  const inst = instances.find((i) => i.id === request.instanceId);
  if (!inst) err("not_found", "This instance no longer exists.");
  if (sessions[inst.id]?.state !== "signed_in") err("sign_in_required", "Sign in to this instance first.");
  await sleep(60);
  checkViewLimit(request);
  const token = { cancelled: false };
  inflight.set(request.requestId, token);
  const started = performance.now();
  const q = new Map(request.query);
  const path = request.path.replace(/\/+$/, "");
  let status = 200;
  let body: Uint8Array;
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  if (path === "/api/resources") {
    body = json({ resources: RESOURCES.map((r) => ({ displayName: r, singular: r.replace(/s$/, ""), plural: r, href: `${inst.baseUrl}/api/${r}` })) });
  } else if (path === "/api/me") {
    body = json({ id: "xE7jOejl9FI", username: sessions[inst.id]?.user?.username ?? "admin", displayName: sessions[inst.id]?.user?.displayName ?? "John Traore", email: "jane@example.org", authorities: ["ALL", "F_METADATA_EXPORT"], organisationUnits: [{ id: "ImspTQPwCqd", name: "Sierra Leone" }], settings: { keyUiLocale: "en" } });
  } else if (path === "/api/system/info") {
    body = json({ version: "2.41.3", revision: "a1b2c3d", buildTime: "2024-11-12T10:00:00.000", serverTimeZoneId: "Etc/UTC", systemName: "Country HMIS", instanceBaseUrl: inst.baseUrl, databaseInfo: { spatialSupport: true } });
  } else if (path === "/api/big") {
    body = big();
  } else {
    const m = /^\/api\/(\w+)$/.exec(path);
    const one = /^\/api\/(\w+)\/([A-Za-z][A-Za-z0-9]{10})$/.exec(path);
    if (m && RESOURCES.includes(m[1]!)) body = json(listBody(m[1]!, q));
    else if (one && RESOURCES.includes(one[1]!)) {
      const known = SEARCHABLE.find((o) => o.id === one[2]);
      body = json({ id: one[2], name: known?.name ?? `Object ${one[2]}`, code: known?.code ?? null, created: "2020-01-01T00:00:00.000", href: `${inst.baseUrl}${path}` });
    } else if (path === "/api/analytics") body = json(analyticsBody());
    else if (orgUnitBody(path, q) !== null) body = json(orgUnitBody(path, q));
    else {
      status = 404;
      body = json({ httpStatus: "Not Found", httpStatusCode: 404, status: "ERROR", message: `No endpoint ${path}` });
    }
  }
  // Stream progress in a few steps.
  const steps = body.byteLength > 1_000_000 ? 10 : 3;
  for (let s = 1; s <= steps; s++) {
    await sleep(body.byteLength > 1_000_000 ? 150 : 60);
    if (token.cancelled) {
      inflight.delete(request.requestId);
      err("cancelled", "The request was cancelled.");
    }
    await emit("browse-progress", { requestId: request.requestId, bytes: Math.round((body.byteLength * s) / steps), total: body.byteLength });
  }
  inflight.delete(request.requestId);
  const meta: BrowseMeta = {
    status,
    headers: [
      ["content-type", "application/json;charset=UTF-8"],
      ["content-length", String(body.byteLength)],
      ["cache-control", "no-cache, private"],
      ["x-content-type-options", "nosniff"],
    ],
    elapsedMs: Math.round(performance.now() - started),
    sizeBytes: body.byteLength,
    contentType: "application/json;charset=UTF-8",
    url: `${inst.baseUrl}${path}${request.query.length ? "?" + new URLSearchParams(request.query).toString() : ""}`,
  };
  if (path !== "/api/resources") {
    const list = (history[inst.id] ??= []);
    list.unshift({ id: `h${Date.now()}`, path, query: request.query, status, at: now(), pinned: false });
  }
  return encodeBrowseResponse(meta, body);
}

const signIns = new Map<string, { cancel: () => void }>();

/**
 * `keepSignedIn` on an OAuth2 instance not yet enrolled: the enrolment page first
 * (waiting_for_enrolment, then registering), then the usual browser sign-in. `?enrol=unavailable`
 * or `?enrol=refused` make the enrolment fail as a DHIS2 without it, or one that refuses, would.
 */
async function signIn(instanceId: string, differentUser: boolean, keepSignedIn: boolean): Promise<SessionStatus> {
  const inst = instances.find((i) => i.id === instanceId);
  if (!inst) err("not_found", "This instance no longer exists.");
  if (inst.authKind !== "oauth2") {
    await sleep(300);
    if (!(inst.authKind === "basic" ? inst.secrets.password : inst.secrets.pat))
      err("sign_in_required", `No ${inst.authKind === "basic" ? "password" : "personal access token"} is saved for "${inst.name}". Enter it to sign in.`);
    if (inst.id === "training") err("pat_rejected", "The server answered 401 to this token.");
    const s = session(instanceId, { state: "signed_in", user: { username: inst.username ?? "admin", displayName: "John Traore" }, expiresAt: null, scopes: [] });
    sessions[instanceId] = s;
    await emit("session-changed", s);
    return s;
  }
  const redirectUri = "http://127.0.0.1:53682/oauth2/callback";
  const authorizeUrl = `${inst.baseUrl}/oauth2/authorize?response_type=code&client_id=${inst.oauth2?.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=x1y2z3${differentUser ? "&prompt=login" : ""}`;
  const enrolUrl = `${inst.baseUrl}/api/auth/enrollDevice?redirectUri=${encodeURIComponent(redirectUri)}&state=e5f6g7`;
  const browserMs = Number(params.get("signInMs") ?? 15000);
  // One sign-in at a time per instance; Cancel stops whichever step it is at.
  let cancelled = false;
  let wake: (() => void) | null = null;
  signIns.set(instanceId, {
    cancel: () => {
      cancelled = true;
      wake?.();
    },
  });
  const wait = async (ms: number) => {
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, ms);
    });
    wake = null;
    if (cancelled) {
      void emit("sign-in-progress", { instanceId, stage: "cancelled", authorizeUrl: null, redirectUri: null });
      err("cancelled", "Sign-in was cancelled.");
    }
  };
  const progress = (stage: string, url: string | null) => emit("sign-in-progress", { instanceId, stage, authorizeUrl: url, redirectUri });
  try {
    if (keepSignedIn && !enrolled.has(instanceId)) {
      const mode = params.get("enrol");
      if (mode === "unavailable") {
        await wait(400);
        err("enrolment_unavailable", `${inst.baseUrl} offers no device enrolment (/api/auth/enrollDevice answered 404): it needs DHIS2 2.42.5 or newer with the OAuth2 server on.`);
      }
      await wait(200);
      await progress("waiting_for_enrolment", enrolUrl);
      await wait(browserMs);
      if (mode === "refused")
        err(
          "enrolment_refused",
          'DHIS2 did not register this computer. If your browser shows "invalid_redirect_uri", ask your DHIS2 administrator to add http://127.0.0.1:*/oauth2/callback to the system setting deviceEnrollmentRedirectAllowlist (comma-separated). If it shows "forbidden_user", ask to be added to a user group listed in the system setting deviceEnrollmentAllowedUserGroups. Meanwhile, sign in without "keep me signed in".',
        );
      await progress("registering", null);
      await wait(1500);
      enrolled.add(instanceId);
    }
    await wait(200);
    await progress("waiting_for_browser", authorizeUrl);
    // Right after enrolling, the browser is signed in already: it passes straight through.
    await wait(enrolled.has(instanceId) && keepSignedIn ? 1500 : browserMs);
    await progress("exchanging", authorizeUrl);
    await wait(800);
  } finally {
    signIns.delete(instanceId);
  }
  const s = session(instanceId, { state: "signed_in", user: { username: "jane", displayName: "Jane" }, expiresAt: now() + 3600, scopes: ["ALL"] });
  sessions[instanceId] = s;
  await emit("session-changed", s);
  return s;
}

/** "Forget this computer": signs out and drops the registration (`?forgetServer=0`: DHIS2 keeps it). */
async function forgetDevice(instanceId: string): Promise<{ status: SessionStatus; removedOnServer: boolean }> {
  await sleep(400);
  enrolled.delete(instanceId);
  const status = signedOut(instanceId);
  sessions[instanceId] = status;
  await emit("session-changed", status);
  return { status, removedOnServer: params.get("forgetServer") !== "0" };
}

// ------------------------------------------------------------------ register the app (issue 10)

/** The DHIS2 version each mock server runs ("DHIS2 Play 2.41" is older than OAuth2 for apps). */
const versionOf = (inst: Instance) => (inst.baseUrl.includes("2-41") ? "2.41.3" : "2.43.2");
/** The mock's DHIS2 user may manage OAuth2 clients when it is "admin" (PATs belong to admin). */
const isAdmin = (username: string | null | undefined) => (username ?? "admin") === "admin";
const verifyResult = (username: string | null | undefined, version: string): VerifyResult => ({
  username: username ?? "admin",
  displayName: "John Traore",
  version,
  latencyMs: 84,
  canRegisterApps: isAdmin(username),
});

/** What instances_plan_registration answers, with the core's checks and words. */
function planRegistration(id: string, refreshDays: number): AppRegistrationPlan {
  const inst = instances.find((i) => i.id === id);
  if (!inst) err("not_found", "This instance no longer exists.");
  if (inst.authKind === "oauth2")
    err("invalid_input", "This instance signs in through the browser already. To register the app, use an instance that signs in with a password or a personal access token.");
  if (!Number.isInteger(refreshDays) || refreshDays < 1 || refreshDays > 365) err("invalid_input", "Enter a sign-in lifetime from 1 to 365 days.");
  if (!(inst.authKind === "basic" ? inst.secrets.password : inst.secrets.pat)) err("sign_in_required", `Sign in to "${inst.name}" first.`);
  if (!isAdmin(inst.username))
    err("forbidden", "Your DHIS2 user may not register apps: it needs the authority to manage OAuth2 clients (F_OAUTH2_CLIENT_MANAGE), or to be a superuser. Ask a DHIS2 administrator to register dhis2w Desktop, or to give you that authority.");
  const version = versionOf(inst);
  if (version.startsWith("2.41"))
    err("oauth_not_enabled", "DHIS2 2.41 has no OAuth2 server for apps (it arrived in 2.42), so there is nothing to register. Keep signing in with a password or a personal access token.");
  const clientId = `dhis2w-desktop-${Array.from({ length: 8 }, () => "abcdefghijkmnpqrstuvwxyz23456789"[Math.floor(Math.random() * 32)]).join("")}`;
  const redirectUris = ["http://127.0.0.1/oauth2/callback"];
  const scopes = "openid,profile,username,email";
  const duration = (secs: number) => ["java.time.Duration", secs];
  const payload = {
    name: "dhis2w Desktop",
    clientId,
    clientSecret: "(a BCrypt hash of a new secret that stays in this computer's keyring)",
    clientAuthenticationMethods: "client_secret_basic",
    authorizationGrantTypes: "authorization_code,refresh_token",
    redirectUris: redirectUris.join(","),
    scopes,
    clientSettings: {
      "@class": "java.util.Collections$UnmodifiableMap",
      "settings.client.require-proof-key": true,
      "settings.client.require-authorization-consent": false,
    },
    tokenSettings: {
      "@class": "java.util.Collections$UnmodifiableMap",
      "settings.token.reuse-refresh-tokens": false,
      "settings.token.x509-certificate-bound-access-tokens": false,
      "settings.token.id-token-signature-algorithm": ["org.springframework.security.oauth2.jose.jws.SignatureAlgorithm", "RS256"],
      "settings.token.access-token-time-to-live": duration(300),
      "settings.token.access-token-format": {
        "@class": "org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat",
        value: "self-contained",
      },
      "settings.token.refresh-token-time-to-live": duration(refreshDays * 86_400),
      "settings.token.authorization-code-time-to-live": duration(300),
      "settings.token.device-code-time-to-live": duration(300),
    },
  };
  return { version, clientId, redirectUris, scopes, refreshDays, payload: JSON.stringify(payload, null, 2) };
}

/** instances_register_app: the instance then signs in through the browser with the new client.
 * `?register=refused`: DHIS2 refuses it (409, the client id taken). */
async function registerApp(id: string, clientId: string, refreshDays: number): Promise<{ instanceId: string; clientId: string }> {
  planRegistration(id, refreshDays);
  await sleep(900);
  if (params.get("register") === "refused")
    err("invalid_input", "An app registration with this client id exists already. Try again: the app picks a new id each time.");
  const inst = instances.find((i) => i.id === id)!;
  inst.authKind = "oauth2";
  inst.username = null;
  inst.oauth2 = { clientId, scope: null, redirectMode: "loopback" };
  inst.secrets = { ...noSecrets, clientSecret: true };
  const s = signedOut(id);
  sessions[id] = s;
  await emit("session-changed", s);
  return { instanceId: id, clientId };
}

const about: AboutInfo = { appVersion: "0.1.0 (mock)", tauriVersion: "2.x", webkitVersion: "WebKitGTK 2.44", os: "Linux x86_64" };

/** app_deep_link_result: none, or with `?link=ok|expired` what became of a sign-in link that
 * started the app (taken once). */
let linkTaken = false;
function takeLinkOutcome(): DeepLinkOutcome | null {
  const link = params.get("link");
  if (linkTaken || (link !== "ok" && link !== "expired")) return null;
  linkTaken = true;
  if (link === "expired")
    return { status: null, error: { kind: "sign_in_required", message: "This sign-in link has expired. Sign in again." } };
  const s = session("sl-hmis", { state: "signed_in", user: { username: "jtraore", displayName: "John Traore" }, expiresAt: now() + 3600, scopes: ["ALL"] });
  sessions["sl-hmis"] = s;
  return { status: s, error: null };
}

export async function mockHandler(cmd: string, a: Record<string, any> = {}): Promise<unknown> {
  switch (cmd) {
    case "instances_list":
      return state();
    case "instances_add": {
      const id = `i${Date.now()}`;
      instances.push(fromInput(id, a.input));
      sessions[id] = signedOut(id);
      activeId ??= id;
      return instances.at(-1);
    }
    case "instances_edit": {
      const idx = instances.findIndex((i) => i.id === a.id);
      if (idx < 0) err("not_found", "This instance no longer exists.");
      instances[idx] = fromInput(a.id, a.input, instances[idx]);
      return instances[idx];
    }
    case "instances_remove": {
      const idx = instances.findIndex((i) => i.id === a.id);
      if (idx >= 0) instances.splice(idx, 1);
      if (activeId === a.id) activeId = instances[0]?.id ?? null;
      if (defaultId === a.id) defaultId = null;
      return state();
    }
    case "instances_set_default":
      defaultId = a.id;
      return state();
    case "instances_set_active":
      activeId = a.id;
      return state();
    case "instances_probe":
      await sleep(500);
      return probe(a.address);
    case "instances_verify":
      await sleep(500);
      if (a.input.authKind === "pat" && !String(a.input.pat ?? "").startsWith("d2p_")) err("pat_malformed", "Personal access tokens start with d2p_.");
      if (a.input.authKind === "basic" && a.input.password === "wrong") err("invalid_credentials", "HTTP 401 from /api/me.");
      return verifyResult(a.input.authKind === "basic" ? a.input.username : "admin", a.input.baseUrl.includes("2-41") ? "2.41.3" : "2.43.2");
    case "instances_verify_saved": {
      await sleep(300);
      const inst = instances.find((i) => i.id === a.id) ?? err("not_found", "This instance no longer exists.");
      return { ...verifyResult(inst.username, versionOf(inst)), canRegisterApps: inst.authKind !== "oauth2" && isAdmin(inst.username) };
    }
    case "instances_plan_registration":
      await sleep(350);
      return planRegistration(a.id, a.refreshDays);
    case "instances_register_app":
      return registerApp(a.id, a.clientId, a.refreshDays);
    case "instances_import_cli":
      await sleep(400);
      return {
        imported: [{ name: "Local dev (from CLI)", instanceId: "cli-local" }],
        skipped: [{ name: "play", code: "name_exists", param: null, reason: "an instance with this name already exists" }],
      };
    case "session_status":
      return sessions[a.instanceId] ?? signedOut(a.instanceId);
    case "session_sign_in":
      return signIn(a.instanceId, a.differentUser, Boolean(a.keepSignedIn));
    case "session_forget_device":
      return forgetDevice(a.instanceId);
    case "session_cancel_sign_in":
      signIns.get(a.instanceId)?.cancel();
      return null;
    case "session_refresh_now": {
      const cur = sessions[a.instanceId];
      if (!cur || cur.state !== "signed_in") err("sign_in_required", "Sign in first.");
      const s: SessionStatus = { ...cur!, expiresAt: Math.floor(Date.now() / 1000) + 3600 };
      sessions[a.instanceId] = s;
      return s;
    }
    case "session_sign_out": {
      const inst = instances.find((i) => i.id === a.instanceId);
      if (inst && inst.authKind !== "oauth2") inst.secrets = { ...inst.secrets, password: false, pat: false };
      const s = signedOut(a.instanceId);
      sessions[a.instanceId] = s;
      return s;
    }
    case "browse_get":
      return browseGet(a.request);
    case "browse_get_all":
      return browseGetAll(a.request);
    case "browse_download":
      return browseDownload(a.request);
    case "export_table":
      return exportTable(a.request);
    case "search_objects":
      return searchObjects(a.instanceId, a.text);
    case "identify_object":
      return identifyObject(a.instanceId, a.uid);
    case "browse_cancel": {
      const f = inflight.get(a.requestId);
      if (f) f.cancelled = true;
      return null;
    }
    case "browse_history":
      return [...(history[a.instanceId] ?? [])].sort((x, y) => Number(y.pinned) - Number(x.pinned) || y.at - x.at);
    case "browse_pin": {
      const e = history[a.instanceId]?.find((h) => h.id === a.entryId);
      if (e) e.pinned = a.pinned;
      return [...(history[a.instanceId] ?? [])].sort((x, y) => Number(y.pinned) - Number(x.pinned) || y.at - x.at);
    }
    case "browse_resources": {
      const inst = instances.find((i) => i.id === a.instanceId);
      if (!inst) err("not_found", "This instance no longer exists.");
      if (sessions[inst.id]?.state !== "signed_in") err("sign_in_required", "Sign in to this instance first.");
      return RESOURCES.map((r) => ({ path: `/api/${r}`, displayName: r.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase()) }));
    }
    case "browse_curl": {
      const r = a.request as BrowseRequest;
      const inst = instances.find((i) => i.id === r.instanceId);
      const qs = r.query.length ? "?" + new URLSearchParams(r.query).toString() : "";
      return `curl -H 'Authorization: <your-credentials>' -H 'Accept: application/json' '${inst?.baseUrl ?? ""}${r.path}${qs}'`;
    }
    case "browse_save":
      await sleep(200);
      return `/home/jane/Downloads/${a.suggestedName}`;
    case "analytics_run": {
      const inst = signedInInstance(a.instanceId);
      await sleep(400);
      return runAnalytics(inst.id, inst.baseUrl, inst.authKind, a.query);
    }
    case "analytics_export": {
      const inst = signedInInstance(a.instanceId);
      await sleep(400);
      if (params.get("exportCancel") === "1") return null;
      const r = runAnalytics(inst.id, inst.baseUrl, inst.authKind, a.query);
      return { path: `/home/jane/Documents/analytics-${inst.id}.${a.format}`, rows: r.rows, columns: r.grid.headers.length };
    }
    case "analytics_prepare":
      await sleep(300);
      return prepare(a.instanceId, a.query);
    case "analytics_compare": {
      await sleep(500);
      const [l, r] = [a.leftInstanceId, a.rightInstanceId].map((id: string) => instances.find((i) => i.id === id) ?? err("not_found", "This instance no longer exists."));
      const lp = prepare(l!.id, a.query);
      const rp = prepare(r!.id, a.query);
      return compare(runAnalytics(l!.id, l!.baseUrl, l!.authKind, lp.query), runAnalytics(r!.id, r!.baseUrl, r!.authKind, rp.query), lp.missing, rp.missing);
    }
    case "saved_list":
    case "saved_save":
    case "saved_delete":
    case "saved_export":
    case "saved_import":
      return savedCommand(cmd, a);
    case "app_about":
      return about;
    case "app_diagnostics":
      return `dhis2w Desktop ${about.appVersion} (mock)\nSystem: ${about.os}\nSecret storage: ${storageMode}\nInstances: ${instances.length}\nLast 1 log lines:\nINFO dhis2w log started (info)\n`;
    case "app_set_language":
      return null;
    case "app_deep_link_result":
      return takeLinkOutcome();
    case "app_detailed_log":
      return detailedLog;
    case "app_set_detailed_log":
      detailedLog = Boolean(a.on);
      return detailedLog;
    case "plugin:opener|open_url":
      return null;
    default:
      err("internal", `Mock backend: unknown command ${cmd}`);
  }
}

export function installMockBackend(): void {
  mockIPC((cmd, args) => mockHandler(cmd, (args ?? {}) as Record<string, any>), { shouldMockEvents: true });
  console.info("[dhis2w] mock backend installed (dev only)");
}
