import { useCallback, useEffect, useRef, useState } from "react";
import * as api from "../../api";
import type { AppError, BrowseRequest, HistoryEntry, Instance, ResourcePath } from "../../bindings";
import { useI18n } from "../../i18n";
import { parseBody, tableResponseBytes } from "../../json/parse";
import { getViewLimitMb } from "../../settings/viewLimit";
import { useApp } from "../../state";
import { useEvent } from "../../useEvent";
import { ErrorNotice } from "../common";
import { HistoryPanel } from "./HistoryPanel";
import { LoadProgress } from "./LoadProgress";
import { EMPTY_QUERY, buildQuery, fieldsOf, normalisePath, queryFromPairs, resourceSuggestions, splitPathQuery, type QueryForm } from "./query";
import { RequestEditor } from "./RequestEditor";
import { preloadTableView, ResponseView, type Mode } from "./ResponseView";
import { SaveToFile, useDownload } from "./SaveToFile";
import type { Phase, Result } from "./types";
import { useGetAll } from "./useGetAll";
import { useTableLifetime } from "../table/useTableLifetime";

function Browser({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const { pendingOpen, clearOpen } = useApp();
  const [path, setPath] = useState("/api/me");
  const [query, setQuery] = useState<QueryForm>(EMPTY_QUERY);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [result, setResult] = useState<Result | null>(null);
  const [mode, setMode] = useState<Mode>("tree");
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [suggestions, setSuggestions] = useState<ResourcePath[]>([]);
  const [actionError, setActionError] = useState<AppError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const current = useRef<string | null>(null);
  // The shown table's text, asked of the worker once (only the shown one: a large list's text is
  // a hundred MB or more).
  const textLoad = useRef<{ tableId: number; load: Promise<Uint8Array> } | null>(null);
  const shownTable = result?.parsed.table?.id;
  useTableLifetime(shownTable);
  useEffect(() => {
    if (textLoad.current && textLoad.current.tableId !== shownTable) textLoad.current = null;
  }, [shownTable]);

  const download = useDownload();
  const getAll = useGetAll((r) => {
    setResult(r);
    setMode(r.parsed.table ? "grid" : "tree");
  });

  const loadHistory = useCallback(async () => {
    try {
      setHistory(await api.browseHistory(instance.id));
    } catch {
      setHistory([]);
    }
  }, [instance.id]);

  useEffect(preloadTableView, []);

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

  useEvent(api.onBrowseProgress, (p) => {
    if (p.requestId !== current.current) return;
    setPhase((ph) => (ph.kind === "loading" ? { ...ph, bytes: p.bytes, total: p.total } : ph));
  });

  async function send(p = path, q = query) {
    const req: BrowseRequest = {
      requestId: api.newRequestId(),
      instanceId: instance.id,
      path: normalisePath(p),
      query: buildQuery(q),
      viewLimitMb: getViewLimitMb(),
    };
    current.current = req.requestId;
    performance.clearMarks("dhis2w-response-shown");
    performance.clearMarks("dhis2w-answer-ready");
    performance.clearMarks("dhis2w-handoff-fallback");
    performance.mark("dhis2w-get");
    setPhase({ kind: "loading", requestId: req.requestId, bytes: 0, total: null });
    setActionError(null);
    setNote(null);
    getAll.reset();
    download.reset();
    try {
      const { meta, body } = await api.browseGet(req);
      performance.mark("dhis2w-received");
      if (current.current !== req.requestId) return;
      setPhase({ kind: "parsing" });
      const parsed = await parseBody(body, meta.contentType, fieldsOf(req.query));
      performance.mark("dhis2w-parsed");
      if (current.current !== req.requestId) return;
      setMode(parsed.table ? "grid" : parsed.large || !parsed.isJson ? "text" : "tree");
      setResult({ meta, parsed, request: req, allPages: false });
      setPhase({ kind: "idle" });
      // After the first view is painted (the 50 MB benchmark measures Get → this mark).
      requestAnimationFrame(() => setTimeout(() => performance.mark("dhis2w-response-shown"), 0));
    } catch (e) {
      if (current.current !== req.requestId) return;
      // The previous response must not sit under this error as if it answered this request.
      setResult(null);
      setPhase({ kind: "error", error: api.toAppError(e), request: req });
    } finally {
      if (current.current === req.requestId) current.current = null;
      void loadHistory();
    }
  }

  function go(p: string, q: QueryForm) {
    setPath(p);
    setQuery(q);
    void send(p, q);
  }

  // A path handed over by search ("Find anything") or another screen.
  useEffect(() => {
    if (!pendingOpen) return;
    clearOpen();
    const { path: p, query: q } = splitPathQuery(pendingOpen);
    go(p, q);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pendingOpen]);

  async function openUid(uid: string) {
    setActionError(null);
    setNote(t("table.opening", { uid }));
    try {
      const ref = await api.identifyObject(instance.id, uid);
      setNote(null);
      const { path: p, query: q } = splitPathQuery(ref.path);
      go(p, q);
    } catch (e) {
      const err = api.toAppError(e);
      setNote(err.kind === "not_found" ? t("table.notFound", { uid }) : null);
      if (err.kind !== "not_found") setActionError(err);
    }
  }

  /** A large table's text as UTF-8, fetched from the worker the first time; null for others. */
  async function needTextBytes(): Promise<Uint8Array | null> {
    const r = result;
    const table = r?.parsed.table;
    if (!r || !table || !r.parsed.textDeferred) return r?.parsed.textBytes ?? null;
    if (textLoad.current?.tableId !== table.id) textLoad.current = { tableId: table.id, load: tableResponseBytes(table.id) };
    const textBytes = await textLoad.current.load;
    setResult((cur) => (cur?.parsed.table?.id === table.id ? { ...cur, parsed: { ...cur.parsed, textBytes, textDeferred: false } } : cur));
    return textBytes;
  }

  /** The response's text as a string (to save it). */
  async function needText(): Promise<string> {
    const bytes = await needTextBytes();
    return bytes ? new TextDecoder().decode(bytes) : (result?.parsed.text ?? "");
  }

  const loading = phase.kind === "loading" || phase.kind === "parsing";
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
        <RequestEditor
          path={path}
          setPath={setPath}
          query={query}
          setQuery={setQuery}
          suggestions={suggestions}
          loading={loading}
          onSubmit={() => void send()}
          onCancel={() => {
            if (phase.kind === "loading") void api.browseCancel(phase.requestId).catch(() => undefined);
            else if (phase.kind === "parsing") {
              // The bytes are in; the worker's parse cannot be stopped, but its result is dropped
              // and the window is free at once, as for a request cancelled while downloading.
              current.current = null;
              setResult(null);
              setPhase({ kind: "error", error: api.toAppError({ kind: "cancelled", message: "Request cancelled." }) });
            }
          }}
          onGo={go}
        />
        <LoadProgress phase={phase} />
        {/* Once the answer is saved to a file, "too large to open" is no longer the news. */}
        {phase.kind === "error" && !(phase.error.kind === "too_large" && download.state.kind === "done") && <ErrorNotice error={phase.error} />}
        <SaveToFile offer={phase.kind === "error" && phase.error.kind === "too_large" ? (phase.request ?? null) : null} download={download} />
        {getAll.state.kind === "error" && <ErrorNotice error={getAll.state.error} />}
        {actionError && <ErrorNotice error={actionError} />}
        {note && (
          <p className="small m0" role="status" data-test="browse-note">
            {note}
          </p>
        )}
        {!result && phase.kind === "idle" && <p className="muted empty-response">{t("response.empty")}</p>}
        {result && (
          <ResponseView
            result={result}
            mode={mode}
            setMode={setMode}
            loading={loading}
            onPage={(page) => go(path, { ...query, page: String(page) })}
            getAll={{ state: getAll.state, start: () => void getAll.start(result), cancel: getAll.cancel }}
            onOpenUid={(uid) => void openUid(uid)}
            onError={setActionError}
            needText={needText}
            needTextBytes={needTextBytes}
          />
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
