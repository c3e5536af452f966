import { useState, type Dispatch } from "react";
import type { AnalyticsQuery } from "../../bindings";
import { FIXED_TYPES, fixedPeriodId, fixedPeriodLabel, periodsOf, type FixedType } from "../../analytics/periods";
import { hasItem, type Action } from "../../analytics/query";
import { useI18n, type MessageKey } from "../../i18n";

const TYPE_KEYS: Record<FixedType, MessageKey> = {
  monthly: "fp.monthly",
  quarterly: "fp.quarterly",
  sixMonthly: "fp.sixMonthly",
  yearly: "fp.yearly",
  weekly: "fp.weekly",
};

/** Pick a period type and a year, then tick periods; each gives DHIS2's ISO id (202401, 2024Q1…). */
export function FixedPeriods({ query, dispatch, now = new Date() }: { query: AnalyticsQuery; dispatch: Dispatch<Action>; now?: Date }) {
  const { t, lang } = useI18n();
  const thisYear = now.getFullYear();
  const [type, setType] = useState<FixedType>("monthly");
  const [year, setYear] = useState(thisYear);
  const years = Array.from({ length: 15 }, (_, i) => thisYear - i);
  return (
    <div className="fixed-periods">
      <div className="inline-fields">
        <label className="field-inline">
          <span className="label">{t("fp.type")}</span>
          <select className="select" value={type} onChange={(e) => setType(e.target.value as FixedType)} data-test="fixed-type">
            {FIXED_TYPES.map((ft) => (
              <option key={ft} value={ft}>
                {t(TYPE_KEYS[ft])}
              </option>
            ))}
          </select>
        </label>
        {type !== "yearly" && (
          <label className="field-inline">
            <span className="label">{t("fp.year")}</span>
            <select className="select" value={year} onChange={(e) => setYear(Number(e.target.value))} data-test="fixed-year">
              {years.map((y) => (
                <option key={y} value={y}>
                  {y}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="check-grid fixed-list" role="group" aria-label={t("fp.listLabel", { type: t(TYPE_KEYS[type]) })} data-test="fixed-list">
        {periodsOf(type, type === "yearly" ? thisYear : year).map((p) => {
          const id = fixedPeriodId(p);
          const label = fixedPeriodLabel(t, lang, p);
          return (
            <label key={id} className="check-row">
              <input type="checkbox" checked={hasItem(query, "pe", id)} onChange={() => dispatch({ type: "toggle", dim: "pe", item: { id, name: label, code: null, kind: null } })} />
              {label}
            </label>
          );
        })}
      </div>
    </div>
  );
}
