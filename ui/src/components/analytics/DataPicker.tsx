import { useEffect, useMemo, useRef, useState, type Dispatch, type KeyboardEvent } from "react";
import * as api from "../../api";
import type { AnalyticsQuery, SearchGroup } from "../../bindings";
import { dataGroups, hitToItem, programIndicatorGroup } from "../../analytics/items";
import { hasItem, type Action } from "../../analytics/query";
import { useI18n, type MessageKey } from "../../i18n";
import { createSearcher, type SearchState } from "../../search/searcher";
import { Chips } from "./Chips";

const GROUP_KEYS: Record<string, MessageKey> = {
  dataElements: "kind.dataElements",
  indicators: "kind.indicators",
  programIndicators: "kind.programIndicators",
  dataSets: "kind.reportingRates",
};

/** search_objects for data elements, indicators and data sets, and program indicators by token. */
async function searchData(instanceId: string, text: string): Promise<SearchGroup[]> {
  const [found, pi] = await Promise.all([
    api.searchObjects(instanceId, text),
    api
      .browseJson(instanceId, "/api/programIndicators", [
        ["filter", `identifiable:token:${text}`],
        ["fields", "id,displayName,code"],
        ["pageSize", "10"],
      ])
      .then(programIndicatorGroup)
      .catch(() => null),
  ]);
  return dataGroups(pi ? [...found.groups, pi] : found.groups);
}

/** "What": search data by name and pick items, shown as chips. */
export function DataPicker({ instanceId, query, dispatch }: { instanceId: string; query: AnalyticsQuery; dispatch: Dispatch<Action> }) {
  const { t, errorText } = useI18n();
  const [text, setText] = useState("");
  const [state, setState] = useState<SearchState<SearchGroup[]>>({ status: "idle" });
  const list = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const searcher = useMemo(() => createSearcher((q) => searchData(instanceId, q), setState), [instanceId]);
  useEffect(() => () => searcher.cancel(), [searcher]);

  const buttons = () => [...(list.current?.querySelectorAll<HTMLButtonElement>("button") ?? [])];
  function onKey(e: KeyboardEvent<HTMLElement>) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const all = buttons();
    if (!all.length) return;
    e.preventDefault();
    const i = all.indexOf(document.activeElement as HTMLButtonElement);
    const next = i + (e.key === "ArrowDown" ? 1 : -1);
    if (next < 0) input.current?.focus();
    else all[Math.min(next, all.length - 1)]?.focus();
  }

  return (
    <fieldset className="builder-part plain-fieldset" data-test="data-picker">
      <legend className="builder-legend">{t("builder.data")}</legend>
      <Chips
        items={query.data}
        label={(i) => i.name ?? i.id}
        onRemove={(i) => dispatch({ type: "remove", dim: "dx", id: i.id })}
        title={t("builder.pickedData")}
        empty={t("builder.noData")}
        testId="data-chips"
      />
      <label htmlFor="data-search" className="label">
        {t("builder.dataSearch")}
      </label>
      <input
        id="data-search"
        ref={input}
        type="search"
        className="text-input"
        value={text}
        autoComplete="off"
        placeholder={t("builder.dataPlaceholder")}
        onChange={(e) => {
          setText(e.target.value);
          searcher.input(e.target.value);
        }}
        onKeyDown={onKey}
        aria-controls="data-results"
        data-test="data-search"
      />
      <div id="data-results" ref={list} className="data-results" onKeyDown={onKey} aria-live="polite">
        {state.status === "searching" && <p className="small muted m0">{t("search.searching")}</p>}
        {state.status === "error" && <p className="small state-warn m0">{api.toAppError(state.error).message || errorText(api.toAppError(state.error)).message}</p>}
        {state.status === "done" && state.results.length === 0 && <p className="small m0">{t("search.none", { text: state.text })}</p>}
        {state.status === "done" &&
          state.results.map((g) => (
            <section key={g.kind} aria-labelledby={`data-group-${g.kind}`} data-test="data-group">
              <h3 id={`data-group-${g.kind}`} className="search-group-title">
                {t(GROUP_KEYS[g.kind] ?? "kind.other")}
              </h3>
              <ul className="plain">
                {g.hits.map((h) => {
                  const item = hitToItem(h);
                  const picked = hasItem(query, "dx", item.id);
                  return (
                    <li key={h.id}>
                      <button
                        type="button"
                        className="pick-btn"
                        aria-pressed={picked}
                        onClick={() => dispatch({ type: "toggle", dim: "dx", item })}
                        data-test="data-hit"
                      >
                        <span aria-hidden="true" className="pick-mark">{picked ? "✓" : "+"}</span> {h.name}
                        {h.code && <span className="muted small mono"> {h.code}</span>}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
      </div>
    </fieldset>
  );
}
