import { useEffect, useRef, useState } from "react";
import { queryTable } from "../../json/parse";
import type { PackedTable, SortState } from "../../table/model";

/**
 * The rows to show after sorting and filtering, computed in the worker. Until the first answer
 * (and with no sort or filter) rows show in their original order. Answers to older questions
 * are dropped.
 */
export function useRowOrder(table: PackedTable, sort: SortState, filter: string) {
  const [order, setOrder] = useState<Uint32Array | null>(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  useEffect(() => {
    const n = ++seq.current;
    if (!sort && !filter.trim()) {
      setOrder(null);
      setBusy(false);
      // The worker remembers the order for "copy column": reset it too.
      void queryTable(table.id, null, "").catch(() => undefined);
      return;
    }
    setBusy(true);
    queryTable(table.id, sort, filter)
      .then((o) => {
        if (n !== seq.current) return;
        setOrder(o);
        setBusy(false);
      })
      .catch(() => {
        if (n === seq.current) setBusy(false);
      });
  }, [table.id, sort, filter]);
  const count = order ? order.length : table.rowCount;
  const rowAt = (i: number) => (order ? order[i]! : i);
  return { count, rowAt, busy };
}
