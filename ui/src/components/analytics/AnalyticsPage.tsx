import { useCallback, useState } from "react";
import { Button } from "@dhis2/ui";
import * as api from "../../api";
import type { AnalyticsQuery, AnalyticsRunResult, AppError, Instance } from "../../bindings";
import { missingParts, reduce, type Action } from "../../analytics/query";
import { useI18n } from "../../i18n";
import { useApp } from "../../state";
import { DataPicker } from "./DataPicker";
import { LayoutEditor } from "./LayoutEditor";
import { OrgUnitPicker } from "./OrgUnitPicker";
import { PeriodPicker } from "./PeriodPicker";
import { ResultView } from "./ResultView";
import { RunError } from "./RunError";
import { NameDialog } from "./SaveDialog";

type Run = { kind: "idle" } | { kind: "running" } | { kind: "done"; result: AnalyticsRunResult; query: AnalyticsQuery } | { kind: "error"; error: AppError };

function Builder({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const { builder: query, setBuilder, startSignIn } = useApp();
  const dispatch = useCallback((a: Action) => setBuilder((q) => reduce(q, a)), [setBuilder]);
  const [run, setRun] = useState<Run>({ kind: "idle" });
  const [saving, setSaving] = useState(false);
  const [note, setNote] = useState("");
  const missing = missingParts(query);

  async function start() {
    setRun({ kind: "running" });
    setNote("");
    const sent = query;
    try {
      // The typed query goes to the core, which builds the URL.
      const result = await api.analyticsRun(instance.id, sent);
      setRun({ kind: "done", result, query: sent });
    } catch (e) {
      setRun({ kind: "error", error: api.toAppError(e) });
    }
  }

  return (
    <div className="analytics-layout">
      <div className="analytics-builder" role="region" aria-label={t("analytics.builder")}>
        <DataPicker instanceId={instance.id} query={query} dispatch={dispatch} />
        <PeriodPicker query={query} dispatch={dispatch} />
        <OrgUnitPicker instanceId={instance.id} query={query} dispatch={dispatch} />
        <LayoutEditor query={query} dispatch={dispatch} />
      </div>
      <div className="analytics-main">
        <div className="run-bar">
          <Button primary onClick={() => void start()} loading={run.kind === "running"} disabled={run.kind === "running"} dataTest="analytics-run">
            {t("analytics.run")}
          </Button>
          <Button onClick={() => (setNote(""), setSaving(true))} dataTest="analytics-save">
            {t("analytics.save")}
          </Button>
          {missing.length > 0 && (
            <span className="small muted" data-test="builder-missing">
              {missing.map((k) => t(k)).join(" ")}
            </span>
          )}
        </div>
        <p className="small m0" role="status" aria-live="polite" data-test="analytics-note">
          {note}
        </p>
        {run.kind === "error" && <RunError error={run.error} />}
        {run.kind === "error" && (run.error.kind === "sign_in_required" || run.error.kind === "token_expired") && (
          <div>
            <Button onClick={() => startSignIn(instance.id, false)} dataTest="analytics-sign-in">
              {t("runOn.signIn", { name: instance.name })}
            </Button>
          </div>
        )}
        {run.kind === "running" && (
          <p className="muted" role="status">
            {t("analytics.running", { name: instance.name })}
          </p>
        )}
        {run.kind === "idle" && <p className="muted">{t("analytics.empty")}</p>}
        {run.kind === "done" && <ResultView result={run.result} query={run.query} label={t("analytics.resultLabel", { name: instance.name })} />}
      </div>
      {saving && (
        <NameDialog
          title={t("analytics.saveTitle")}
          initialName=""
          make={(name) => ({ id: "", name, question: { kind: "analytics", query }, updatedAt: 0 })}
          onClose={() => setSaving(false)}
          onSaved={(s) => {
            setSaving(false);
            setNote(t("analytics.saved", { name: s.name }));
          }}
        />
      )}
    </div>
  );
}

/** "Analytics": pick what, when and where, run it, see a table with names, export or save it. */
export function AnalyticsPage() {
  const { t } = useI18n();
  const { active } = useApp();
  return (
    <section className="page page-wide" aria-labelledby="analytics-title">
      <div className="page-head">
        <h1 id="analytics-title">{t("analytics.title")}</h1>
        {active && <span className="muted">{t("browse.onInstance", { name: active.name })}</span>}
      </div>
      {active ? <Builder key={active.id} instance={active} /> : <p>{t("analytics.noInstance")}</p>}
    </section>
  );
}
