// A stand-in for the chart.js module (jsdom has no canvas): records each chart made, its canvas and
// configuration, and whether it was destroyed. Use in a test file with
//   vi.mock("chart.js", async () => (await import("./chartjsMock")).chartJsModule);
import { vi } from "vitest";
import type { ChartConfiguration } from "chart.js";

export type FakeChart = { canvas: HTMLCanvasElement; config: ChartConfiguration; destroy: ReturnType<typeof vi.fn> };

/** Every chart made since the last `made.length = 0`, oldest first. */
export const made: FakeChart[] = [];
export const registered: unknown[] = [];

class Chart {
  static register(...items: unknown[]) {
    registered.push(...items);
  }
  destroy = vi.fn();
  constructor(
    public canvas: HTMLCanvasElement,
    public config: ChartConfiguration,
  ) {
    made.push(this);
  }
}

const part = (id: string) => ({ id });

export const chartJsModule = {
  Chart,
  LineController: part("line"),
  BarController: part("bar"),
  LineElement: part("lineElement"),
  BarElement: part("barElement"),
  PointElement: part("pointElement"),
  CategoryScale: part("category"),
  LinearScale: part("linear"),
  Legend: part("legend"),
  Tooltip: part("tooltip"),
};
