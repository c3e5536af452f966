import type { SavedQuestion } from "../../bindings";
import { periodLabel } from "../../analytics/periods";
import { summary } from "../../analytics/query";
import { formatDate } from "../../format";
import { useI18n } from "../../i18n";
import { requestPath } from "../../analytics/saved";

export type RowActions = {
  open: (s: SavedQuestion) => void;
  runOn: (s: SavedQuestion) => void;
  compare: (s: SavedQuestion) => void;
  rename: (s: SavedQuestion) => void;
  remove: (s: SavedQuestion) => void;
};

type Props = { list: SavedQuestion[]; selected: Set<string>; onSelect: (id: string, on: boolean) => void; actions: RowActions };

/** The saved questions as a table: pick for export, open, run on another instance, compare, rename, delete. */
export function SavedList({ list, selected, onSelect, actions }: Props) {
  const { t, lang } = useI18n();
  return (
    <table className="saved-table" data-test="saved-table">
      <thead>
        <tr>
          <th scope="col">
            <span className="sr-only">{t("saved.select")}</span>
          </th>
          <th scope="col">{t("saved.name")}</th>
          <th scope="col">{t("saved.what")}</th>
          <th scope="col">{t("saved.updated")}</th>
          <th scope="col">
            <span className="sr-only">{t("saved.actions")}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {list.map((s) => {
          const q = s.question;
          const what =
            q.kind === "analytics"
              ? summary(q.query, (dim, i) => (dim === "pe" ? periodLabel(t, lang, i.id) : (i.name ?? i.id)))
              : t("saved.request", { path: requestPath(q.path, q.query) });
          return (
            <tr key={s.id} data-test="saved-row">
              <td>
                <input type="checkbox" checked={selected.has(s.id)} onChange={(e) => onSelect(s.id, e.target.checked)} aria-label={t("saved.selectOne", { name: s.name })} />
              </td>
              <th scope="row" className="saved-name">
                {s.name}
              </th>
              <td className="small">{what}</td>
              <td className="small muted">{s.updatedAt ? formatDate(s.updatedAt, lang) : ""}</td>
              <td>
                <div className="row-actions" role="group" aria-label={t("instances.actionsFor", { name: s.name })}>
                  <button type="button" className="small-btn" onClick={() => actions.open(s)}>
                    {t("saved.open")}
                  </button>
                  {q.kind === "analytics" && (
                    <>
                      <button type="button" className="small-btn" onClick={() => actions.runOn(s)}>
                        {t("saved.runOn")}
                      </button>
                      <button type="button" className="small-btn" onClick={() => actions.compare(s)}>
                        {t("saved.compare")}
                      </button>
                    </>
                  )}
                  <button type="button" className="small-btn" onClick={() => actions.rename(s)}>
                    {t("saved.rename")}
                  </button>
                  <button type="button" className="small-btn small-btn-danger" onClick={() => actions.remove(s)}>
                    {t("saved.delete")}
                  </button>
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
