import type { QueryItem } from "../../bindings";
import { itemKindKey } from "../../analytics/items";
import { useI18n } from "../../i18n";

type Props = {
  items: QueryItem[];
  /** The chip's text (a period's plain words, an item's name…). */
  label: (item: QueryItem) => string;
  onRemove: (item: QueryItem) => void;
  /** Names the list for screen readers: "Picked data". */
  title: string;
  empty: string;
  testId: string;
};

/** Picked items as removable chips (each remove button names its item). */
export function Chips({ items, label, onRemove, title, empty, testId }: Props) {
  const { t } = useI18n();
  if (!items.length) return <p className="small muted m0" data-test={`${testId}-empty`}>{empty}</p>;
  return (
    <ul className="chips plain" aria-label={title} data-test={testId}>
      {items.map((item) => {
        const text = label(item);
        const kind = itemKindKey(item);
        return (
          <li key={item.id} className="chip" data-test="chip">
            <span className="chip-text" title={item.id}>
              {text}
              {kind && <span className="chip-kind"> · {t(kind)}</span>}
            </span>
            <button type="button" className="chip-remove" aria-label={t("builder.remove", { name: text })} onClick={() => onRemove(item)}>
              <span aria-hidden="true">×</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
