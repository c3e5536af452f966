import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { Button, ButtonStrip } from "@dhis2/ui";
import * as api from "../../api";
import type { AnalyticsQuery, AnalyticsRunResult, AppError, ExportFormat } from "../../bindings";
import { copyText, formatCount } from "../../format";
import { parseBody } from "../../json/parse";
import { useI18n } from "../../i18n";
import type { PackedTable } from "../../table/model";
import { chartFit } from "../../analytics/chart";
import { ChartView } from "./ChartView";
import { useTableLifetime } from "../table/useTableLifetime";
import { RunError } from "./RunError";

const TableView = lazy(() => import("../table/TableView"));
const noOpen = () => undefined;

/** The grid as a table of the table view (sort, filter, copy), built off the main thread. */
function useGridTable(result: AnalyticsRunResult): PackedTable | null | "failed" {
  const [table, setTable] = useState<PackedTable | null | "failed">(null);
  useEffect(() => {
    let dead = false;
    setTable(null);
    parseBody(new TextEncoder().encode(JSON.stringify(result.grid)), "application/json").then(
      (p) => !dead && setTable(p.table ?? "failed"),
      () => !dead && setTable("failed"),
    );
    return () => {
      dead = true;
    };
  }, [result]);
  return table;
}

type Props = { result: AnalyticsRunResult; query: AnalyticsQuery; label: string };

/** A run's table with names, Export (CSV/Excel), and the request that was sent, copyable as URL or curl. */
export function ResultView({ result, query, label }: Props) {
  const { t, lang } = useI18n();
  const table = useGridTable(result);
  useTableLifetime(table && table !== "failed" ? table.id : undefined);
  const [note, setNote] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const chart = useMemo(() => chartFit(result.grid), [result]);
  const [view, setView] = useState<"table" | "bar" | "line">("table");
  const shown = chart ? view : "table";

  async function exportAs(format: ExportFormat) {
    setError(null);
    setNote("");
    setExporting(format);
    try {
      const done = await api.analyticsExport(result.instanceId, query, format);
      setNote(done ? t("export.saved", { rows: formatCount(done.rows, lang), path: done.path }) : t("analytics.exportClosed"));
    } catch (e) {
      setError(api.toAppError(e));
    } finally {
      setExporting(null);
    }
  }
  const copy = async (text: string, done: string) => setNote((await copyText(text)) ? done : t("common.copyFailed"));

  return (
    <section className="card analytics-result-card" aria-label={label} data-test="analytics-result">
      <div className="result-bar">
        <span className="small" data-test="result-rows">
          {t("analytics.rows", { rows: formatCount(result.rows, lang) })}
        </span>
        <ButtonStrip>
          <Button small onClick={() => void exportAs("csv")} loading={exporting === "csv"} disabled={exporting !== null} dataTest="export-csv">
            {t("analytics.exportCsv")}
          </Button>
          <Button small onClick={() => void exportAs("xlsx")} loading={exporting === "xlsx"} disabled={exporting !== null} dataTest="export-xlsx">
            {t("analytics.exportXlsx")}
          </Button>
        </ButtonStrip>
      </div>
      <p className="small m0" role="status" aria-live="polite" data-test="result-note">
        {note}
      </p>
      {error && <RunError error={error} title={t("analytics.exportFailed")} />}
      <details className="details request-details">
        <summary>{t("analytics.request")}</summary>
        <pre className="mono pre" data-test="request-url">
          {result.url}
        </pre>
        <ButtonStrip>
          <Button small onClick={() => void copy(result.url, t("analytics.urlCopied"))} dataTest="copy-url">
            {t("analytics.copyUrl")}
          </Button>
          <Button small onClick={() => void copy(result.curl, t("analytics.curlCopied"))} dataTest="copy-curl">
            {t("response.copyCurl")}
          </Button>
        </ButtonStrip>
      </details>
      {chart && (
        <fieldset className="plain-fieldset view-choice">
          <legend className="sr-only">{t("chart.view")}</legend>
          {(["table", "bar", "line"] as const).map((v) => (
            <label key={v} className="radio-row">
              <input type="radio" name={`view-${label}`} value={v} checked={shown === v} onChange={() => setView(v)} />
              {t(v === "table" ? "chart.table" : v === "bar" ? "chart.bar" : "chart.line")}
            </label>
          ))}
        </fieldset>
      )}
      {chart && shown !== "table" ? (
        <ChartView fit={chart} kind={shown} name={label} />
      ) : table === "failed" ? (
        <p className="state-warn">{t("analytics.noTable")}</p>
      ) : table ? (
        <Suspense fallback={<p className="muted">{t("table.loading")}</p>}>
          <TableView key={table.id} table={table} label={label} onOpenUid={noOpen} />
        </Suspense>
      ) : (
        <p className="muted">{t("table.loading")}</p>
      )}
    </section>
  );
}
