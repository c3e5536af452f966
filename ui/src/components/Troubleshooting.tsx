import { useEffect, useState } from "react";
import { Button, Checkbox } from "@dhis2/ui";
import * as api from "../api";
import { copyText } from "../format";
import { useI18n } from "../i18n";

/** Settings → Troubleshooting: a detailed log, and diagnostics to paste into a message to support. */
export function Troubleshooting() {
  const { t } = useI18n();
  const [detailed, setDetailed] = useState(false);
  const [note, setNote] = useState("");
  useEffect(() => {
    api.appDetailedLog().then(setDetailed, () => setDetailed(false));
  }, []);

  async function copy() {
    try {
      const text = await api.appDiagnostics();
      setNote((await copyText(text)) ? t("diagnostics.copied") : t("common.copyFailed"));
    } catch (e) {
      setNote(api.toAppError(e).message || t("common.copyFailed"));
    }
  }

  return (
    <div className="card" data-test="troubleshooting">
      <h2 className="h3">{t("diagnostics.title")}</h2>
      <Checkbox
        label={t("diagnostics.detailed")}
        checked={detailed}
        onChange={({ checked }) => {
          api.appSetDetailedLog(Boolean(checked)).then(setDetailed, () => undefined);
        }}
        dataTest="detailed-log"
      />
      <p className="small muted m0">{t("diagnostics.detailedHelp")}</p>
      <Button onClick={() => void copy()} dataTest="copy-diagnostics">
        {t("diagnostics.copy")}
      </Button>
      <p className="small m0" role="status" aria-live="polite" data-test="diagnostics-note">
        {note}
      </p>
    </div>
  );
}
