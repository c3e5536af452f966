import { NoticeBox } from "@dhis2/ui";
import type { AppError } from "../../bindings";
import { useI18n } from "../../i18n";

/** A failed run: the core's plain-words message ("You picked no period…"), with a next step where it helps. */
export function RunError({ error, title }: { error: AppError; title?: string }) {
  const { t, errorText } = useI18n();
  const { message, next } = errorText(error);
  // invalid_input messages already say what to change; other kinds get the usual next step.
  const showNext = error.kind !== "invalid_input" || !error.message;
  return (
    <NoticeBox error title={title ?? t("analytics.failed")} dataTest="run-error">
      <p className="m0">{error.message || message}</p>
      {showNext && (
        <p className="m0">
          <strong>{t("common.nextStep")}:</strong> {next}
        </p>
      )}
    </NoticeBox>
  );
}
