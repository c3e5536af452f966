import type { AnalyticsRunResult } from "../../bindings";
import { highlighted, isValueColumn } from "../../analytics/compare";
import { useI18n } from "../../i18n";
import { formatCount } from "../../format";

const MAX_ROWS = 500;

/** A small analytics grid as a plain table, differing cells marked (colour and text, not colour alone). */
export function GridTable({ result, diffs, caption }: { result: AnalyticsRunResult; diffs: Set<string>; caption: string }) {
  const { t, lang } = useI18n();
  const { grid } = result;
  const marks = highlighted(grid, diffs);
  const rows = grid.rows.slice(0, MAX_ROWS);
  return (
    <div className="compare-table-box">
      <table className="compare-table" data-test="compare-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {grid.headers.map((h) => (
              <th key={h.name} scope="col" className={isValueColumn(h) ? "num" : undefined}>
                {h.column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {grid.headers.map((h, c) => {
                const differs = marks[r]?.[c] ?? false;
                return (
                  <td key={h.name} className={[isValueColumn(h) ? "num" : "", differs ? "cell-differs" : ""].join(" ").trim() || undefined} data-differs={differs || undefined}>
                    {row[c] ?? ""}
                    {differs && <span className="sr-only"> ({t("compare.differs")})</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {grid.rows.length > MAX_ROWS && <p className="small muted">{t("compare.cut", { shown: formatCount(MAX_ROWS, lang), total: formatCount(grid.rows.length, lang) })}</p>}
    </div>
  );
}
