import type { Dispatch } from "react";
import type { AnalyticsQuery, Dimension } from "../../bindings";
import { DIMENSIONS, effectiveLayout, layoutProblem, placeOf, PLACES, type Place } from "../../analytics/layout";
import type { Action } from "../../analytics/query";
import { useI18n, type MessageKey } from "../../i18n";

export const DIM_KEYS: Record<Dimension, MessageKey> = { dx: "builder.data", pe: "builder.periods", ou: "builder.orgUnits" };
const PLACE_KEYS: Record<Place, MessageKey> = { rows: "layout.rows", columns: "layout.columns", filters: "layout.filter" };

/** Rows, columns or filter for each dimension; totals on or off. */
export function LayoutEditor({ query, dispatch }: { query: AnalyticsQuery; dispatch: Dispatch<Action> }) {
  const { t } = useI18n();
  const layout = effectiveLayout(query);
  const problem = layoutProblem(layout);
  return (
    <fieldset className="builder-part plain-fieldset" data-test="layout-editor">
      <legend className="builder-legend">{t("layout.title")}</legend>
      <p className="small muted m0">{query.layout ? t("layout.custom") : t("layout.default")}</p>
      <div className="inline-fields">
        {DIMENSIONS.map((d) => (
          <label key={d} className="field-inline">
            <span className="label">{t(DIM_KEYS[d])}</span>
            <select className="select" value={placeOf(layout, d)} onChange={(e) => dispatch({ type: "place", dim: d, to: e.target.value as Place })} data-test={`layout-${d}`}>
              {PLACES.map((p) => (
                <option key={p} value={p}>
                  {t(PLACE_KEYS[p])}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      {query.layout && (
        <button type="button" className="small-btn" onClick={() => dispatch({ type: "resetLayout" })}>
          {t("layout.reset")}
        </button>
      )}
      {problem && (
        <p className="small state-warn m0" role="alert">
          {t(problem)}
        </p>
      )}
      <label className="check-row switch-row">
        <input type="checkbox" role="switch" checked={query.totals} onChange={(e) => dispatch({ type: "totals", on: e.target.checked })} data-test="totals" />
        {t("layout.totals")}
      </label>
    </fieldset>
  );
}
