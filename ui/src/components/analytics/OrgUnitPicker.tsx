import { useEffect, useMemo, useState, type Dispatch } from "react";
import * as api from "../../api";
import type { AnalyticsQuery } from "../../bindings";
import { groupItem, levelItem, USER_ORGUNIT } from "../../analytics/items";
import { loadGroups, loadLevels, type GetJson, type Group, type Level } from "../../analytics/orgunits";
import { hasItem, type Action } from "../../analytics/query";
import { useI18n } from "../../i18n";
import { Chips } from "./Chips";
import { OrgUnitTree } from "./OrgUnitTree";

/** "Where": my org units, each <level>, groups, and a lazy tree of the user's org units. */
export function OrgUnitPicker({ instanceId, query, dispatch }: { instanceId: string; query: AnalyticsQuery; dispatch: Dispatch<Action> }) {
  const { t } = useI18n();
  const get = useMemo<GetJson>(() => (path, q) => api.browseJson(instanceId, path, q), [instanceId]);
  const [levels, setLevels] = useState<Level[]>([]);
  const [groups, setGroups] = useState<Group[]>([]);
  const [group, setGroup] = useState("");

  useEffect(() => {
    let dead = false;
    loadLevels(get).then((l) => !dead && setLevels(l), () => undefined);
    loadGroups(get).then((g) => !dead && setGroups(g), () => undefined);
    return () => {
      dead = true;
    };
  }, [get]);

  const myName = t("ou.mine");
  return (
    <fieldset className="builder-part plain-fieldset" data-test="ou-picker">
      <legend className="builder-legend">{t("builder.orgUnits")}</legend>
      <Chips
        items={query.orgUnits}
        label={(i) => (i.id === USER_ORGUNIT ? myName : (i.name ?? i.id))}
        onRemove={(i) => dispatch({ type: "remove", dim: "ou", id: i.id })}
        title={t("builder.pickedOrgUnits")}
        empty={t("builder.noOrgUnits")}
        testId="ou-chips"
      />
      <h3 className="builder-sub">{t("ou.quick")}</h3>
      <div className="check-grid" role="group" aria-label={t("ou.quick")}>
        <label className="check-row">
          <input
            type="checkbox"
            checked={hasItem(query, "ou", USER_ORGUNIT)}
            onChange={() => dispatch({ type: "toggle", dim: "ou", item: { id: USER_ORGUNIT, name: myName, code: null, kind: null } })}
          />
          {myName}
        </label>
        {levels.map((l) => {
          const name = t("ou.each", { level: l.name });
          return (
            <label key={l.level} className="check-row">
              <input type="checkbox" checked={hasItem(query, "ou", `LEVEL-${l.level}`)} onChange={() => dispatch({ type: "toggle", dim: "ou", item: levelItem(l.level, name) })} />
              {name}
            </label>
          );
        })}
      </div>
      {groups.length > 0 && (
        <div className="inline-fields">
          <label className="field-inline">
            <span className="label">{t("ou.group")}</span>
            <select className="select" value={group} onChange={(e) => setGroup(e.target.value)} data-test="ou-group">
              <option value="">{t("ou.groupChoose")}</option>
              {groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="small-btn"
            disabled={!group}
            onClick={() => {
              const g = groups.find((x) => x.id === group);
              if (g) dispatch({ type: "add", dim: "ou", item: groupItem(g.id, g.name) });
            }}
          >
            {t("ou.groupAdd")}
          </button>
        </div>
      )}
      <h3 className="builder-sub">{t("ou.tree")}</h3>
      <OrgUnitTree get={get} query={query} dispatch={dispatch} />
    </fieldset>
  );
}
