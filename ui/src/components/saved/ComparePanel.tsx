import { useMemo, useState } from "react";
import { Button } from "@dhis2/ui";
import * as api from "../../api";
import type { AnalyticsCompare, AnalyticsQuery, AppError, Instance, SavedQuestion } from "../../bindings";
import { diffKeys } from "../../analytics/compare";
import { formatCount } from "../../format";
import { useI18n } from "../../i18n";
import { RunError } from "../analytics/RunError";
import { GridTable } from "./GridTable";
import { InstancePick } from "./InstancePick";
import { MissingList } from "./MissingList";

type Phase = { kind: "idle" } | { kind: "running" } | { kind: "done"; compare: AnalyticsCompare } | { kind: "error"; error: AppError };

/** "Compare instances": one question on two instances, side by side, differing cells marked. */
export function ComparePanel({ saved, query, instances, left: l0, right: r0, onClose }: { saved: SavedQuestion; query: AnalyticsQuery; instances: Instance[]; left: string; right: string; onClose: () => void }) {
  const { t, lang } = useI18n();
  const [left, setLeft] = useState(l0);
  const [right, setRight] = useState(r0);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const nameOf = (id: string) => instances.find((i) => i.id === id)?.name ?? id;
  const diffs = useMemo(() => (phase.kind === "done" ? diffKeys(phase.compare.differences) : new Set<string>()), [phase]);

  async function compare() {
    setPhase({ kind: "running" });
    try {
      setPhase({ kind: "done", compare: await api.analyticsCompare(left, right, query) });
    } catch (e) {
      setPhase({ kind: "error", error: api.toAppError(e) });
    }
  }

  const c = phase.kind === "done" ? phase.compare : null;
  const ln = nameOf(c?.left.instanceId ?? left);
  const rn = nameOf(c?.right.instanceId ?? right);
  return (
    <section className="card saved-panel" aria-labelledby="compare-title" data-test="compare">
      <div className="panel-head">
        <h2 id="compare-title">{t("compare.title", { name: saved.name })}</h2>
        <Button small secondary onClick={onClose}>
          {t("common.close")}
        </Button>
      </div>
      <div className="inline-fields">
        <InstancePick id="compare-left" label={t("compare.left")} instances={instances} value={left} onChange={(id) => (setLeft(id), setPhase({ kind: "idle" }))} />
        <InstancePick id="compare-right" label={t("compare.right")} instances={instances} value={right} onChange={(id) => (setRight(id), setPhase({ kind: "idle" }))} />
        <Button primary onClick={() => void compare()} loading={phase.kind === "running"} disabled={phase.kind === "running" || left === right} dataTest="compare-run">
          {t("compare.run")}
        </Button>
      </div>
      {left === right && <p className="small muted m0">{t("compare.pickTwo")}</p>}
      {phase.kind === "error" && <RunError error={phase.error} />}
      {c && (
        <>
          <p className={c.differences.length ? "compare-count state-warn" : "compare-count state-ok"} role="status" data-test="compare-count">
            {c.differences.length === 0 ? t("compare.same") : t("compare.count", { n: formatCount(c.differences.length, lang) })}
          </p>
          {c.leftMissing.length > 0 && <MissingList missing={c.leftMissing} instanceName={ln} />}
          {c.rightMissing.length > 0 && <MissingList missing={c.rightMissing} instanceName={rn} />}
          <div className="compare-sides">
            <GridTable result={c.left} diffs={diffs} caption={ln} />
            <GridTable result={c.right} diffs={diffs} caption={rn} />
          </div>
          {c.differences.length > 0 && (
            <details className="details">
              <summary>{t("compare.list")}</summary>
              <table className="compare-table" data-test="diff-list">
                <thead>
                  <tr>
                    <th scope="col">{t("compare.row")}</th>
                    <th scope="col">{t("compare.column")}</th>
                    <th scope="col">{ln}</th>
                    <th scope="col">{rn}</th>
                  </tr>
                </thead>
                <tbody>
                  {c.differences.map((d) => (
                    <tr key={`${d.row}|${d.column}`}>
                      <td>{d.row}</td>
                      <td>{d.column}</td>
                      <td className="num">{d.left ?? "—"}</td>
                      <td className="num">{d.right ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </>
      )}
    </section>
  );
}
