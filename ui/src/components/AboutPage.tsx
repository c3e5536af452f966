import { useEffect, useState } from "react";
import { Button, CircularLoader } from "@dhis2/ui";
import * as api from "../api";
import type { AboutInfo, AppError } from "../bindings";
import { useI18n } from "../i18n";
import { useApp } from "../state";
import { ErrorNotice } from "./common";

export function AboutPage() {
  const { t } = useI18n();
  const { navigate } = useApp();
  const [info, setInfo] = useState<AboutInfo | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  useEffect(() => {
    api.appAbout().then(setInfo, (e) => setError(api.toAppError(e)));
  }, []);
  return (
    <section className="page" aria-labelledby="about-title">
      <div className="page-head">
        <h1 id="about-title">{t("about.title")}</h1>
        <Button secondary onClick={() => navigate("settings")}>
          {t("common.back")}
        </Button>
      </div>
      {error && <ErrorNotice error={error} />}
      {!info && !error && <CircularLoader small aria-label={t("common.loading")} />}
      {info && (
        <dl className="kv card" data-test="about">
          <dt>{t("about.app")}</dt>
          <dd>{info.appVersion}</dd>
          <dt>{t("about.tauri")}</dt>
          <dd>{info.tauriVersion}</dd>
          <dt>{t("about.webview")}</dt>
          <dd>{info.webkitVersion ?? t("about.unknown")}</dd>
          <dt>{t("about.os")}</dt>
          <dd>{info.os}</dd>
        </dl>
      )}
    </section>
  );
}
