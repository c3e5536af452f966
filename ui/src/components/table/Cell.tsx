import { memo } from "react";
import { isUid } from "../../table/model";
import { CopyIcon } from "../icons";

/** Translated labels, built once per table (no hook in each of the hundreds of cells). */
export type CellLabels = { copyValue: string; copyUid: (uid: string) => string; openUid: (uid: string) => string };

type Props = {
  text: string;
  width: number;
  numeric: boolean;
  active: boolean;
  row: number;
  col: number;
  labels: CellLabels;
  onActivate: (row: number, col: number) => void;
  onCopy: (text: string, label: string) => void;
  onOpenUid: (uid: string) => void;
};

/** One grid cell. Only the active cell's buttons are in the Tab order (roving focus). */
export const Cell = memo(function Cell({ text, width, numeric, active, row, col, labels, onActivate, onCopy, onOpenUid }: Props) {
  const tab = active ? 0 : -1;
  const uid = isUid(text);
  return (
    <div
      role="gridcell"
      aria-colindex={col + 1}
      tabIndex={tab}
      data-cell={`${row}:${col}`}
      className={`grid-cell${uid ? " grid-uid" : ""}${numeric ? " grid-num" : ""}${active ? " grid-cell-active" : ""}`}
      style={{ width }}
      onFocus={() => onActivate(row, col)}
      title={text.length > 30 ? text : undefined}
    >
      {uid ? (
        <>
          <button type="button" className="uid-link mono" tabIndex={tab} onClick={() => onOpenUid(text)} title={labels.openUid(text)}>
            {text}
          </button>
          <button type="button" className="icon-btn" tabIndex={tab} aria-label={labels.copyUid(text)} title={labels.copyUid(text)} onClick={() => onCopy(text, text)}>
            <CopyIcon />
          </button>
        </>
      ) : (
        text
      )}
      {active && !uid && text && (
        <button type="button" className="icon-btn cell-copy" tabIndex={tab} aria-label={labels.copyValue} title={labels.copyValue} onClick={() => onCopy(text, text)}>
          <CopyIcon />
        </button>
      )}
    </div>
  );
});
