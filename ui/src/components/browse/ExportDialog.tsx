import { useRef, useState } from "react";
import { Button, ButtonStrip, Modal, ModalActions, ModalContent, ModalTitle } from "@dhis2/ui";
import * as api from "../../api";
import { ProgressBar } from "../ProgressBar";
import type { AppError, ExportFormat, ExportResult } from "../../bindings";
import { formatCount } from "../../format";
import { useI18n } from "../../i18n";
import { useEvent } from "../../useEvent";
import { ErrorNotice } from "../common";
import { withoutPage } from "./query";
import type { Result } from "./types";

type Props = {
  result: Result;
  onClose: () => void;
  /** A finished export (null: the user closed the save dialog), or "cancelled". */
  onFinished: (r: ExportResult | null | "cancelled") => void;
};

/** CSV or Excel, this page or all pages; export_table writes the file after its own save dialog. */
export function ExportDialog({ result, onClose, onFinished }: Props) {
  const { t, lang } = useI18n();
  const pager = result.parsed.pager;
  const canAll = !result.allPages && pager !== null && pager.pageCount > 1;
  const [format, setFormat] = useState<ExportFormat>("xlsx");
  const [all, setAll] = useState(result.allPages);
  const [running, setRunning] = useState<{ requestId: string; rows: number; total: number | null } | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const current = useRef<string | null>(null);

  useEvent(api.onExportProgress, (p) => {
    if (p.requestId === current.current) setRunning((r) => (r ? { ...r, rows: p.rows, total: p.total } : r));
  });

  async function run() {
    const requestId = api.newRequestId();
    const allPages = all || result.allPages;
    current.current = requestId;
    setError(null);
    setRunning({ requestId, rows: 0, total: null });
    try {
      const done = await api.exportTable({
        requestId,
        instanceId: result.request.instanceId,
        path: result.request.path,
        query: allPages ? withoutPage(result.request.query) : result.request.query,
        allPages,
        format,
      });
      if (current.current === requestId) onFinished(done);
    } catch (e) {
      if (current.current !== requestId) return;
      const err = api.toAppError(e);
      if (err.kind === "cancelled") onFinished("cancelled");
      else {
        setError(err);
        setRunning(null);
      }
    }
  }

  const n = (x: number) => formatCount(x, lang);
  const progress = running
    ? running.total !== null
      ? t("export.runningOf", { rows: n(running.rows), total: n(running.total) })
      : t("export.running", { rows: n(running.rows) })
    : "";
  return (
    <Modal small onClose={running ? undefined : onClose} dataTest="export-dialog">
      <ModalTitle>{t("export.title")}</ModalTitle>
      <ModalContent>
        <fieldset className="plain-fieldset export-choice" disabled={running !== null}>
          <legend className="label">{t("export.format")}</legend>
          {(["xlsx", "csv"] as const).map((f) => (
            <label key={f} className="radio-row">
              <input type="radio" name="export-format" value={f} checked={format === f} onChange={() => setFormat(f)} />
              {t(f === "csv" ? "export.csv" : "export.xlsx")}
            </label>
          ))}
        </fieldset>
        {canAll && (
          <fieldset className="plain-fieldset export-choice" disabled={running !== null}>
            <legend className="label">{t("export.scope")}</legend>
            <label className="radio-row">
              <input type="radio" name="export-scope" value="page" checked={!all} onChange={() => setAll(false)} />
              {t("export.thisPage")}
            </label>
            <label className="radio-row">
              <input type="radio" name="export-scope" value="all" checked={all} onChange={() => setAll(true)} />
              {t("export.allPages", { total: n(pager!.total) })}
            </label>
          </fieldset>
        )}
        {running && (
          <div role="status" aria-live="polite" data-test="export-progress">
            <p className="m0">{progress}</p>
            <ProgressBar amount={running.total ? (running.rows / running.total) * 100 : null} label={progress} />
          </div>
        )}
        {error && <ErrorNotice error={error} />}
      </ModalContent>
      <ModalActions>
        <ButtonStrip end>
          {running ? (
            <Button destructive onClick={() => void api.browseCancel(running.requestId).catch(() => undefined)} dataTest="export-cancel">
              {t("export.cancel")}
            </Button>
          ) : (
            <>
              <Button secondary onClick={onClose}>
                {t("common.cancel")}
              </Button>
              <Button primary onClick={() => void run()} dataTest="export-run">
                {t("export.run")}
              </Button>
            </>
          )}
        </ButtonStrip>
      </ModalActions>
    </Modal>
  );
}
