import type { KeyboardEvent } from "react";
import { useI18n } from "../../i18n";
import { CopyIcon } from "../icons";

type Props = {
  label: string;
  width: number;
  index: number;
  sort: "asc" | "desc" | null;
  resizing: boolean;
  onSort: () => void;
  onCopyColumn: () => void;
  onResizeStart: (e: unknown) => void;
  onResizeBy: (delta: number) => void;
};

/** A column header: sort button, copy-column button and a resize handle (mouse, touch or arrow keys). */
export function HeaderCell({ label, width, index, sort, resizing, onSort, onCopyColumn, onResizeStart, onResizeBy }: Props) {
  const { t } = useI18n();
  const keys = (e: KeyboardEvent) => {
    const step = e.shiftKey ? 50 : 10;
    if (e.key === "ArrowLeft") onResizeBy(-step);
    else if (e.key === "ArrowRight") onResizeBy(step);
    else return;
    e.preventDefault();
  };
  return (
    <div
      role="columnheader"
      aria-colindex={index + 1}
      aria-sort={sort === "asc" ? "ascending" : sort === "desc" ? "descending" : "none"}
      className="grid-head-cell"
      style={{ width }}
    >
      <button type="button" className="grid-sort" onClick={onSort} title={t("table.sortHint")}>
        <span className="grid-head-label">{label}</span>
        <span aria-hidden="true" className="grid-sort-mark">
          {sort === "asc" ? "▲" : sort === "desc" ? "▼" : ""}
        </span>
      </button>
      <button type="button" className="icon-btn" onClick={onCopyColumn} aria-label={t("table.copyColumn", { column: label })} title={t("table.copyColumn", { column: label })}>
        <CopyIcon />
      </button>
      <div
        role="separator"
        aria-orientation="vertical"
        aria-label={t("table.resize", { column: label })}
        aria-valuenow={Math.round(width)}
        tabIndex={0}
        className={resizing ? "grid-resizer grid-resizing" : "grid-resizer"}
        onMouseDown={onResizeStart}
        onTouchStart={onResizeStart}
        onDoubleClick={() => onResizeBy(0)}
        onKeyDown={keys}
      />
    </div>
  );
}
