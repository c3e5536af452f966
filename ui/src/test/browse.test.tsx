import { describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { encodeBrowseResponse } from "../api";
import type { BrowseMeta, HistoryEntry } from "../bindings";
import { renderApp } from "./helpers";

// The real viewer (vanilla-jsoneditor) needs layout APIs jsdom lacks; it is checked in the browser instead.
vi.mock("../components/JsonView", async () => {
  const { forwardRef } = await import("react");
  return {
    JsonView: forwardRef(function JsonView(props: { content: { json?: unknown; text?: string }; mode: string }, _ref) {
      return (
        <pre data-test="json-view" data-mode={props.mode}>
          {props.content.text ?? JSON.stringify(props.content.json)}
        </pre>
      );
    }),
  };
});

const PLACEHOLDER = "<your-credentials>";
const meta = (over: Partial<BrowseMeta> = {}): BrowseMeta => ({
  status: 200,
  headers: [["content-type", "application/json"]],
  elapsedMs: 34,
  sizeBytes: 100,
  contentType: "application/json",
  url: "https://hmis.example.org/api/dataElements",
  ...over,
});

const history: HistoryEntry[] = [
  { id: "1", path: "/api/dataElements", query: [["fields", "id,name"], ["filter", "name:ilike:malaria"]], status: 200, at: 1700000000, pinned: true },
  { id: "2", path: "/api/me", query: [], status: 200, at: 1700000100, pinned: false },
];

function handler(calls: { cmd: string; args: Record<string, any> }[]) {
  return (cmd: string, args: Record<string, any>) => {
    calls.push({ cmd, args });
    if (cmd === "browse_history") return history;
    if (cmd === "browse_pin") return history.map((h) => (h.id === args.entryId ? { ...h, pinned: args.pinned } : h));
    if (cmd === "browse_curl")
      return `curl -H 'Authorization: ${PLACEHOLDER}' 'https://hmis.example.org${args.request.path}?fields=id%2Cname&page=2'`;
    if (cmd === "browse_resources")
      return [
        { path: "/api/indicators", displayName: "Indicators" },
        { path: "/api/dataElements", displayName: "Data Elements" },
      ];
    if (cmd === "browse_get") {
      return encodeBrowseResponse(
        meta(),
        JSON.stringify({ pager: { page: 1, pageCount: 3, total: 120, pageSize: 50 }, dataElements: [{ id: "x", name: "ANC 1st visit" }] }),
      );
    }
    return undefined;
  };
}

describe("API browser", () => {
  it("sends the query, shows pager, and copies exactly what browse_curl returns", async () => {
    const user = userEvent.setup();
    const calls: { cmd: string; args: Record<string, any> }[] = [];
    renderApp(handler(calls));
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    const path = await screen.findByLabelText("API path");
    await user.clear(path);
    await user.type(path, "/api/dataElements");
    await user.click(screen.getByText("Query options"));
    await user.type(screen.getByLabelText("Fields"), "id,name");
    await user.click(screen.getByRole("button", { name: "Get" }));
    expect(await screen.findByTestId("pager-summary")).toHaveTextContent("Page 1 of 3 · 120 items");
    const get = calls.filter((c) => c.cmd === "browse_get" && c.args.request.path === "/api/dataElements").at(-1)!;
    expect(get.args.request).toMatchObject({ instanceId: "a", path: "/api/dataElements", query: [["fields", "id,name"]] });
    // A collection opens in the table view by default.
    expect(await screen.findByRole("grid", { name: "Response as a table" }, { timeout: 5000 })).toHaveTextContent("ANC 1st visit");

    await user.click(screen.getByRole("button", { name: /Next page/ }));
    await waitFor(() =>
      expect(calls.some((c) => c.cmd === "browse_get" && c.args.request.query.some(([k, v]: string[]) => k === "page" && v === "2"))).toBe(true),
    );

    await user.click(await screen.findByRole("button", { name: "Copy as curl" }));
    const curl = await screen.findByTestId("curl");
    const expected = `curl -H 'Authorization: ${PLACEHOLDER}' 'https://hmis.example.org/api/dataElements?fields=id%2Cname&page=2'`;
    expect(within(curl).getByText(expected)).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(expected);
  });

  it("a failed request clears the previous response instead of showing it under the error", async () => {
    const user = userEvent.setup();
    const calls: { cmd: string; args: Record<string, any> }[] = [];
    let fail = false;
    const base = handler(calls);
    renderApp((cmd, args) => {
      if (cmd === "browse_get" && fail) throw { kind: "token_expired", message: "Your DHIS2 sign-in has expired." };
      return base(cmd, args);
    });
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await user.click(await screen.findByRole("button", { name: "Get" }));
    expect(await screen.findByTestId("response-status")).toHaveTextContent("200");
    fail = true;
    await user.click(screen.getByRole("button", { name: "Get" }));
    expect(await screen.findByTestId("error-notice")).toHaveTextContent("Your sign-in has expired.");
    expect(screen.queryByTestId("response-status")).not.toBeInTheDocument();
    expect(screen.queryByTestId("json-view")).not.toBeInTheDocument();
    expect(screen.queryByTestId("table-view")).not.toBeInTheDocument();
  });

  it("suggests paths from browse_resources without a browse_get (nothing lands in the history)", async () => {
    const user = userEvent.setup();
    const calls: { cmd: string; args: Record<string, any> }[] = [];
    renderApp(handler(calls));
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await waitFor(() => expect(document.querySelectorAll("#browse-path-suggestions option")).toHaveLength(2));
    const options = [...document.querySelectorAll<HTMLOptionElement>("#browse-path-suggestions option")];
    expect(options.map((o) => o.value)).toEqual(["/api/dataElements", "/api/indicators"]);
    expect(options[0]!.label).toBe("Data Elements");
    expect(calls.find((c) => c.cmd === "browse_resources")!.args).toEqual({ instanceId: "a" });
    expect(calls.some((c) => c.cmd === "browse_get")).toBe(false);
  });

  it("history entries say when they were made, with the exact time as a tooltip", async () => {
    const user = userEvent.setup();
    const now = Math.floor(Date.now() / 1000);
    const recent: HistoryEntry[] = [
      { id: "r1", path: "/api/me", query: [], status: 200, at: now - 5 * 60 - 10, pinned: false },
      { id: "r2", path: "/api/system/info", query: [], status: 200, at: now - 3 * 86_400, pinned: false },
    ];
    renderApp((cmd) => (cmd === "browse_history" ? recent : cmd === "browse_resources" ? [] : undefined));
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    const panel = await screen.findByTestId("history");
    const times = await within(panel).findAllByTestId("history-time");
    expect(times.map((t) => t.textContent)).toEqual(["5 min ago", "3 days ago"]);
    expect(times[0]!.getAttribute("title")).toMatch(/^Requested /);
    expect(times[0]!.getAttribute("dateTime")).toBe(new Date(recent[0]!.at * 1000).toISOString());
  });

  it("history never shows a credential: only the placeholder can appear", async () => {
    const user = userEvent.setup();
    const calls: { cmd: string; args: Record<string, any> }[] = [];
    renderApp(handler(calls));
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    const panel = await screen.findByTestId("history");
    await within(panel).findByText("/api/me");
    expect(within(panel).getByText("Pinned")).toBeInTheDocument();
    await user.click(within(panel).getByRole("button", { name: "Pin /api/me" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "browse_pin")).toBe(true));
    expect(calls.find((c) => c.cmd === "browse_pin")!.args).toEqual({ instanceId: "a", entryId: "2", pinned: true });

    await user.click(within(panel).getByTitle("/api/dataElements?fields=id,name&filter=name:ilike:malaria"));
    await user.click(await screen.findByRole("button", { name: "Copy as curl" }));
    await screen.findByTestId("curl");
    const text = document.body.textContent ?? "";
    const auth = [...text.matchAll(/Authorization:?\s*([^\s']+)/gi)].map((m) => m[1]);
    expect(auth.length).toBeGreaterThan(0);
    expect(auth.every((v) => v === PLACEHOLDER)).toBe(true);
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}|Bearer [A-Za-z0-9._-]{8,}|d2p_/);
  });
});
