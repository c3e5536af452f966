import { formatBytes } from "../../format";
import { useI18n } from "../../i18n";
import type { Phase } from "./types";
import { ProgressBar } from "../ProgressBar";

/** "Receiving… 1.2 MB of 3.4 MB", then "Opening the response…". */
export function LoadProgress({ phase }: { phase: Phase }) {
  const { t } = useI18n();
  if (phase.kind === "parsing")
    return (
      <p role="status" className="muted">
        {t("response.opening")}
      </p>
    );
  if (phase.kind !== "loading") return null;
  return (
    <div className="card" role="status" aria-live="polite" data-test="browse-progress">
      <p className="m0">
        {phase.total
          ? t("response.receivingOf", { bytes: formatBytes(phase.bytes), total: formatBytes(phase.total) })
          : t("response.receiving", { bytes: formatBytes(phase.bytes) })}
      </p>
      <ProgressBar amount={phase.total ? (phase.bytes / phase.total) * 100 : null} label={t("response.receiving", { bytes: formatBytes(phase.bytes) })} />
    </div>
  );
}
