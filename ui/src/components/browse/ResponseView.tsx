import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import { Button, NoticeBox, SegmentedControl } from "@dhis2/ui";
import type { Content } from "vanilla-jsoneditor";
import type { AppError, ExportResult } from "../../bindings";
import { formatBytes, formatCount } from "../../format";
import { useI18n } from "../../i18n";
import { useDarkMode } from "../../theme";
import { JsonView, type JsonViewHandle, type ViewMode } from "../JsonView";
import { ExportDialog } from "./ExportDialog";
import { GetAllProgress } from "./GetAllBar";
import { LARGE_TEXT, LargeTextView } from "./LargeTextView";
import { ResponseHeader } from "./ResponseHeader";
import type { Result } from "./types";
import type { GetAllState } from "./useGetAll";

// The grid and its libraries are not part of the first screen: they load when the browser opens.
const loadTableView = () => import("../table/TableView");
const TableView = lazy(loadTableView);
export const preloadTableView = () => void loadTableView().catch(() => undefined);

/** "grid" is the table view of collections and analytics grids; the others are the JSON editor's. */
export type Mode = ViewMode | "grid";

type Props = {
  result: Result;
  mode: Mode;
  setMode: (m: Mode) => void;
  loading: boolean;
  onPage: (page: number) => void;
  getAll: { state: GetAllState; start: () => void; cancel: () => void };
  onOpenUid: (uid: string) => void;
  onError: (e: AppError | null) => void;
  /** The full text (a large table's text comes from the worker on first need). */
  needText: () => Promise<string>;
  /** A large table's text as UTF-8, from the worker on first need (the text view shows it). */
  needTextBytes: () => Promise<Uint8Array | null>;
};

export function ResponseView({ result, mode, setMode, loading, onPage, getAll, onOpenUid, onError, needText, needTextBytes }: Props) {
  const { t, lang } = useI18n();
  const dark = useDarkMode();
  const viewer = useRef<JsonViewHandle>(null);
  const [exporting, setExporting] = useState(false);
  const [exportNote, setExportNote] = useState<string | null>(null);
  const { parsed } = result;
  const table = parsed.table ?? null;
  const pager = parsed.pager;
  // A large list's tree (and the editor's own table mode) shows its first items only
  // (parsed.preview); our table and the text show all.
  const preview = parsed.preview ?? null;
  const full = useMemo<Content>(() => (parsed.json !== undefined ? { json: parsed.json } : { text: parsed.text }), [parsed]);
  const previewContent = useMemo<Content | null>(() => (preview ? { json: preview.json } : null), [preview]);
  const viewModes: { value: Mode; label: string }[] = table
    ? [
        { value: "grid", label: t("response.modeTable") },
        { value: "tree", label: t("response.modeTree") },
        { value: "text", label: t("response.modeText") },
      ]
    : [
        { value: "tree", label: t("response.modeTree") },
        { value: "table", label: t("response.modeTable") },
        { value: "text", label: t("response.modeText") },
      ];
  const running = getAll.state.kind === "running";
  const pagerText = pager
    ? t("pager.summary", { page: formatCount(pager.page, lang), pageCount: formatCount(pager.pageCount, lang), total: formatCount(pager.total, lang) })
    : "";
  const treePreview = (mode === "tree" || mode === "table") && previewContent !== null;
  const content = treePreview && previewContent ? previewContent : full;
  const waitingText = mode !== "grid" && !treePreview && parsed.textDeferred === true;
  // Too long for the JSON editor's text view: our own view, one part at a time.
  const largeText =
    mode === "text" && !waitingText && parsed.json === undefined && (parsed.textBytes !== undefined || parsed.text.length > LARGE_TEXT);
  useEffect(() => {
    if (waitingText) void needTextBytes().catch(() => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [waitingText]);
  const finished = (r: ExportResult | null | "cancelled") => {
    setExporting(false);
    if (r === "cancelled") setExportNote(t("export.cancelled"));
    else if (r) setExportNote(t("export.saved", { rows: formatCount(r.rows, lang), path: r.path }));
  };

  return (
    <section className="response card" aria-label={t("response.label")}>
      <ResponseHeader key={result.request.requestId} result={result} onError={onError} needText={needText} />
      {parsed.large && !table && <NoticeBox title={t("response.large", { size: formatBytes(result.meta.sizeBytes) })}>{" "}</NoticeBox>}
      {!parsed.isJson && <p className="small muted">{t("response.notJson")}</p>}
      <div className="viewer-bar">
        <span id="view-mode-label" className="small">
          {t("response.mode")}
        </span>
        <div role="group" aria-labelledby="view-mode-label">
          <SegmentedControl options={viewModes} selected={mode} onChange={({ value }: { value: string }) => setMode(value as Mode)} />
        </div>
        {mode !== "text" && mode !== "grid" && (
          <>
            <Button small secondary onClick={() => viewer.current?.expandAll()}>
              {t("response.expandAll")}
            </Button>
            <Button small secondary onClick={() => viewer.current?.collapseAll()}>
              {t("response.collapseAll")}
            </Button>
          </>
        )}
        {table && (
          <Button small onClick={() => (setExportNote(null), setExporting(true))} dataTest="export-open">
            {t("export.button")}
          </Button>
        )}
        {mode !== "grid" && !largeText && <span className="muted small">{t("response.searchHint")}</span>}
      </div>
      {exportNote && (
        <p className="small m0" role="status" data-test="export-note">
          {exportNote}
        </p>
      )}
      {pager && !result.allPages && (
        <nav className="pager" aria-label={pagerText}>
          <Button small disabled={pager.page <= 1 || loading || running} onClick={() => onPage(pager.page - 1)} dataTest="pager-prev">
            ← {t("pager.prev")}
          </Button>
          <span data-test="pager-summary">{pagerText}</span>
          <Button small disabled={pager.page >= pager.pageCount || loading || running} onClick={() => onPage(pager.page + 1)} dataTest="pager-next">
            {t("pager.next")} →
          </Button>
          {table && pager.pageCount > 1 && (
            <Button small disabled={loading || running} onClick={getAll.start} title={t("all.help")} dataTest="get-all">
              {t("all.get")}
            </Button>
          )}
        </nav>
      )}
      {result.allPages && table && (
        <p className="small m0" data-test="all-shown">
          {t("all.shown", { total: formatCount(table.rowCount, lang) })}
        </p>
      )}
      <GetAllProgress state={getAll.state} onCancel={getAll.cancel} />
      {treePreview && preview && preview.shown < preview.total && (
        <p className="small m0" role="note" data-test="tree-preview">
          {t("response.treePreview", { shown: formatCount(preview.shown, lang), total: formatCount(preview.total, lang) })}
        </p>
      )}
      {mode === "grid" && table ? (
        <Suspense fallback={<p className="muted">{t("table.loading")}</p>}>
          <TableView key={table.id} table={table} label={t("table.label")} onOpenUid={onOpenUid} />
        </Suspense>
      ) : waitingText ? (
        <p role="status" className="muted">
          {t("response.opening")}
        </p>
      ) : largeText ? (
        // A key of its own: the header (a sibling) is keyed by the request's id too.
        <LargeTextView key={`text-${result.request.requestId}`} text={parsed.textBytes ?? parsed.text} size={result.meta.sizeBytes} label={t("response.label")} />
      ) : (
        <JsonView ref={viewer} content={content} mode={mode === "grid" ? "tree" : mode} onModeChange={setMode} label={t("response.label")} dark={dark} />
      )}
      {exporting && <ExportDialog result={result} onClose={() => setExporting(false)} onFinished={finished} />}
    </section>
  );
}
