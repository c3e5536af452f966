import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { chartFit, type ChartData, type ChartTooBig } from "../analytics/chart";
import { chartConfig } from "../analytics/chartConfig";
import { ChartView } from "../components/analytics/ChartView";
import { I18nProvider } from "../i18n";
import type { Lang } from "../i18n";
import { made, registered } from "./chartjsMock";

vi.mock("chart.js", async () => (await import("./chartjsMock")).chartJsModule);

const headers = [
  { name: "ou", column: "Organisation unit", valueType: "TEXT", meta: true },
  { name: "col:202401", column: "January 2024", valueType: "NUMBER", meta: false },
  { name: "col:202402", column: "February 2024", valueType: "NUMBER", meta: false },
  { name: "total", column: "Total", valueType: "NUMBER", meta: false },
];
const small = chartFit({
  headers,
  rows: [
    ["Bo", "1412", "", "1412"],
    ["Western Area Urban District", "4", "6.5", "10.5"],
    ["Total", "1416", "6.5", "1422.5"],
  ],
  metaData: { items: {} },
}) as ChartData;

function wrap(children: ReactNode, lang: Lang = "en") {
  return <I18nProvider lang={lang}>{children}</I18nProvider>;
}

beforeEach(() => {
  made.length = 0;
});

describe("ChartView (Chart.js, loaded on demand)", () => {
  it("builds a bar chart of the rows by name, one dataset per value column, totals left out", async () => {
    render(wrap(<ChartView fit={small} kind="bar" name="Result from Country HMIS" />));
    // Chart.js comes with import(): until then a short note, no chart.
    expect(screen.getByTestId("chart-loading")).toHaveTextContent("Loading the chart…");
    expect(made).toHaveLength(0);
    await waitFor(() => expect(made).toHaveLength(1));
    expect(screen.queryByTestId("chart-loading")).not.toBeInTheDocument();

    const { canvas, config } = made[0]!;
    expect(canvas).toBe(screen.getByRole("img", { name: /^Bar chart: Result from Country HMIS\./ }));
    expect(config.type).toBe("bar");
    expect(config.data.labels).toEqual(["Bo", "Western Area Urban District"]);
    expect(config.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ["January 2024", [1412, 4]],
      ["February 2024", [null, 6.5]],
    ]);
    expect(config.data.datasets.map((d) => d.backgroundColor)).toEqual(["#1565c0", "#ef6c00"]);
    // Drawn at once, as wide as its box, legend under the chart.
    expect(config.options?.animation).toBe(false);
    expect(config.options?.responsive).toBe(true);
    expect(config.options?.maintainAspectRatio).toBe(false);
    expect(config.options?.plugins?.legend?.position).toBe("bottom");
    // Only the parts used are registered (tree-shaken Chart.js).
    expect(registered.map((r) => (r as { id: string }).id).sort()).toEqual(
      ["bar", "barElement", "category", "legend", "line", "lineElement", "linear", "pointElement", "tooltip"],
    );
  });

  it("names the canvas with a summary in the user's language", async () => {
    render(wrap(<ChartView fit={small} kind="line" name="Résultat de Country HMIS" />, "fr"));
    const canvas = await screen.findByRole("img");
    expect(canvas).toHaveAttribute(
      "aria-label",
      "Courbe : Résultat de Country HMIS. 2 séries (January 2024, February 2024) sur 2 lignes, valeurs de 4 à 1\u202f412. Choisissez Tableau pour lire toutes les valeurs.",
    );
  });

  it("formats axis and tooltip numbers like the app, shortens long axis labels and skips empty cells", () => {
    const config = chartConfig(small, "line", { format: (n) => new Intl.NumberFormat("en").format(n) });
    const y = config.options!.scales!.y!.ticks!.callback as (v: number | string) => string;
    const x = config.options!.scales!.x!.ticks!.callback as (v: number | string) => string;
    expect(y(12500)).toBe("12,500");
    // A line follows the value columns (the periods): one line per row.
    expect(config.data.labels).toEqual(["January 2024", "February 2024"]);
    expect(config.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ["Bo", [1412, null]],
      ["Western Area Urban District", [4, 6.5]],
    ]);
    expect(x(0)).toBe("January 2024");
    const bars = chartConfig(small, "bar", { format: (n) => String(n) });
    const bx = bars.options!.scales!.x!.ticks!.callback as (v: number | string) => string;
    expect(bx(0)).toBe("Bo");
    expect(bx(1)).toBe("Western Area Urban Di…");
    const tip = config.options!.plugins!.tooltip!;
    const label = tip.callbacks!.label as unknown as (item: unknown) => string;
    expect(label({ dataset: { label: "Bo" }, parsed: { y: 1412 } })).toBe("Bo: 1,412");
    const filter = tip.filter as unknown as (item: unknown) => boolean;
    expect(filter({ parsed: { y: null } })).toBe(false);
    expect(filter({ parsed: { y: 0 } })).toBe(true);
    expect(config.data.datasets[0]).toMatchObject({ spanGaps: true, pointRadius: 3, borderColor: "#1565c0" });
  });

  it("destroys the chart when the type changes and when it goes away", async () => {
    const { rerender, unmount } = render(wrap(<ChartView fit={small} kind="bar" name="R" />));
    await waitFor(() => expect(made).toHaveLength(1));
    rerender(wrap(<ChartView fit={small} kind="line" name="R" />));
    expect(made).toHaveLength(2);
    expect(made[0]!.destroy).toHaveBeenCalledTimes(1);
    expect(made[1]!.config.type).toBe("line");
    expect(made[1]!.destroy).not.toHaveBeenCalled();
    // Same canvas: Chart.js refuses a second chart on a canvas whose first one is not destroyed.
    expect(made[1]!.canvas).toBe(made[0]!.canvas);
    unmount();
    expect(made[1]!.destroy).toHaveBeenCalledTimes(1);
  });

  it("draws at once when Chart.js is already loaded", async () => {
    const first = render(wrap(<ChartView fit={small} kind="bar" name="R" />));
    await waitFor(() => expect(made).toHaveLength(1));
    first.unmount();
    render(wrap(<ChartView fit={small} kind="bar" name="R" />));
    expect(screen.queryByTestId("chart-loading")).not.toBeInTheDocument();
    expect(made).toHaveLength(2);
  });

  it("says why there is no chart when the result does not fit on one screen", () => {
    const rows = Array.from({ length: 31 }, (_, i) => [`OU ${i}`, "1", "2", "3"]);
    const fit = chartFit({ headers, rows, metaData: { items: {} } });
    expect(fit).toEqual({ tooBig: { rows: 31, columns: 2 } });
    render(wrap(<ChartView fit={fit as ChartTooBig} kind="bar" name="R" />));
    expect(screen.getByTestId("chart-too-big")).toHaveTextContent(
      "Too big for a chart on one screen: 31 rows and 2 columns of values. A chart shows up to 30 rows, 12 columns and 160 values in all.",
    );
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
    expect(made).toHaveLength(0);
  });
});
