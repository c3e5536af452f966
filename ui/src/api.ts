// Every call from the UI to Rust goes through this module (docs/commands.md).
// The UI never fetches data itself.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { openUrl } from "@tauri-apps/plugin-opener";
import type {
  AboutInfo,
  AnalyticsCompare,
  AnalyticsQuery,
  AnalyticsRunResult,
  AppError,
  AppRegistrationPlan,
  BrowseMeta,
  BrowseRequest,
  DeepLinkOutcome,
  DownloadResult,
  ErrorKind,
  ExportFormat,
  ExportRequest,
  ExportResult,
  ExportProgress,
  FetchAllProgress,
  ForgetDeviceReport,
  HistoryEntry,
  ImportReport,
  Instance,
  InstanceInput,
  InstancesState,
  ObjectRef,
  PreparedQuery,
  ProbeResult,
  RegisteredApp,
  ResourcePath,
  SavedQuestion,
  SearchResults,
  SessionStatus,
  VerifyResult,
} from "./bindings";
import type { SignInProgress } from "./bindings/SignInProgress";
import type { BrowseProgress } from "./bindings/BrowseProgress";

// ---------------------------------------------------------------- errors

export const ERROR_KINDS: readonly ErrorKind[] = Object.keys({
  invalid_credentials: 1,
  account_locked: 1,
  account_disabled: 1,
  token_expired: 1,
  pat_malformed: 1,
  pat_rejected: 1,
  sign_in_required: 1,
  server_unreachable: 1,
  tls: 1,
  not_dhis2: 1,
  oauth_not_enabled: 1,
  redirect_not_registered: 1,
  invalid_mapping_claim: 1,
  oauth_error: 1,
  forbidden: 1,
  not_found: 1,
  server_error: 1,
  cancelled: 1,
  timeout: 1,
  invalid_input: 1,
  storage_unavailable: 1,
  profile_file: 1,
  disk_full: 1,
  file_not_writable: 1,
  too_large: 1,
  enrolment_unavailable: 1,
  enrolment_refused: 1,
  internal: 1,
} satisfies Record<ErrorKind, 1>) as ErrorKind[];

export function isAppError(e: unknown): e is AppError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as AppError).kind === "string" &&
    (ERROR_KINDS as readonly string[]).includes((e as AppError).kind) &&
    typeof (e as AppError).message === "string"
  );
}

/** Turns whatever a rejected invoke gives into an AppError. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const message = e instanceof Error ? e.message : typeof e === "string" ? e : JSON.stringify(e);
  return { kind: "internal", message: message ?? "" };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

// ---------------------------------------------------------------- instances

export const instancesList = () => call<InstancesState>("instances_list");
export const instancesAdd = (input: InstanceInput) => call<Instance>("instances_add", { input });
export const instancesEdit = (id: string, input: InstanceInput) =>
  call<Instance>("instances_edit", { id, input });
export const instancesRemove = (id: string) => call<InstancesState>("instances_remove", { id });
export const instancesSetDefault = (id: string) => call<InstancesState>("instances_set_default", { id });
export const instancesSetActive = (id: string) => call<InstancesState>("instances_set_active", { id });
/** Checks an address; `caCertPath` trusts an organisation's own certificate authority (PEM). */
export const instancesProbe = (address: string, caCertPath?: string | null) =>
  call<ProbeResult>("instances_probe", { address, caCertPath: caCertPath || null });
export const instancesVerify = (input: InstanceInput) => call<VerifyResult>("instances_verify", { input });
export const instancesVerifySaved = (id: string) => call<VerifyResult>("instances_verify_saved", { id });
export const instancesImportCli = (path: string | null) =>
  call<ImportReport>("instances_import_cli", { path });
/** "Register dhis2w Desktop on this server": what would be created for password/PAT instance
 * `id` (a new client id each time), with a sign-in lifetime of `refreshDays` (1–365). Nothing
 * is created. Errors: forbidden (the user may not manage OAuth2 clients), oauth_not_enabled,
 * invalid_input. */
export const planRegistration = (id: string, refreshDays: number) =>
  call<AppRegistrationPlan>("instances_plan_registration", { id, refreshDays });
/** Creates the registration planned with `clientId` on DHIS2 (the new secret stays in the
 * keyring), then switches the instance to browser sign-in with it. */
export const registerApp = (id: string, clientId: string, refreshDays: number) =>
  call<RegisteredApp>("instances_register_app", { id, clientId, refreshDays });

// ---------------------------------------------------------------- session

/** `keepSignedIn`: "Keep me signed in on this computer": on an OAuth2 instance not yet enrolled,
 * the browser first opens DHIS2's device-enrolment page and this computer is registered
 * (stages waiting_for_enrolment, registering), then the usual browser sign-in runs. */
export const sessionSignIn = (instanceId: string, differentUser: boolean, keepSignedIn = false) =>
  call<SessionStatus>("session_sign_in", { instanceId, differentUser, keepSignedIn });
export const sessionCancelSignIn = (instanceId: string) =>
  call<null>("session_cancel_sign_in", { instanceId });
export const sessionSignOut = (instanceId: string) => call<SessionStatus>("session_sign_out", { instanceId });
/** Renews a browser sign-in now with its refresh token. */
export const sessionRefreshNow = (instanceId: string) => call<SessionStatus>("session_refresh_now", { instanceId });
/** "Forget this computer": signs out, deletes this computer's key and registration from the
 * keyring, and removes the registration on the server when DHIS2 allows it. */
export const sessionForgetDevice = (instanceId: string) =>
  call<ForgetDeviceReport>("session_forget_device", { instanceId });
export const sessionStatus = (instanceId: string) => call<SessionStatus>("session_status", { instanceId });

// ---------------------------------------------------------------- browse

/** `body` is a view into the payload (no copy: a 100 MB answer is not duplicated on the main thread). */
export type BrowseResponse = { meta: BrowseMeta; body: Uint8Array };

/** A raw command answer as bytes, without copying (the IPC gives an ArrayBuffer, possibly of
 * another realm in tests; the mock backend may give a view or a plain array). */
function rawBytes(payload: ArrayBuffer | Uint8Array | number[]): Uint8Array {
  if (Array.isArray(payload)) return Uint8Array.from(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload instanceof ArrayBuffer || Object.prototype.toString.call(payload) === "[object ArrayBuffer]") return new Uint8Array(payload);
  throw toAppError({ kind: "internal", message: "Unexpected response from the app." });
}

/** Splits browse_get's payload: the body, then n bytes of JSON BrowseMeta, then n as 4 bytes
 * big-endian (the meta is last so the backend can reuse the body's buffer as it is). */
export function decodeBrowseResponse(payload: ArrayBuffer | Uint8Array | number[]): BrowseResponse {
  const bytes = rawBytes(payload);
  if (bytes.byteLength < 4) throw toAppError({ kind: "internal", message: "Response too short." });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(bytes.byteLength - 4, false);
  if (4 + n > bytes.byteLength) throw toAppError({ kind: "internal", message: "Response header is cut short." });
  const end = bytes.byteLength - 4;
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(end - n, end))) as BrowseMeta;
  return { meta, body: bytes.subarray(0, end - n) };
}

/** Builds a browse_get payload (used by tests and the dev mock backend). */
export function encodeBrowseResponse(meta: BrowseMeta, body: Uint8Array | string): ArrayBuffer {
  const enc = new TextEncoder();
  const metaBytes = enc.encode(JSON.stringify(meta));
  const bodyBytes = typeof body === "string" ? enc.encode(body) : body;
  const out = new Uint8Array(bodyBytes.byteLength + metaBytes.byteLength + 4);
  out.set(bodyBytes, 0);
  out.set(metaBytes, bodyBytes.byteLength);
  new DataView(out.buffer).setUint32(out.byteLength - 4, metaBytes.byteLength, false);
  return out.buffer;
}

/**
 * A large answer's body from its one-time loopback address (`meta.bodyUrl`): a socket read is far
 * quicker than the IPC for tens of megabytes. Where the address cannot be reached (a proxy that
 * does not exempt 127.0.0.1, a stricter webview) the same bytes come through the IPC instead.
 */
export async function takeBody(bodyUrl: string): Promise<Uint8Array> {
  try {
    const response = await fetch(bodyUrl, { cache: "no-store" });
    if (response.ok) return new Uint8Array(await response.arrayBuffer());
  } catch {
    // Unreachable, or cut off while reading (the app then keeps the answer for browse_take).
  }
  performance.mark("dhis2w-handoff-fallback");
  const raw = await call<ArrayBuffer | Uint8Array | number[]>("browse_take", { bodyUrl });
  return rawBytes(raw);
}

async function framedAnswer(raw: ArrayBuffer | Uint8Array | number[]): Promise<BrowseResponse> {
  const decoded = decodeBrowseResponse(raw);
  if (!decoded.meta.bodyUrl) return decoded;
  // The benchmark splits "Get → the bytes in the webview" here (docs/performance.md, P4).
  performance.mark("dhis2w-answer-ready");
  return { meta: decoded.meta, body: await takeBody(decoded.meta.bodyUrl) };
}

export async function browseGet(request: BrowseRequest): Promise<BrowseResponse> {
  return framedAnswer(await call<ArrayBuffer | Uint8Array | number[]>("browse_get", { request }));
}
/** Every page of a collection, merged into one (same framing as browse_get); cancel with browseCancel. */
export async function browseGetAll(request: BrowseRequest): Promise<BrowseResponse> {
  return framedAnswer(await call<ArrayBuffer | Uint8Array | number[]>("browse_get_all", { request }));
}
/** "Save to file": Rust asks where, then streams the answer to disk (`browse-progress` for
 * `request.requestId`; stop it with browseCancel, which leaves no file). null: the dialog was closed. */
export const browseDownload = (request: BrowseRequest) => call<DownloadResult | null>("browse_download", { request });
export const browseCancel = (requestId: string) => call<null>("browse_cancel", { requestId });
export const browseHistory = (instanceId: string) => call<HistoryEntry[]>("browse_history", { instanceId });
export const browsePin = (instanceId: string, entryId: string, pinned: boolean) =>
  call<HistoryEntry[]>("browse_pin", { instanceId, entryId, pinned });
export const browseResources = (instanceId: string) =>
  call<ResourcePath[]>("browse_resources", { instanceId });
export const browseCurl = (request: BrowseRequest) => call<string>("browse_curl", { request });
export const browseSave = (suggestedName: string, contents: string) =>
  call<string | null>("browse_save", { suggestedName, contents });

// ---------------------------------------------------------------- table export, search

/** Writes a CSV or Excel file (Rust shows the save dialog); null when the user closed that dialog. */
export const exportTable = (request: ExportRequest) => call<ExportResult | null>("export_table", { request });
export const searchObjects = (instanceId: string, text: string) =>
  call<SearchResults>("search_objects", { instanceId, text });
export const identifyObject = (instanceId: string, uid: string) => call<ObjectRef>("identify_object", { instanceId, uid });

/** `path` answered as JSON (org-unit tree, levels, groups, program indicators for the builder). */
export async function browseJson(instanceId: string, path: string, query: [string, string][]): Promise<unknown> {
  // The app's own look-ups (org-unit tree, levels…) stay out of the user's request history.
  const { meta, body } = await browseGet({ requestId: newRequestId(), instanceId, path, query, record: false });
  const text = new TextDecoder().decode(body);
  if (meta.status >= 400) throw toAppError({ kind: meta.status === 404 ? "not_found" : meta.status === 403 ? "forbidden" : "server_error", message: text.slice(0, 300) });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw toAppError({ kind: "internal", message: `Not JSON: ${String(e)}` });
  }
}

// ---------------------------------------------------------------- analytics (typed query, never a URL)

export const analyticsRun = (instanceId: string, query: AnalyticsQuery) =>
  call<AnalyticsRunResult>("analytics_run", { instanceId, query });
/** Runs the query and saves the named table (Rust shows the save dialog); null when it was closed. */
export const analyticsExport = (instanceId: string, query: AnalyticsQuery, format: ExportFormat) =>
  call<ExportResult | null>("analytics_export", { instanceId, query, format });
/** The query made ready for another instance: missing items by name, with matches by code or name. */
export const analyticsPrepare = (instanceId: string, query: AnalyticsQuery) =>
  call<PreparedQuery>("analytics_prepare", { instanceId, query });
export const analyticsCompare = (leftInstanceId: string, rightInstanceId: string, query: AnalyticsQuery) =>
  call<AnalyticsCompare>("analytics_compare", { leftInstanceId, rightInstanceId, query });

// ---------------------------------------------------------------- saved questions

export const savedList = () => call<SavedQuestion[]>("saved_list", {});
/** Saves a new question (id "") or replaces one; names are unique (invalid_input otherwise). */
export const savedSave = (question: SavedQuestion) => call<SavedQuestion>("saved_save", { question });
export const savedDelete = (id: string) => call<SavedQuestion[]>("saved_delete", { id });
/** Writes the questions `ids` (all when empty) to a JSON file; its path, or null when the dialog was closed. */
export const savedExport = (ids: string[]) => call<string | null>("saved_export", { ids });
/** Adds the questions of a shared file (`null`: Rust asks for the file); returns those added. */
export const savedImport = (path: string | null) => call<SavedQuestion[]>("saved_import", { path });

// ---------------------------------------------------------------- app

export const appAbout = () => call<AboutInfo>("app_about");
/** Versions, system, secret storage, instance counts and the last (redacted) log lines. */
export const appDiagnostics = () => call<string>("app_diagnostics");
export const appDetailedLog = () => call<boolean>("app_detailed_log");
export const appSetDetailedLog = (on: boolean) => call<boolean>("app_set_detailed_log", { on });
/** The UI's language, for the sign-in pages the app shows in the browser. */
export const appSetLanguage = (lang: string) => call<null>("app_set_language", { lang });
/** What became of a sign-in link no running sign-in took (typically: it started the app), taken
 * once; null when there is none. Later ones arrive as the `deep-link-result` event. */
export const appDeepLinkResult = () => call<DeepLinkOutcome | null>("app_deep_link_result");

/** Opens a link in the system browser (tauri-plugin-opener). */
export async function openInBrowser(url: string): Promise<void> {
  try {
    await openUrl(url);
  } catch (e) {
    throw toAppError(e);
  }
}

// ---------------------------------------------------------------- events

export type { SignInProgress, BrowseProgress };
export type SignInStage = SignInProgress["stage"];

export const onSignInProgress = (cb: (p: SignInProgress) => void): Promise<UnlistenFn> =>
  listen<SignInProgress>("sign-in-progress", (e) => cb(e.payload));
export const onBrowseProgress = (cb: (p: BrowseProgress) => void): Promise<UnlistenFn> =>
  listen<BrowseProgress>("browse-progress", (e) => cb(e.payload));
export const onBrowseAllProgress = (cb: (p: FetchAllProgress) => void): Promise<UnlistenFn> =>
  listen<FetchAllProgress>("browse-all-progress", (e) => cb(e.payload));
export const onExportProgress = (cb: (p: ExportProgress) => void): Promise<UnlistenFn> =>
  listen<ExportProgress>("export-progress", (e) => cb(e.payload));
/** A sign-in link no running sign-in took, while the window is open (see appDeepLinkResult). */
export const onDeepLinkResult = (cb: (o: DeepLinkOutcome) => void): Promise<UnlistenFn> =>
  listen<DeepLinkOutcome>("deep-link-result", (e) => cb(e.payload));
export const onSessionChanged = (cb: (s: SessionStatus) => void): Promise<UnlistenFn> =>
  listen<SessionStatus>("session-changed", (e) => cb(e.payload));

export function newRequestId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return `req-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
