import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Button, ButtonStrip, Checkbox, InputField, LinearLoader, NoticeBox, SegmentedControl } from "@dhis2/ui";
import type { Content } from "vanilla-jsoneditor";
import * as api from "../api";
import type { AppError, BrowseMeta, BrowseRequest, HistoryEntry, Instance, ResourcePath } from "../bindings";
import { copyText, formatBytes, formatDate, formatMs, formatRelative } from "../format";
import { useI18n, type MessageKey } from "../i18n";
import { parseBody, type Parsed } from "../json/parse";
import { useApp } from "../state";
import { ErrorNotice } from "./common";
import { JsonView, type JsonViewHandle, type ViewMode } from "./JsonView";
import { useDarkMode } from "../theme";

export const QUICK_LINKS: { key: MessageKey; path: string }[] = [
  { key: "quick.me", path: "/api/me" },
  { key: "quick.system", path: "/api/system/info" },
  { key: "quick.dataElements", path: "/api/dataElements" },
  { key: "quick.indicators", path: "/api/indicators" },
  { key: "quick.orgUnits", path: "/api/organisationUnits" },
  { key: "quick.dataSets", path: "/api/dataSets" },
  { key: "quick.programs", path: "/api/programs" },
];

export type QueryForm = {
  fields: string;
  filters: string[];
  order: string;
  page: string;
  pageSize: string;
  paging: boolean;
};
export const EMPTY_QUERY: QueryForm = { fields: "", filters: [""], order: "", page: "", pageSize: "", paging: true };

export function buildQuery(q: QueryForm): [string, string][] {
  const out: [string, string][] = [];
  if (q.fields.trim()) out.push(["fields", q.fields.trim()]);
  for (const f of q.filters) if (f.trim()) out.push(["filter", f.trim()]);
  if (q.order.trim()) out.push(["order", q.order.trim()]);
  if (q.page.trim()) out.push(["page", q.page.trim()]);
  if (q.pageSize.trim()) out.push(["pageSize", q.pageSize.trim()]);
  if (!q.paging) out.push(["paging", "false"]);
  return out;
}

export function queryFromPairs(pairs: [string, string][]): QueryForm {
  const q: QueryForm = { ...EMPTY_QUERY, filters: [] };
  for (const [k, v] of pairs) {
    if (k === "fields") q.fields = v;
    else if (k === "filter") q.filters.push(v);
    else if (k === "order") q.order = v;
    else if (k === "page") q.page = v;
    else if (k === "pageSize") q.pageSize = v;
    else if (k === "paging") q.paging = v !== "false";
  }
  if (q.filters.length === 0) q.filters = [""];
  return q;
}

function normalisePath(p: string): string {
  const s = p.trim();
  return s.startsWith("/") ? s : `/${s}`;
}

/** Autocomplete entries from browse_resources: sorted by path, without duplicates. */
export function resourceSuggestions(list: ResourcePath[]): ResourcePath[] {
  const seen = new Set<string>();
  return [...list]
    .sort((a, b) => a.path.localeCompare(b.path))
    .filter((r) => !seen.has(r.path) && Boolean(seen.add(r.path)));
}

function describeQuery(q: [string, string][]): string {
  return q.map(([k, v]) => `${k}=${v}`).join("&");
}

function HistoryPanel({ instance, entries, onOpen, onPin }: {
  instance: Instance;
  entries: HistoryEntry[];
  onOpen: (e: HistoryEntry) => void;
  onPin: (e: HistoryEntry) => void;
}) {
  const { t, lang } = useI18n();
  const nowSec = Date.now() / 1000;
  const pinned = entries.filter((e) => e.pinned);
  const recent = entries.filter((e) => !e.pinned);
  const row = (e: HistoryEntry) => {
    const q = describeQuery(e.query);
    return (
      <li key={e.id} className="history-row">
        <button type="button" className="history-open" onClick={() => onOpen(e)} title={q ? `${e.path}?${q}` : e.path}>
          <span className="history-line">
            <span className={e.status >= 400 || e.status === 0 ? "status-badge status-bad" : "status-badge"}>{e.status || "–"}</span>
            <span className="history-path mono">{e.path}</span>
            {q && <span className="history-query mono muted">?{q}</span>}
          </span>
          <time
            className="history-time muted"
            dateTime={new Date(e.at * 1000).toISOString()}
            title={t("history.madeAt", { time: formatDate(e.at, lang) })}
            data-test="history-time"
          >
            {formatRelative(t, e.at, nowSec, lang)}
          </time>
        </button>
        <button
          type="button"
          className={e.pinned ? "pin pin-on" : "pin"}
          aria-pressed={e.pinned}
          aria-label={e.pinned ? t("history.unpin", { path: e.path }) : t("history.pin", { path: e.path })}
          title={e.pinned ? t("history.unpin", { path: e.path }) : t("history.pin", { path: e.path })}
          onClick={() => onPin(e)}
        >
          {e.pinned ? "★" : "☆"}
        </button>
      </li>
    );
  };
  return (
    <aside className="history card" aria-label={t("history.title")} data-test="history" data-instance={instance.id}>
      <h2 className="h3">{t("history.title")}</h2>
      {entries.length === 0 && <p className="muted small">{t("history.empty")}</p>}
      {pinned.length > 0 && (
        <>
          <h3 className="h4">{t("history.pinned")}</h3>
          <ul className="plain">{pinned.map(row)}</ul>
        </>
      )}
      {recent.length > 0 && (
        <>
          <h3 className="h4">{t("history.recent")}</h3>
          <ul className="plain">{recent.map(row)}</ul>
        </>
      )}
    </aside>
  );
}

type Result = { meta: BrowseMeta; parsed: Parsed; request: BrowseRequest };
type Phase =
  | { kind: "idle" }
  | { kind: "loading"; requestId: string; bytes: number; total: number | null }
  | { kind: "parsing" }
  | { kind: "error"; error: AppError };

function Browser({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const dark = useDarkMode();
  const [path, setPath] = useState("/api/me");
  const [query, setQuery] = useState<QueryForm>(EMPTY_QUERY);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [result, setResult] = useState<Result | null>(null);
  const [mode, setMode] = useState<ViewMode>("tree");
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [suggestions, setSuggestions] = useState<ResourcePath[]>([]);
  const [curl, setCurl] = useState<string | null>(null);
  const [savedTo, setSavedTo] = useState<string | null>(null);
  const [actionError, setActionError] = useState<AppError | null>(null);
  const current = useRef<string | null>(null);
  const viewer = useRef<JsonViewHandle>(null);

  const loadHistory = useCallback(async () => {
    try {
      setHistory(await api.browseHistory(instance.id));
    } catch {
      setHistory([]);
    }
  }, [instance.id]);

  useEffect(() => {
    void loadHistory();
    setResult(null);
    setSuggestions([]);
    let dead = false;
    // Autocomplete list, best effort (not recorded in the history).
    api
      .browseResources(instance.id)
      .then((list) => {
        if (!dead) setSuggestions(resourceSuggestions(list));
      })
      .catch(() => undefined);
    return () => {
      dead = true;
    };
  }, [instance.id, loadHistory]);

  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let dead = false;
    api
      .onBrowseProgress((p) => {
        if (p.requestId !== current.current) return;
        setPhase((ph) => (ph.kind === "loading" ? { ...ph, bytes: p.bytes, total: p.total } : ph));
      })
      .then((u) => (dead ? u() : (unlisten = u)))
      .catch(() => undefined);
    return () => {
      dead = true;
      unlisten?.();
    };
  }, []);

  const request = useCallback(
    (p: string, q: QueryForm): BrowseRequest => ({
      requestId: api.newRequestId(),
      instanceId: instance.id,
      path: normalisePath(p),
      query: buildQuery(q),
    }),
    [instance.id],
  );

  async function send(p = path, q = query) {
    const req = request(p, q);
    current.current = req.requestId;
    setPhase({ kind: "loading", requestId: req.requestId, bytes: 0, total: null });
    setCurl(null);
    setSavedTo(null);
    setActionError(null);
    try {
      const { meta, body } = await api.browseGet(req);
      if (current.current !== req.requestId) return;
      setPhase({ kind: "parsing" });
      const parsed = await parseBody(body, meta.contentType);
      if (current.current !== req.requestId) return;
      setMode(parsed.large || !parsed.isJson ? "text" : "tree");
      setResult({ meta, parsed, request: req });
      setPhase({ kind: "idle" });
    } catch (e) {
      if (current.current !== req.requestId) return;
      // The previous response must not sit under this error as if it answered this request.
      setResult(null);
      setPhase({ kind: "error", error: api.toAppError(e) });
    } finally {
      if (current.current === req.requestId) current.current = null;
      void loadHistory();
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void send();
  }

  function go(p: string, q: QueryForm) {
    setPath(p);
    setQuery(q);
    void send(p, q);
  }

  const content = useMemo<Content | null>(() => {
    if (!result) return null;
    const { parsed } = result;
    return parsed.json !== undefined ? { json: parsed.json } : { text: parsed.text };
  }, [result]);

  const pager = result?.parsed.pager ?? null;
  const loading = phase.kind === "loading" || phase.kind === "parsing";
  const viewModes: { value: ViewMode; label: string }[] = [
    { value: "tree", label: t("response.modeTree") },
    { value: "table", label: t("response.modeTable") },
    { value: "text", label: t("response.modeText") },
  ];

  return (
    <div className="browse-layout">
      <HistoryPanel
        instance={instance}
        entries={history}
        onOpen={(e) => go(e.path, queryFromPairs(e.query))}
        onPin={async (e) => {
          try {
            setHistory(await api.browsePin(instance.id, e.id, !e.pinned));
          } catch (err) {
            setActionError(api.toAppError(err));
          }
        }}
      />
      <div className="browse-main">
        <form onSubmit={submit} className="card browse-form" aria-label={t("browse.title")}>
          <div className="row-end">
            <div className="grow">
              <label htmlFor="browse-path" className="label">
                {t("browse.path")}
              </label>
              <input
                id="browse-path"
                className="text-input mono"
                list="browse-path-suggestions"
                value={path}
                onChange={(e) => setPath(e.target.value)}
                aria-describedby="browse-path-help"
                autoComplete="off"
                spellCheck={false}
                data-test="browse-path"
              />
              <datalist id="browse-path-suggestions">
                {suggestions.map((s) => (
                  <option key={s.path} value={s.path} label={s.displayName} />
                ))}
              </datalist>
              <span id="browse-path-help" className="help">
                {t("browse.pathHelp")}
              </span>
            </div>
            {loading ? (
              <Button
                destructive
                onClick={() => {
                  if (phase.kind === "loading") void api.browseCancel(phase.requestId).catch(() => undefined);
                }}
                dataTest="browse-cancel"
              >
                {t("browse.cancel")}
              </Button>
            ) : (
              <Button type="submit" primary dataTest="browse-send">
                {t("browse.send")}
              </Button>
            )}
          </div>
          <div className="quick-links" role="group" aria-label={t("browse.quick")}>
            <span className="muted small">{t("browse.quick")}:</span>
            {QUICK_LINKS.map((l) => (
              <Button key={l.path} small secondary onClick={() => go(l.path, EMPTY_QUERY)}>
                {t(l.key)}
              </Button>
            ))}
          </div>
          <details className="details query-editor">
            <summary>{t("query.title")}</summary>
            <div className="query-grid">
              <InputField
                label={t("query.fields")}
                name="fields"
                value={query.fields}
                helpText={t("query.fieldsHelp")}
                onChange={({ value }: { value?: string }) => setQuery({ ...query, fields: value ?? "" })}
                dense
              />
              <InputField
                label={t("query.order")}
                name="order"
                value={query.order}
                helpText={t("query.orderHelp")}
                onChange={({ value }: { value?: string }) => setQuery({ ...query, order: value ?? "" })}
                dense
              />
              {query.filters.map((f, i) => (
                <div className="row-end" key={i}>
                  <div className="grow">
                    <InputField
                      label={t("query.filter", { n: i + 1 })}
                      name={`filter-${i}`}
                      value={f}
                      helpText={i === 0 ? t("query.filterHelp") : undefined}
                      onChange={({ value }: { value?: string }) =>
                        setQuery({ ...query, filters: query.filters.map((x, j) => (j === i ? (value ?? "") : x)) })
                      }
                      dense
                    />
                  </div>
                  {query.filters.length > 1 && (
                    <Button
                      small
                      secondary
                      aria-label={t("query.removeFilter", { n: i + 1 })}
                      title={t("query.removeFilter", { n: i + 1 })}
                      onClick={() => setQuery({ ...query, filters: query.filters.filter((_, j) => j !== i) })}
                    >
                      ✕
                    </Button>
                  )}
                </div>
              ))}
              <div>
                <Button small secondary onClick={() => setQuery({ ...query, filters: [...query.filters, ""] })}>
                  {t("query.addFilter")}
                </Button>
              </div>
              <InputField
                label={t("query.page")}
                name="page"
                type="number"
                min="1"
                value={query.page}
                onChange={({ value }: { value?: string }) => setQuery({ ...query, page: value ?? "" })}
                dense
              />
              <InputField
                label={t("query.pageSize")}
                name="pageSize"
                type="number"
                min="1"
                value={query.pageSize}
                onChange={({ value }: { value?: string }) => setQuery({ ...query, pageSize: value ?? "" })}
                dense
              />
              <Checkbox
                label={t("query.paging")}
                name="paging"
                checked={query.paging}
                onChange={({ checked }: { checked: boolean }) => setQuery({ ...query, paging: checked })}
              />
            </div>
          </details>
        </form>

        {phase.kind === "loading" && (
          <div className="card" role="status" aria-live="polite" data-test="browse-progress">
            <p className="m0">
              {phase.total
                ? t("response.receivingOf", { bytes: formatBytes(phase.bytes), total: formatBytes(phase.total) })
                : t("response.receiving", { bytes: formatBytes(phase.bytes) })}
            </p>
            <LinearLoader
              amount={phase.total ? Math.min(100, (phase.bytes / phase.total) * 100) : 0}
              aria-label={t("response.receiving", { bytes: formatBytes(phase.bytes) })}
            />
          </div>
        )}
        {phase.kind === "parsing" && (
          <p role="status" className="muted">
            {t("response.opening")}
          </p>
        )}
        {phase.kind === "error" && <ErrorNotice error={phase.error} />}
        {actionError && <ErrorNotice error={actionError} />}

        {!result && phase.kind === "idle" && <p className="muted empty-response">{t("response.empty")}</p>}

        {result && content && (
          <section className="response card" aria-label={t("response.label")}>
            <div className="response-bar">
              <dl className="response-meta">
                <div>
                  <dt>{t("response.status")}</dt>
                  <dd className={result.meta.status >= 400 ? "status-bad" : "status-ok"} data-test="response-status">
                    {result.meta.status}
                  </dd>
                </div>
                <div>
                  <dt>{t("response.time")}</dt>
                  <dd>{formatMs(result.meta.elapsedMs)}</dd>
                </div>
                <div>
                  <dt>{t("response.size")}</dt>
                  <dd>{formatBytes(result.meta.sizeBytes)}</dd>
                </div>
              </dl>
              <ButtonStrip>
                <Button
                  small
                  dataTest="copy-curl"
                  onClick={async () => {
                    setActionError(null);
                    try {
                      const c = await api.browseCurl(result.request);
                      await copyText(c);
                      setCurl(c);
                    } catch (e) {
                      setActionError(api.toAppError(e));
                    }
                  }}
                >
                  {t("response.copyCurl")}
                </Button>
                <Button
                  small
                  dataTest="save-response"
                  onClick={async () => {
                    setActionError(null);
                    try {
                      const name = (result.request.path.split("/").filter(Boolean).pop() ?? "response") + (result.parsed.isJson ? ".json" : ".txt");
                      const saved = await api.browseSave(name, result.parsed.text);
                      if (saved) setSavedTo(saved);
                    } catch (e) {
                      setActionError(api.toAppError(e));
                    }
                  }}
                >
                  {t("response.save")}
                </Button>
              </ButtonStrip>
            </div>
            {curl && (
              <div className="curl" data-test="curl" role="status">
                <p className="small m0">{t("response.curlCopied")}</p>
                <pre className="mono pre">{curl}</pre>
              </div>
            )}
            {savedTo && (
              <p className="small" role="status">
                {t("response.savedTo", { path: savedTo })}
              </p>
            )}
            <details className="details">
              <summary>
                {t("response.headers")} ({result.meta.headers.length})
              </summary>
              <table className="headers-table">
                <tbody>
                  {result.meta.headers.map(([k, v], i) => (
                    <tr key={i}>
                      <th scope="row" className="mono">
                        {k}
                      </th>
                      <td className="mono">{v}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
            {result.parsed.large && <NoticeBox title={t("response.large", { size: formatBytes(result.meta.sizeBytes) })}>{" "}</NoticeBox>}
            {!result.parsed.isJson && <p className="small muted">{t("response.notJson")}</p>}
            <div className="viewer-bar">
              <span id="view-mode-label" className="small">
                {t("response.mode")}
              </span>
              <div role="group" aria-labelledby="view-mode-label">
                <SegmentedControl
                  options={viewModes}
                  selected={mode}
                  onChange={({ value }: { value: string }) => setMode(value as ViewMode)}
                />
              </div>
              {mode !== "text" && (
                <>
                  <Button small secondary onClick={() => viewer.current?.expandAll()}>
                    {t("response.expandAll")}
                  </Button>
                  <Button small secondary onClick={() => viewer.current?.collapseAll()}>
                    {t("response.collapseAll")}
                  </Button>
                </>
              )}
              <span className="muted small">{t("response.searchHint")}</span>
            </div>
            {pager && (
              <nav className="pager" aria-label={t("pager.summary", { page: pager.page, pageCount: pager.pageCount, total: pager.total })}>
                <Button
                  small
                  disabled={pager.page <= 1 || loading}
                  onClick={() => go(path, { ...query, page: String(pager.page - 1) })}
                  dataTest="pager-prev"
                >
                  ← {t("pager.prev")}
                </Button>
                <span data-test="pager-summary">
                  {t("pager.summary", { page: pager.page, pageCount: pager.pageCount, total: pager.total })}
                </span>
                <Button
                  small
                  disabled={pager.page >= pager.pageCount || loading}
                  onClick={() => go(path, { ...query, page: String(pager.page + 1) })}
                  dataTest="pager-next"
                >
                  {t("pager.next")} →
                </Button>
              </nav>
            )}
            <JsonView ref={viewer} content={content} mode={mode} onModeChange={setMode} label={t("response.label")} dark={dark} />
          </section>
        )}
      </div>
    </div>
  );
}

export function BrowsePage() {
  const { t } = useI18n();
  const { active } = useApp();
  return (
    <section className="page page-wide" aria-labelledby="browse-title">
      <div className="page-head">
        <h1 id="browse-title">{t("browse.title")}</h1>
        {active && <span className="muted">{t("browse.onInstance", { name: active.name })}</span>}
      </div>
      {active ? <Browser key={active.id} instance={active} /> : <p>{t("browse.noInstance")}</p>}
    </section>
  );
}
