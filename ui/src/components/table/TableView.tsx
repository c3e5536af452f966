// The table view: virtualised rows (@tanstack/react-virtual), column sizing and resizing
// (@tanstack/react-table); sorting and filtering happen in the worker (useRowOrder).
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { columnResizingFeature, columnSizingFeature, tableFeatures, useTable } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { copyText, formatCount } from "../../format";
import { tableColumnText } from "../../json/parse";
import { useI18n } from "../../i18n";
import { isUid, type PackedTable, type SortState } from "../../table/model";
import { cellText } from "../../table/pack";
import { Cell, type CellLabels } from "./Cell";
import { HeaderCell } from "./HeaderCell";
import { useRowOrder } from "./useRowOrder";

const features = tableFeatures({ columnSizingFeature, columnResizingFeature });
const NO_ROWS: never[] = [];
const ROW_HEIGHT = 30;

/** A first width from the header and the first rows' text. */
function guessWidth(t: PackedTable, c: number, label: string): number {
  let longest = label.length;
  let uids = false;
  for (let r = 0; r < Math.min(t.rowCount, 50); r++) {
    const text = cellText(t, c, r);
    longest = Math.max(longest, text.length);
    uids ||= isUid(text);
  }
  // UID cells also hold a copy button.
  return Math.min(420, Math.max(90, longest * 8 + 40 + (uids ? 30 : 0)));
}

export type TableViewProps = { table: PackedTable; label: string; onOpenUid: (uid: string) => void };

export default function TableView({ table, label, onOpenUid }: TableViewProps) {
  const { t, lang } = useI18n();
  const [sort, setSort] = useState<SortState>(null);
  const [filterText, setFilterText] = useState("");
  const [filter, setFilter] = useState("");
  const [active, setActive] = useState({ row: 0, col: 0 });
  const [note, setNote] = useState("");
  const scroll = useRef<HTMLDivElement>(null);
  const focusPending = useRef(false);

  useEffect(() => {
    const id = setTimeout(() => setFilter(filterText), 200);
    return () => clearTimeout(id);
  }, [filterText]);

  const columns = useMemo(
    () => table.columns.map((c, i) => ({ id: String(i), header: c.label, size: guessWidth(table, i, c.label), minSize: 50, maxSize: 1200 })),
    [table],
  );
  const grid = useTable({ features, columns, data: NO_ROWS, columnResizeMode: "onChange", enableColumnResizing: true });
  const headers = grid.getHeaderGroups()[0]?.headers ?? [];
  const widths = headers.map((h) => h.getSize());
  const totalWidth = grid.getTotalSize();

  const { count, rowAt, busy } = useRowOrder(table, sort, filter);
  // A new sort or filter starts at the top.
  useEffect(() => {
    if (scroll.current) scroll.current.scrollTop = 0;
    setActive({ row: 0, col: 0 });
  }, [sort, filter]);
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scroll.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    // Render after the scroll event rather than inside it (smoother when dragging the scrollbar).
    useFlushSync: false,
  });
  const labels = useMemo<CellLabels>(
    () => ({ copyValue: t("table.copyValue"), copyUid: (uid) => t("table.copyUid", { uid }), openUid: (uid) => t("table.openUid", { uid }) }),
    [t],
  );

  const copy = useCallback(
    async (text: string, what: string) => {
      setNote((await copyText(text)) ? t("table.copied", { value: what.length > 40 ? what.slice(0, 40) + "…" : what }) : t("common.copyFailed"));
    },
    [t],
  );
  const activate = useCallback((row: number, col: number) => setActive((a) => (a.row === row && a.col === col ? a : { row, col })), []);

  useEffect(() => {
    if (!focusPending.current) return;
    focusPending.current = false;
    scroll.current?.querySelector<HTMLElement>(`[data-cell="${active.row}:${active.col}"]`)?.focus();
  });

  function onKey(e: KeyboardEvent<HTMLDivElement>) {
    const target = e.target as HTMLElement;
    if (target.getAttribute("role") !== "gridcell") return;
    const text = cellText(table, active.col, rowAt(active.row));
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "c") {
      e.preventDefault();
      void copy(text, text);
      return;
    }
    if (e.key === "Enter" && isUid(text)) {
      e.preventDefault();
      onOpenUid(text);
      return;
    }
    const page = Math.max(1, Math.floor((scroll.current?.clientHeight ?? 300) / ROW_HEIGHT) - 1);
    const moves: Record<string, [number, number]> = {
      ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1], PageDown: [page, 0], PageUp: [-page, 0],
    };
    let row = active.row;
    let col = active.col;
    if (e.key in moves) {
      row += moves[e.key]![0];
      col += moves[e.key]![1];
    } else if (e.key === "Home") (e.ctrlKey ? (row = 0) : (col = 0));
    else if (e.key === "End") (e.ctrlKey ? (row = count - 1) : (col = table.columns.length - 1));
    else return;
    e.preventDefault();
    row = Math.max(0, Math.min(count - 1, row));
    col = Math.max(0, Math.min(table.columns.length - 1, col));
    virtual.scrollToIndex(row);
    focusPending.current = true;
    setActive({ row, col });
  }

  const sortOf = (c: number) => (sort?.column === c ? (sort.desc ? "desc" : "asc") : null);
  const cycleSort = (c: number) =>
    setSort((s) => (s?.column !== c ? { column: c, desc: false } : !s.desc ? { column: c, desc: true } : null));
  const shown = formatCount(count, lang);
  const total = formatCount(table.rowCount, lang);

  return (
    <div className="table-view" data-test="table-view">
      <div className="table-tools">
        <label className="sr-only" htmlFor={`table-filter-${table.id}`}>
          {t("table.filter")}
        </label>
        <input
          id={`table-filter-${table.id}`}
          className="text-input table-filter"
          type="search"
          placeholder={t("table.filter")}
          value={filterText}
          onChange={(e) => setFilterText(e.target.value)}
          data-test="table-filter"
        />
        <span className="small muted" role="status" data-test="table-count">
          {busy ? t("table.working") : count === table.rowCount ? t("table.rows", { total }) : t("table.rowsOf", { shown, total })}
        </span>
        <span className="small" role="status" aria-live="polite" data-test="table-note">
          {note}
        </span>
      </div>
      <div
        ref={scroll}
        className="grid-scroll"
        role="grid"
        aria-label={label}
        aria-rowcount={count + 1}
        aria-colcount={table.columns.length}
        aria-busy={busy}
        onKeyDown={onKey}
        data-virtual-scroll="1"
      >
        <div role="rowgroup" className="grid-head" style={{ width: totalWidth }}>
          <div role="row" aria-rowindex={1} className="grid-row">
            {headers.map((h, c) => (
              <HeaderCell
                key={h.id}
                label={table.columns[c]!.label}
                width={widths[c]!}
                index={c}
                sort={sortOf(c)}
                resizing={h.column.getIsResizing()}
                onSort={() => cycleSort(c)}
                onCopyColumn={() =>
                  void tableColumnText(table.id, c).then(async (text) => {
                    const ok = await copyText(text);
                    setNote(ok ? t("table.copiedColumn", { count: shown, column: table.columns[c]!.label }) : t("common.copyFailed"));
                  })
                }
                onResizeStart={h.getResizeHandler()}
                onResizeBy={(d) =>
                  grid.setColumnSizing((s) => ({ ...s, [h.id]: d === 0 ? columns[c]!.size : Math.max(50, Math.min(1200, h.getSize() + d)) }))
                }
              />
            ))}
          </div>
        </div>
        {count === 0 && <p className="muted grid-empty">{table.rowCount === 0 ? t("table.empty") : t("table.noRows")}</p>}
        <div role="rowgroup" style={{ height: virtual.getTotalSize(), width: totalWidth, position: "relative" }}>
          {virtual.getVirtualItems().map((v) => {
            const r = rowAt(v.index);
            return (
              <div
                key={v.key}
                role="row"
                aria-rowindex={v.index + 2}
                className={v.index % 2 ? "grid-row grid-row-odd" : "grid-row"}
                style={{ position: "absolute", top: 0, transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
              >
                {table.columns.map((col, c) => (
                  <Cell
                    key={c}
                    text={cellText(table, c, r)}
                    width={widths[c]!}
                    numeric={col.numeric}
                    active={active.row === v.index && active.col === c}
                    row={v.index}
                    col={c}
                    labels={labels}
                    onActivate={activate}
                    onCopy={copy}
                    onOpenUid={onOpenUid}
                  />
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
