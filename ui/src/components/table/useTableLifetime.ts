import { useEffect, useRef } from "react";
import { releaseTable } from "../../json/parse";

/**
 * Releases the previous table once a view shows another one (its worker copy is then unused).
 * Only on a change, never in an effect's clean-up: React runs clean-ups of a view that stays (in
 * development) and the table would go while still shown. A view's last table is dropped by the
 * worker's own limit of a few tables.
 */
export function useTableLifetime(tableId: number | undefined): void {
  const shown = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (shown.current !== undefined && shown.current !== tableId) releaseTable(shown.current);
    shown.current = tableId;
  }, [tableId]);
}
