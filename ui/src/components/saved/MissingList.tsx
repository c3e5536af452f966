import type { MissingItem } from "../../bindings";
import { itemKindKey } from "../../analytics/items";
import { useI18n } from "../../i18n";

type Props = {
  missing: MissingItem[];
  instanceName: string;
  /** With `accepted`, each proposed replacement gets a checkbox. */
  accepted?: boolean[];
  onAccept?: (index: number, on: boolean) => void;
};

/** Items the instance does not have, by name, with the match found by code or name (if any). */
export function MissingList({ missing, instanceName, accepted, onAccept }: Props) {
  const { t } = useI18n();
  if (!missing.length) return <p className="small m0" data-test="missing-none">{t("runOn.allFound", { name: instanceName })}</p>;
  return (
    <ul className="missing-list plain" aria-label={t("runOn.missingTitle", { name: instanceName })} data-test="missing-list">
      {missing.map((m, i) => {
        const name = m.item.name ?? m.item.id;
        const kind = itemKindKey(m.item);
        const r = m.replacement;
        return (
          <li key={`${m.dimension}:${m.item.id}`} className="missing-item" data-test="missing-item">
            <p className="m0">
              {t("runOn.notFound", { name, instance: instanceName })}
              {kind && <span className="muted small"> ({t(kind)})</span>}
            </p>
            {r ? (
              accepted && onAccept ? (
                <label className="check-row">
                  <input type="checkbox" checked={accepted[i] ?? false} onChange={(e) => onAccept(i, e.target.checked)} />
                  {t(m.matchedBy === "code" ? "runOn.useByCode" : "runOn.useByName", { name: r.name ?? r.id })}
                </label>
              ) : (
                <p className="small m0">{t(m.matchedBy === "code" ? "runOn.usedByCode" : "runOn.usedByName", { name: r.name ?? r.id })}</p>
              )
            ) : (
              <p className="small state-warn m0">{t("runOn.leftOut")}</p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
