import type { HistoryEntry, Instance } from "../../bindings";
import { formatDate, formatRelative } from "../../format";
import { useI18n } from "../../i18n";
import { describeQuery } from "./query";

export function HistoryPanel({ instance, entries, onOpen, onPin }: {
  instance: Instance;
  entries: HistoryEntry[];
  onOpen: (e: HistoryEntry) => void;
  onPin: (e: HistoryEntry) => void;
}) {
  const { t, lang } = useI18n();
  const nowSec = Date.now() / 1000;
  const pinned = entries.filter((e) => e.pinned);
  const recent = entries.filter((e) => !e.pinned);
  const row = (e: HistoryEntry) => {
    const q = describeQuery(e.query);
    return (
      <li key={e.id} className="history-row">
        <button type="button" className="history-open" onClick={() => onOpen(e)} title={q ? `${e.path}?${q}` : e.path}>
          <span className="history-line">
            <span className={e.status >= 400 || e.status === 0 ? "status-badge status-bad" : "status-badge"}>{e.status || "–"}</span>
            <span className="history-path mono">{e.path}</span>
            {q && <span className="history-query mono muted">?{q}</span>}
          </span>
          <time
            className="history-time muted"
            dateTime={new Date(e.at * 1000).toISOString()}
            title={t("history.madeAt", { time: formatDate(e.at, lang) })}
            data-test="history-time"
          >
            {formatRelative(t, e.at, nowSec, lang)}
          </time>
        </button>
        <button
          type="button"
          className={e.pinned ? "pin pin-on" : "pin"}
          aria-pressed={e.pinned}
          aria-label={e.pinned ? t("history.unpin", { path: e.path }) : t("history.pin", { path: e.path })}
          title={e.pinned ? t("history.unpin", { path: e.path }) : t("history.pin", { path: e.path })}
          onClick={() => onPin(e)}
        >
          {e.pinned ? "★" : "☆"}
        </button>
      </li>
    );
  };
  return (
    <aside className="history card" aria-label={t("history.title")} data-test="history" data-instance={instance.id}>
      <h2 className="h3">{t("history.title")}</h2>
      {entries.length === 0 && <p className="muted small">{t("history.empty")}</p>}
      {pinned.length > 0 && (
        <>
          <h3 className="h4">{t("history.pinned")}</h3>
          <ul className="plain">{pinned.map(row)}</ul>
        </>
      )}
      {recent.length > 0 && (
        <>
          <h3 className="h4">{t("history.recent")}</h3>
          <ul className="plain">{recent.map(row)}</ul>
        </>
      )}
    </aside>
  );
}
