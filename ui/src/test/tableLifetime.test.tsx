import { StrictMode } from "react";
import { describe, expect, it, vi } from "vitest";
import { render } from "@testing-library/react";
import { parseBodySync } from "../json/parseCore";
import { releaseTable, responseBytes, runQuery } from "../table/engine";
import { LARGE_BODY } from "../json/parseCore";

const released: number[] = [];
vi.mock("../json/parse", async (orig) => ({
  ...(await orig<typeof import("../json/parse")>()),
  releaseTable: (id: number) => released.push(id),
}));

const { useTableLifetime } = await import("../components/table/useTableLifetime");

function Probe({ id }: { id: number | undefined }) {
  useTableLifetime(id);
  return null;
}

describe("a table no view shows any more", () => {
  it("is released when the view shows another, never while it is still shown (StrictMode runs effects twice)", () => {
    released.length = 0;
    const view = render(
      <StrictMode>
        <Probe id={1} />
      </StrictMode>,
    );
    expect(released).toEqual([]);
    view.rerender(
      <StrictMode>
        <Probe id={2} />
      </StrictMode>,
    );
    expect(released).toEqual([1]);
    view.rerender(
      <StrictMode>
        <Probe id={2} />
      </StrictMode>,
    );
    expect(released).toEqual([1]);
    view.rerender(
      <StrictMode>
        <Probe id={undefined} />
      </StrictMode>,
    );
    expect(released).toEqual([1, 2]);
  });

  it("is forgotten by the engine: its rows and its text are gone", () => {
    const items = Array.from({ length: Math.ceil(LARGE_BODY / 40) }, (_, i) => ({ id: `a${String(i).padStart(10, "0")}`, name: `Item ${i}` }));
    const parsed = parseBodySync(new TextEncoder().encode(JSON.stringify({ items })), "application/json");
    const id = parsed.table!.id;
    expect(runQuery(id, null, "").length).toBe(items.length);
    expect(responseBytes(id).length).toBeGreaterThan(LARGE_BODY);
    releaseTable(id);
    expect(runQuery(id, null, "").length).toBe(0);
    expect(responseBytes(id).length).toBe(0);
  });
});
