import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import * as api from "../../api";
import type { SearchHit, SearchResults } from "../../bindings";
import { copyText, formatCount } from "../../format";
import { useI18n } from "../../i18n";
import { kindKey } from "../../search/kinds";
import { createSearcher, type SearchState } from "../../search/searcher";
import { useApp } from "../../state";
import { CopyIcon } from "../icons";

/** The header's "Find…" box (Ctrl+K / Cmd+K): results as you type, grouped by kind. */
export function SearchBox() {
  const { t, lang, errorText } = useI18n();
  const { active, openPath } = useApp();
  const [text, setText] = useState("");
  const [state, setState] = useState<SearchState<SearchResults>>({ status: "idle" });
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const instanceId = active?.id ?? null;

  const searcher = useMemo(
    () => (instanceId ? createSearcher((q) => api.searchObjects(instanceId, q), setState) : null),
    [instanceId],
  );
  useEffect(() => {
    setState({ status: "idle" });
    if (text) searcher?.input(text);
    return () => searcher?.cancel();
    // Only a new instance restarts the search; typing goes through onChange.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [searcher]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
        setOpen(true);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const hits = state.status === "done" ? state.results.groups.flatMap((g) => g.hits) : [];
  const hitButtons = () => [...(box.current?.querySelectorAll<HTMLButtonElement>("[data-hit]") ?? [])];

  function choose(hit: SearchHit) {
    setOpen(false);
    openPath(hit.path);
  }

  function onInputKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "Escape") setOpen(false);
    else if (e.key === "ArrowDown" && hits.length) {
      e.preventDefault();
      setOpen(true);
      hitButtons()[0]?.focus();
    } else if (e.key === "Enter" && hits[0]) {
      e.preventDefault();
      choose(hits[0]);
    }
  }

  function onListKey(e: KeyboardEvent<HTMLDivElement>) {
    const buttons = hitButtons();
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      e.preventDefault();
      setOpen(false);
      input.current?.focus();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = i < 0 ? 0 : i + (e.key === "ArrowDown" ? 1 : -1);
      if (next < 0) input.current?.focus();
      else buttons[Math.min(next, buttons.length - 1)]?.focus();
    }
  }

  const showPanel = open && (text.trim().length > 0 || !instanceId);
  let index = 0;
  return (
    <div
      className="search"
      ref={box}
      onBlur={(e) => {
        if (!box.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <label htmlFor="find-input" className="sr-only">
        {t("search.label")}
      </label>
      <input
        id="find-input"
        ref={input}
        type="search"
        className="search-input"
        placeholder={t("search.placeholder")}
        value={text}
        autoComplete="off"
        spellCheck={false}
        aria-controls="find-results"
        aria-expanded={showPanel}
        aria-keyshortcuts="Control+K Meta+K"
        aria-describedby="find-hint"
        onFocus={() => setOpen(true)}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setNote("");
          searcher?.input(e.target.value);
        }}
        onKeyDown={onInputKey}
        data-test="find-input"
      />
      <span id="find-hint" className="sr-only">
        {t("search.hint")}
      </span>
      {showPanel && (
        <div id="find-results" className="search-panel" role="region" aria-label={t("search.results")} onKeyDown={onListKey} data-test="find-results">
          <p className="sr-only" role="status" aria-live="polite">
            {state.status === "searching" ? t("search.searching") : note}
          </p>
          {!instanceId && <p className="search-msg">{t("search.noInstance")}</p>}
          {state.status === "searching" && <p className="search-msg muted">{t("search.searching")}</p>}
          {state.status === "error" && <p className="search-msg state-warn">{errorText(api.toAppError(state.error)).message}</p>}
          {state.status === "done" && hits.length === 0 && <p className="search-msg">{t("search.none", { text: state.text })}</p>}
          {state.status === "done" &&
            state.results.groups
              .filter((g) => g.hits.length > 0)
              .map((g) => (
                <section key={g.kind} className="search-group" aria-labelledby={`find-group-${g.kind}`} data-test="find-group">
                  <h3 id={`find-group-${g.kind}`} className="search-group-title">
                    {t(kindKey(g.kind))}
                    {g.total !== null && g.total > g.hits.length && (
                      <span className="muted small"> · {t("search.more", { shown: formatCount(g.hits.length, lang), total: formatCount(g.total, lang) })}</span>
                    )}
                  </h3>
                  <ul className="plain">
                    {g.hits.map((h) => (
                      <li key={`${h.kind}:${h.id}`} className="search-hit">
                        <button type="button" className="search-open" data-hit={index++} onClick={() => choose(h)}>
                          <span className="search-name">{h.name}</span>
                          {h.code && <span className="muted small mono">{h.code}</span>}
                          <span className="muted small mono">{h.id}</span>
                        </button>
                        <button
                          type="button"
                          className="icon-btn"
                          aria-label={t("table.copyUid", { uid: h.id })}
                          title={t("table.copyUid", { uid: h.id })}
                          onClick={async () => setNote((await copyText(h.id)) ? t("table.copied", { value: h.id }) : t("common.copyFailed"))}
                        >
                          <CopyIcon />
                        </button>
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
        </div>
      )}
    </div>
  );
}
