import { useState } from "react";
import { Button, ButtonStrip } from "@dhis2/ui";
import * as api from "../../api";
import type { AnalyticsQuery, AnalyticsRunResult, AppError, Instance, PreparedQuery, SavedQuestion } from "../../bindings";
import { acceptedQuery, initialAccepted } from "../../analytics/runon";
import { useI18n } from "../../i18n";
import { useApp } from "../../state";
import { ResultView } from "../analytics/ResultView";
import { RunError } from "../analytics/RunError";
import { InstancePick } from "./InstancePick";
import { MissingList } from "./MissingList";

type Phase =
  | { kind: "idle" }
  | { kind: "checking" }
  | { kind: "checked"; prepared: PreparedQuery; accepted: boolean[] }
  | { kind: "running"; prepared: PreparedQuery; accepted: boolean[] }
  | { kind: "done"; prepared: PreparedQuery; accepted: boolean[]; result: AnalyticsRunResult; query: AnalyticsQuery }
  | { kind: "error"; error: AppError; prepared?: PreparedQuery; accepted?: boolean[] };

/** "Run on…": check the question against another instance, accept matches, then run it there. */
export function RunOnPanel({ saved, query, instances, initial, onClose }: { saved: SavedQuestion; query: AnalyticsQuery; instances: Instance[]; initial: string; onClose: () => void }) {
  const { t } = useI18n();
  const { startSignIn } = useApp();
  const [target, setTarget] = useState(initial);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const name = instances.find((i) => i.id === target)?.name ?? target;

  async function check() {
    setPhase({ kind: "checking" });
    try {
      const prepared = await api.analyticsPrepare(target, query);
      setPhase({ kind: "checked", prepared, accepted: initialAccepted(prepared) });
    } catch (e) {
      setPhase({ kind: "error", error: api.toAppError(e) });
    }
  }

  async function run(prepared: PreparedQuery, accepted: boolean[]) {
    const q = acceptedQuery(prepared, accepted);
    setPhase({ kind: "running", prepared, accepted });
    try {
      const result = await api.analyticsRun(target, q);
      setPhase({ kind: "done", prepared, accepted, result, query: q });
    } catch (e) {
      // The report of missing items stays, so the user can sign in and run again.
      setPhase({ kind: "error", error: api.toAppError(e), prepared, accepted });
    }
  }

  const prepared = "prepared" in phase && phase.prepared && phase.accepted ? { prepared: phase.prepared, accepted: phase.accepted } : null;
  const needsSignIn = phase.kind === "error" && (phase.error.kind === "sign_in_required" || phase.error.kind === "token_expired");
  return (
    <section className="card saved-panel" aria-labelledby="run-on-title" data-test="run-on">
      <div className="panel-head">
        <h2 id="run-on-title">{t("runOn.title", { name: saved.name })}</h2>
        <Button small secondary onClick={onClose}>
          {t("common.close")}
        </Button>
      </div>
      <div className="inline-fields">
        <InstancePick
          id="run-on-instance"
          label={t("runOn.instance")}
          instances={instances}
          value={target}
          onChange={(id) => {
            setTarget(id);
            setPhase({ kind: "idle" });
          }}
        />
        <Button onClick={() => void check()} loading={phase.kind === "checking"} dataTest="run-on-check">
          {t("runOn.check")}
        </Button>
      </div>
      {phase.kind === "error" && <RunError error={phase.error} />}
      {needsSignIn && (
        <ButtonStrip>
          <Button onClick={() => startSignIn(target, false)} dataTest="run-on-sign-in">
            {t("runOn.signIn", { name })}
          </Button>
        </ButtonStrip>
      )}
      {prepared && (
        <>
          <h3 className="builder-sub">{t("runOn.missingTitle", { name })}</h3>
          <MissingList
            missing={prepared.prepared.missing}
            instanceName={name}
            accepted={prepared.accepted}
            onAccept={(i, on) =>
              setPhase((p) => ("prepared" in p && p.prepared && p.accepted ? { kind: "checked", prepared: p.prepared, accepted: p.accepted.map((a, j) => (j === i ? on : a)) } : p))
            }
          />
          <ButtonStrip>
            <Button
              primary
              onClick={() => void run(prepared.prepared, prepared.accepted)}
              loading={phase.kind === "running"}
              disabled={phase.kind === "running"}
              dataTest="run-on-run"
            >
              {t("runOn.run", { name })}
            </Button>
          </ButtonStrip>
        </>
      )}
      {phase.kind === "done" && <ResultView result={phase.result} query={phase.query} label={t("analytics.resultLabel", { name })} />}
    </section>
  );
}
