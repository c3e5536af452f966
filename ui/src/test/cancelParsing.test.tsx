import { describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { encodeBrowseResponse } from "../api";
import { renderApp } from "./helpers";

// A parse that only ends when the test says so: the window must not wait for it to cancel.
const pending: { resolve: (v: unknown) => void }[] = [];
vi.mock("../json/parse", async (orig) => {
  const real = await orig<typeof import("../json/parse")>();
  return {
    ...real,
    parseBody: (body: Uint8Array, contentType: string | null, fields: string | null) =>
      new Promise((resolve) => pending.push({ resolve: () => resolve(real.parseBodySync(body, contentType, fields)) })),
  };
});

vi.mock("../components/JsonView", async () => {
  const { forwardRef } = await import("react");
  return {
    JsonView: forwardRef(function JsonView(props: { content: { json?: unknown; text?: string } }, _ref) {
      return <pre data-test="json-view">{props.content.text ?? JSON.stringify(props.content.json)}</pre>;
    }),
  };
});

describe("Cancel while the answer is being opened", () => {
  it("stops waiting for the parse and drops its result when it comes", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "browse_history" || cmd === "browse_resources") return [];
      if (cmd === "browse_get")
        return encodeBrowseResponse(
          { status: 200, headers: [], elapsedMs: 5, sizeBytes: 20, contentType: "application/json", url: "https://x/api/me" },
          '{"name":"Very slow"}',
        );
      return undefined;
    });
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await user.click(await screen.findByRole("button", { name: "Get" }));
    expect(await screen.findByText("Opening the response…")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Cancel request" }));
    expect(await screen.findByText("It was cancelled.")).toBeInTheDocument();
    expect(screen.queryByText("Opening the response…")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Get" })).toBeEnabled();
    // The parse ends later: its result is not shown.
    pending.forEach((p) => p.resolve(undefined));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId("json-view")).not.toBeInTheDocument();
    expect(screen.getByText("It was cancelled.")).toBeInTheDocument();
  });
});
