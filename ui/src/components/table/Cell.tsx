import { memo } from "react";
import { useI18n } from "../../i18n";
import { isUid } from "../../table/model";

type Props = {
  text: string;
  width: number;
  numeric: boolean;
  active: boolean;
  row: number;
  col: number;
  onActivate: (row: number, col: number) => void;
  onCopy: (text: string, label: string) => void;
  onOpenUid: (uid: string) => void;
};

/** One grid cell. Only the active cell's buttons are in the Tab order (roving focus). */
export const Cell = memo(function Cell({ text, width, numeric, active, row, col, onActivate, onCopy, onOpenUid }: Props) {
  const { t } = useI18n();
  const tab = active ? 0 : -1;
  const uid = isUid(text);
  return (
    <div
      role="gridcell"
      aria-colindex={col + 1}
      tabIndex={tab}
      data-cell={`${row}:${col}`}
      className={`grid-cell${numeric ? " grid-num" : ""}${active ? " grid-cell-active" : ""}`}
      style={{ width }}
      onFocus={() => onActivate(row, col)}
      title={text.length > 30 ? text : undefined}
    >
      {uid ? (
        <>
          <button type="button" className="uid-link mono" tabIndex={tab} onClick={() => onOpenUid(text)} title={t("table.openUid", { uid: text })}>
            {text}
          </button>
          <button
            type="button"
            className="icon-btn"
            tabIndex={tab}
            aria-label={t("table.copyUid", { uid: text })}
            title={t("table.copyUid", { uid: text })}
            onClick={() => onCopy(text, text)}
          >
            ⧉
          </button>
        </>
      ) : (
        <span className="grid-text">{text}</span>
      )}
      {active && !uid && text && (
        <button type="button" className="icon-btn cell-copy" tabIndex={tab} aria-label={t("table.copyValue")} title={t("table.copyValue")} onClick={() => onCopy(text, text)}>
          ⧉
        </button>
      )}
    </div>
  );
});
