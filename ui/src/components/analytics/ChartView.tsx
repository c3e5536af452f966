import { useEffect, useRef, useState } from "react";
import { CHART_LIMITS, type ChartData, type ChartKind, type ChartTooBig } from "../../analytics/chart";
import { formatCount } from "../../format";
import { useI18n } from "../../i18n";

type ChartJs = typeof import("./chartjs");

/** Chart.js once loaded (the import() below), so coming back to a chart draws it at once. */
let loaded: ChartJs | null = null;
const loadChartJs = () => import("./chartjs").then((m) => (loaded = m));

/**
 * A bar or line chart of a small result, drawn by Chart.js on a canvas. The canvas is an image for
 * screen readers, with a summary as its name; the numbers themselves are in the Table view.
 */
export function ChartView({ fit, kind, name }: { fit: ChartData | ChartTooBig; kind: ChartKind; name: string }) {
  const { t, lang } = useI18n();
  if ("tooBig" in fit) {
    return (
      <p className="state-warn" data-test="chart-too-big">
        {t("chart.tooBig", {
          rows: fit.tooBig.rows,
          columns: fit.tooBig.columns,
          maxRows: CHART_LIMITS.categories,
          maxColumns: CHART_LIMITS.series,
          maxValues: CHART_LIMITS.bars,
        })}
      </p>
    );
  }
  const fmt = (n: number) => formatCount(n, lang);
  const summary = t("chart.summary", {
    kind: t(kind === "bar" ? "chart.bar" : "chart.line"),
    name,
    series: fit.series.length,
    names: fit.series.map((s) => s.name).join(", "),
    rows: fit.categories.length,
    min: fmt(fit.min),
    max: fmt(fit.max),
  });
  return <ChartCanvas data={fit} kind={kind} summary={summary} />;
}

function ChartCanvas({ data, kind, summary }: { data: ChartData; kind: ChartKind; summary: string }) {
  const { t, lang } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [lib, setLib] = useState<ChartJs | null>(loaded);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (lib) return;
    let dead = false;
    loadChartJs().then(
      (m) => !dead && setLib(m),
      () => !dead && setFailed(true),
    );
    return () => {
      dead = true;
    };
  }, [lib]);

  useEffect(() => {
    const el = canvas.current;
    if (!lib || !el) return;
    const style = getComputedStyle(el);
    const chart = new lib.Chart(
      el,
      lib.chartConfig(data, kind, {
        format: (n) => formatCount(n, lang),
        text: style.color,
        grid: style.getPropertyValue("--border").trim(),
      }),
    );
    return () => chart.destroy();
  }, [lib, data, kind, lang]);

  return (
    <figure className="chart" data-test="chart">
      {failed && (
        <p className="state-warn" data-test="chart-failed">
          {t("chart.failed")}
        </p>
      )}
      <div className="chart-box">
        {!lib && !failed && (
          <p className="muted chart-loading" data-test="chart-loading">
            {t("chart.loading")}
          </p>
        )}
        <canvas ref={canvas} role="img" aria-label={summary} data-test="chart-canvas" />
      </div>
    </figure>
  );
}
