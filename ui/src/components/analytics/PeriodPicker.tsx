import type { Dispatch } from "react";
import type { AnalyticsQuery } from "../../bindings";
import { groupKey, periodLabel, RELATIVE_GROUPS, relativeKey } from "../../analytics/periods";
import { hasItem, type Action } from "../../analytics/query";
import { useI18n } from "../../i18n";
import { Chips } from "./Chips";
import { FixedPeriods } from "./FixedPeriods";

/** "When": relative periods in plain words, grouped, and fixed periods per period type. */
export function PeriodPicker({ query, dispatch }: { query: AnalyticsQuery; dispatch: Dispatch<Action> }) {
  const { t, lang } = useI18n();
  return (
    <fieldset className="builder-part plain-fieldset" data-test="period-picker">
      <legend className="builder-legend">{t("builder.periods")}</legend>
      <Chips
        items={query.periods}
        label={(i) => periodLabel(t, lang, i.id)}
        onRemove={(i) => dispatch({ type: "remove", dim: "pe", id: i.id })}
        title={t("builder.pickedPeriods")}
        empty={t("builder.noPeriods")}
        testId="period-chips"
      />
      <h3 className="builder-sub">{t("builder.relative")}</h3>
      {RELATIVE_GROUPS.map((g) => (
        <details key={g.group} className="period-group" open={g.group === "months"}>
          <summary>{t(groupKey(g.group))}</summary>
          <div className="check-grid" role="group" aria-label={t(groupKey(g.group))}>
            {g.ids.map((id) => (
              <label key={id} className="check-row">
                <input
                  type="checkbox"
                  checked={hasItem(query, "pe", id)}
                  onChange={() => dispatch({ type: "toggle", dim: "pe", item: { id, name: t(relativeKey(id)), code: null, kind: null } })}
                />
                {t(relativeKey(id))}
              </label>
            ))}
          </div>
        </details>
      ))}
      <h3 className="builder-sub">{t("builder.fixed")}</h3>
      <FixedPeriods query={query} dispatch={dispatch} />
    </fieldset>
  );
}
