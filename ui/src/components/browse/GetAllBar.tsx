import { Button } from "@dhis2/ui";
import { ProgressBar } from "../ProgressBar";
import { formatCount } from "../../format";
import { useI18n } from "../../i18n";
import type { GetAllState } from "./useGetAll";

/** Progress of "Get all pages": "Page 7 of 29 · 3,400 of 14,180 items" and a way to stop. */
export function GetAllProgress({ state, onCancel }: { state: GetAllState; onCancel: () => void }) {
  const { t, lang } = useI18n();
  if (state.kind === "cancelled")
    return (
      <p className="small m0" role="status" data-test="all-cancelled">
        {t("all.cancelled")}
      </p>
    );
  if (state.kind !== "running") return null;
  const p = state.progress;
  const n = (x: number) => formatCount(x, lang);
  const text = !p
    ? t("all.starting")
    : p.pageCount !== null && p.total !== null
      ? t("all.progress", { page: n(p.page), pageCount: n(p.pageCount), items: n(p.items), total: n(p.total) })
      : t("all.progressNoTotal", { page: n(p.page), items: n(p.items) });
  const amount = p?.total ? (p.items / p.total) * 100 : p?.pageCount ? (p.page / p.pageCount) * 100 : null;
  return (
    <div className="get-all card-inset" role="status" aria-live="polite" data-test="all-progress">
      <div className="row">
        <span data-test="all-progress-text">{text}</span>
        <Button small destructive onClick={onCancel} dataTest="all-cancel">
          {t("all.cancel")}
        </Button>
      </div>
      <ProgressBar amount={amount} label={text} />
    </div>
  );
}
