import { Button } from "@dhis2/ui";
import { ProgressBar } from "../ProgressBar";
import { useRef, useState } from "react";
import * as api from "../../api";
import type { AppError, BrowseRequest, DownloadResult } from "../../bindings";
import { formatBytes } from "../../format";
import { useI18n } from "../../i18n";
import { getViewLimitMb } from "../../settings/viewLimit";
import { useEvent } from "../../useEvent";
import { ErrorNotice } from "../common";

export type DownloadState =
  | { kind: "idle" }
  | { kind: "running"; requestId: string; bytes: number; total: number | null; started: boolean }
  | { kind: "done"; result: DownloadResult }
  | { kind: "cancelled" }
  | { kind: "error"; error: AppError };

/**
 * "Save to file" for an answer too large to open: browse_download with the same path and query
 * under a new request id, progress from `browse-progress`, stopped with browse_cancel.
 */
export function useDownload() {
  const [state, setState] = useState<DownloadState>({ kind: "idle" });
  const current = useRef<string | null>(null);

  useEvent(api.onBrowseProgress, (p) => {
    if (p.requestId !== current.current) return;
    setState((s) => (s.kind === "running" && s.requestId === p.requestId ? { ...s, bytes: p.bytes, total: p.total, started: true } : s));
  });

  async function start(from: BrowseRequest) {
    const request: BrowseRequest = { ...from, requestId: api.newRequestId(), viewLimitMb: getViewLimitMb() };
    current.current = request.requestId;
    setState({ kind: "running", requestId: request.requestId, bytes: 0, total: null, started: false });
    try {
      const result = await api.browseDownload(request);
      if (current.current !== request.requestId) return;
      // null: the save dialog was closed; nothing to say.
      setState(result ? { kind: "done", result } : { kind: "idle" });
    } catch (e) {
      if (current.current !== request.requestId) return;
      const error = api.toAppError(e);
      setState(error.kind === "cancelled" ? { kind: "cancelled" } : { kind: "error", error });
    } finally {
      if (current.current === request.requestId) current.current = null;
    }
  }

  function cancel() {
    if (state.kind === "running") void api.browseCancel(state.requestId).catch(() => undefined);
  }

  /** Forget a finished download (another request was sent); one still running stays shown. */
  function reset() {
    setState((s) => (s.kind === "running" ? s : { kind: "idle" }));
  }

  return { state, start, cancel, reset };
}

/** The "Save to file" button under a too_large error (`offer`), then the download's progress and outcome. */
export function SaveToFile({ offer, download }: { offer: BrowseRequest | null; download: ReturnType<typeof useDownload> }) {
  const { t } = useI18n();
  const s = download.state;
  return (
    <>
      {offer && s.kind !== "running" && s.kind !== "done" && (
        <div className="row">
          <Button primary dataTest="save-to-file" onClick={() => void download.start(offer)}>
            {t("download.save")}
          </Button>
        </div>
      )}
      {s.kind === "running" && (
        <div className="card" role="status" aria-live="polite" data-test="download-progress">
          <p className="m0">
            {!s.started
              ? t("download.starting")
              : s.total
                ? t("download.progressOf", { bytes: formatBytes(s.bytes), total: formatBytes(s.total) })
                : t("download.progress", { bytes: formatBytes(s.bytes) })}
          </p>
          <ProgressBar amount={s.total ? (s.bytes / s.total) * 100 : null} label={t("download.progress", { bytes: formatBytes(s.bytes) })} />
          <div className="row">
            <Button small secondary dataTest="download-cancel" onClick={download.cancel}>
              {t("common.cancel")}
            </Button>
          </div>
        </div>
      )}
      {s.kind === "done" && (
        <p className="small m0" role="status" data-test="download-note">
          {t("download.saved", { size: formatBytes(s.result.bytes), path: s.result.path })}
        </p>
      )}
      {s.kind === "cancelled" && (
        <p className="small m0" role="status" data-test="download-cancelled">
          {t("download.cancelled")}
        </p>
      )}
      {s.kind === "error" && <ErrorNotice error={s.error} />}
    </>
  );
}
