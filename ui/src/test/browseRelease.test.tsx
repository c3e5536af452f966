import { describe, expect, it, vi } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { encodeBrowseResponse } from "../api";
import { renderApp } from "./helpers";

// The worker's tables, as the window asks to release them.
const released: number[] = [];
vi.mock("../json/parse", async (orig) => {
  const real = await orig<typeof import("../json/parse")>();
  return {
    ...real,
    releaseTable: (id: number) => {
      released.push(id);
      real.releaseTable(id);
    },
  };
});

describe("Getting again", () => {
  it("lets the worker forget the table the window no longer shows", async () => {
    const user = userEvent.setup();
    let n = 0;
    renderApp((cmd) => {
      if (cmd === "browse_history" || cmd === "browse_resources") return [];
      if (cmd === "browse_get") {
        n++;
        const body = JSON.stringify({ pager: { page: 1, pageCount: 1, total: 2 }, dataElements: [{ id: `a${n}`, name: `Answer ${n}` }, { id: "b", name: "Other" }] });
        return encodeBrowseResponse(
          { status: 200, headers: [], elapsedMs: 5, sizeBytes: body.length, contentType: "application/json", url: "https://x/api/dataElements" },
          body,
        );
      }
      return undefined;
    });
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await user.click(await screen.findByRole("button", { name: "Get" }));
    expect(await screen.findByText("Answer 1")).toBeInTheDocument();
    expect(released).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Get" }));
    expect(await screen.findByText("Answer 2")).toBeInTheDocument();
    await waitFor(() => expect(released).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: "Get" }));
    expect(await screen.findByText("Answer 3")).toBeInTheDocument();
    await waitFor(() => expect(released).toHaveLength(2));
    // Each release is of an earlier table, never of the one shown.
    expect(released[0]).toBeLessThan(released[1]!);
  });
});
