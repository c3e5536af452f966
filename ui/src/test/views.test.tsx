import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { encodeBrowseResponse } from "../api";
import type { BrowseMeta } from "../bindings";
import { renderApp } from "./helpers";

// The real JSON viewer needs layout APIs jsdom lacks (see browse.test.tsx).
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

const meta: BrowseMeta = { status: 200, headers: [], elapsedMs: 5, sizeBytes: 10, contentType: "application/json", url: "https://x/api" };
const frame = (body: unknown) => encodeBrowseResponse(meta, JSON.stringify(body));

const DATA_ELEMENTS = {
  pager: { page: 1, pageCount: 29, total: 14180, pageSize: 50 },
  dataElements: [
    { id: "fbfJHSPpUQD", name: "ANC 1st visit", valueType: "NUMBER", categoryCombo: { id: "bjDvmb4bfuf", name: "default" }, zeroIsSignificant: 3 },
    { id: "cYeuwXTCPkU", name: "ANC 2nd visit", valueType: "NUMBER", categoryCombo: { id: "bjDvmb4bfuf", name: "default" }, zeroIsSignificant: 12 },
    { id: "s46m5MS0hxu", name: "BCG doses given", valueType: "INTEGER", categoryCombo: { id: "bjDvmb4bfuf", name: "default" }, zeroIsSignificant: 1 },
  ],
};

const ANALYTICS = {
  headers: [
    { name: "dx", column: "Data", meta: true },
    { name: "ou", column: "Organisation unit", meta: true },
    { name: "value", column: "Value", meta: false },
  ],
  rows: [["fbfJHSPpUQD", "O6uvpzGd5pu", "120"]],
  metaData: { items: { fbfJHSPpUQD: { name: "ANC 1st visit" }, O6uvpzGd5pu: { name: "Bo" } } },
  width: 3,
};

async function openBrowse(user: ReturnType<typeof userEvent.setup>, path: string) {
  await user.click(await screen.findByRole("button", { name: "Browse" }));
  const input = await screen.findByLabelText("API path");
  await user.clear(input);
  await user.type(input, path);
  await user.click(screen.getByRole("button", { name: "Get" }));
}

const grid = () => screen.findByRole("grid", { name: "Response as a table" }, { timeout: 5000 });
const bodyRows = (g: HTMLElement) => within(g).getAllByRole("row").slice(1);
const cellTexts = (row: HTMLElement) => within(row).getAllByRole("gridcell").map((c) => c.textContent?.replace(/⧉/g, ""));
const columnHeaders = (g: HTMLElement) => within(g).getAllByRole("columnheader").map((h) => h.textContent?.replace(/[▲▼⧉]/g, ""));

describe("table view", () => {
  it("is the default for a DHIS2 collection: columns in fields= order, nested objects flattened", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => (cmd === "browse_get" ? frame(DATA_ELEMENTS) : undefined));
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await user.click(await screen.findByText("Query options"));
    await user.type(screen.getByLabelText("Fields"), "name,id,categoryCombo[[name]");
    await openBrowse(user, "/api/dataElements");
    const g = await grid();
    expect(columnHeaders(g)).toEqual(["name", "id", "categoryCombo.name", "valueType", "categoryCombo.id", "zeroIsSignificant"]);
    expect(bodyRows(g)).toHaveLength(3);
    expect(cellTexts(bodyRows(g)[0]!)).toEqual(["ANC 1st visit", "fbfJHSPpUQD", "default", "NUMBER", "bjDvmb4bfuf", "3"]);
    // UIDs are buttons that open the object, each with a copy button.
    expect(within(bodyRows(g)[0]!).getByRole("button", { name: "Copy UID fbfJHSPpUQD" })).toBeInTheDocument();
    expect(screen.queryByTestId("json-view")).not.toBeInTheDocument();
    // The other views stay one click away.
    await user.click(screen.getByRole("button", { name: "Tree" }));
    expect(screen.getByTestId("json-view")).toHaveAttribute("data-mode", "tree");
  });

  it("shows a large list's first 1,000 items in the tree, and says so", async () => {
    const user = userEvent.setup();
    // Over LARGE_BODY (5 MB): 40,000 org units.
    const units = Array.from({ length: 40000 }, (_, i) => ({ id: `ou${String(i).padStart(9, "0")}`, name: `Facility ${i} ${"x".repeat(100)}` }));
    const body = { pager: { page: 1, pageCount: 1, total: 40000, pageSize: 40000 }, organisationUnits: units };
    let saved = "";
    renderApp((cmd, args) => {
      if (cmd === "browse_save") {
        saved = args.contents as string;
        return "/tmp/organisationUnits.json";
      }
      return cmd === "browse_get" ? frame(body) : undefined;
    });
    await openBrowse(user, "/api/organisationUnits");
    await grid();
    await user.click(screen.getByRole("button", { name: "Tree" }));
    const view = await screen.findByTestId("json-view");
    expect(view).toHaveAttribute("data-mode", "tree");
    const shown = JSON.parse(view.textContent ?? "null") as typeof body;
    expect(shown.organisationUnits).toHaveLength(1000);
    expect(shown.organisationUnits[999]!.id).toBe("ou000000999");
    expect(shown.pager.total).toBe(40000);
    expect(screen.getByTestId("tree-preview")).toHaveTextContent("The tree shows the first 1,000 of 40,000 items");
    // The text view is the whole answer, its lines in sight drawn from its UTF-8 bytes.
    // Regression: the text view and the answer's header shared one React key (the request's id),
    // and React warned that siblings with the same key may be duplicated or dropped.
    const errors = vi.spyOn(console, "error");
    await user.click(screen.getByRole("button", { name: "Text" }));
    await waitFor(() => expect(screen.queryByTestId("tree-preview")).not.toBeInTheDocument());
    expect(await screen.findByTestId("large-text")).toHaveTextContent('"id": "ou000000000"');
    const sameKey = errors.mock.calls.filter((args) => String(args[0]).includes("two children with the same key"));
    errors.mockRestore();
    expect(sameKey).toEqual([]);
    // Saving writes all of it, as text.
    await user.click(screen.getByRole("button", { name: "Save response" }));
    await waitFor(() => expect(saved).not.toBe(""));
    expect((JSON.parse(saved) as typeof body).organisationUnits).toHaveLength(40000);
  }, 30000);

  it("shows an analytics grid with header names and metaData names instead of UIDs", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => (cmd === "browse_get" ? frame(ANALYTICS) : undefined));
    await openBrowse(user, "/api/analytics");
    const g = await grid();
    expect(columnHeaders(g)).toEqual(["Data", "Organisation unit", "Value"]);
    expect(cellTexts(bodyRows(g)[0]!)).toEqual(["ANC 1st visit", "Bo", "120"]);
  });

  it("keeps other JSON in the existing viewer", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => (cmd === "browse_get" ? frame({ id: "xE7jOejl9FI", username: "jane", organisationUnits: [{ id: "ImspTQPwCqd" }] }) : undefined));
    await openBrowse(user, "/api/me");
    expect(await screen.findByTestId("json-view")).toHaveAttribute("data-mode", "tree");
    expect(screen.queryByRole("grid")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Export…" })).not.toBeInTheDocument();
  });

  it("sorts by clicking a header (and with the keyboard), filters rows, copies a column", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => (cmd === "browse_get" ? frame(DATA_ELEMENTS) : undefined));
    await openBrowse(user, "/api/dataElements");
    const g = await grid();
    const names = () => bodyRows(g).map((r) => within(r).getAllByRole("gridcell")[1]!.textContent);
    const sortButton = (label: string) => within(g).getAllByRole("button").find((b) => b.textContent?.startsWith(label) && b.classList.contains("grid-sort"))!;
    await user.click(sortButton("zeroIsSignificant"));
    await waitFor(() => expect(names()).toEqual(["BCG doses given", "ANC 1st visit", "ANC 2nd visit"]));
    expect(within(g).getAllByRole("columnheader")[5]).toHaveAttribute("aria-sort", "ascending");
    sortButton("zeroIsSignificant").focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(names()).toEqual(["ANC 2nd visit", "ANC 1st visit", "BCG doses given"]));
    expect(within(g).getAllByRole("columnheader")[5]).toHaveAttribute("aria-sort", "descending");

    await user.type(screen.getByLabelText("Filter rows"), "anc");
    await waitFor(() => expect(screen.getByTestId("table-count")).toHaveTextContent("2 of 3 rows"));
    expect(names()).toEqual(["ANC 2nd visit", "ANC 1st visit"]);

    await user.click(within(g).getByRole("button", { name: "Copy column name" }));
    await waitFor(() => expect(screen.getByTestId("table-note")).toHaveTextContent("Copied 2 values of name"));
    expect(await navigator.clipboard.readText()).toBe("ANC 2nd visit\nANC 1st visit");

    const resizer = within(g).getByRole("separator", { name: /Resize column name/ });
    const before = Number(resizer.getAttribute("aria-valuenow"));
    resizer.focus();
    await user.keyboard("{ArrowRight}{ArrowRight}");
    expect(Number(resizer.getAttribute("aria-valuenow"))).toBe(before + 20);
  });

  it("copies a UID in one click, and clicking a UID opens that object", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "browse_get") return args.request.path === "/api/dataElements" ? frame(DATA_ELEMENTS) : frame({ id: "bjDvmb4bfuf", name: "default" });
      if (cmd === "identify_object") return { id: args.uid, kind: "categoryCombos", path: `/api/categoryCombos/${args.uid}`, name: "default" };
    });
    await openBrowse(user, "/api/dataElements");
    const g = await grid();
    await user.click(within(g).getAllByRole("button", { name: "Copy UID fbfJHSPpUQD" })[0]!);
    expect(await navigator.clipboard.readText()).toBe("fbfJHSPpUQD");
    await user.click(within(g).getAllByRole("button", { name: "bjDvmb4bfuf" })[0]!);
    await waitFor(() => expect(calls.find((c) => c.cmd === "identify_object")?.args).toEqual({ instanceId: "a", uid: "bjDvmb4bfuf" }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "browse_get").at(-1)!.args.request).toMatchObject({ path: "/api/categoryCombos/bjDvmb4bfuf", query: [] }));
    expect(screen.getByLabelText("API path")).toHaveValue("/api/categoryCombos/bjDvmb4bfuf");
  });
});

describe("get all pages", () => {
  it("shows page and item progress, cancels with browse_cancel, and keeps the page shown", async () => {
    const user = userEvent.setup();
    let reject: (e: unknown) => void = () => undefined;
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "browse_get") return frame(DATA_ELEMENTS);
      if (cmd === "browse_get_all") return new Promise((_, r) => (reject = r));
      if (cmd === "browse_cancel") {
        reject({ kind: "cancelled", message: "cancelled" });
        return null;
      }
      void args;
    });
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await user.click(await screen.findByText("Query options"));
    await user.type(screen.getByLabelText("Page"), "3");
    await openBrowse(user, "/api/dataElements");
    await grid();
    await user.click(screen.getByRole("button", { name: "Get all pages" }));
    const call = await waitFor(() => calls.find((c) => c.cmd === "browse_get_all")!);
    expect(call.args.request).toMatchObject({ instanceId: "a", path: "/api/dataElements", query: [] });
    const requestId = call.args.request.requestId as string;
    await act(() => emit("browse-all-progress", { requestId, page: 7, pageCount: 29, items: 3400, total: 14180 }));
    expect(await screen.findByTestId("all-progress-text")).toHaveTextContent("Page 7 of 29 · 3,400 of 14,180 items");
    await user.click(screen.getByRole("button", { name: "Stop getting pages" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "browse_cancel")?.args).toEqual({ requestId }));
    expect(await screen.findByTestId("all-cancelled")).toHaveTextContent("Stopped.");
    expect(screen.queryByTestId("all-progress")).not.toBeInTheDocument();
    expect(bodyRows(await grid())).toHaveLength(3);
    expect(screen.getByTestId("pager-summary")).toHaveTextContent("Page 1 of 29");
  });

  it("replaces the table with the merged result", async () => {
    const user = userEvent.setup();
    const merged = {
      pager: { page: 1, pageCount: 1, total: 4, pageSize: 4 },
      dataElements: [...DATA_ELEMENTS.dataElements, { id: "x0000000001", name: "Measles", valueType: "NUMBER" }],
    };
    renderApp((cmd) => (cmd === "browse_get" ? frame(DATA_ELEMENTS) : cmd === "browse_get_all" ? frame(merged) : undefined));
    await openBrowse(user, "/api/dataElements");
    await grid();
    await user.click(screen.getByRole("button", { name: "Get all pages" }));
    expect(await screen.findByTestId("all-shown")).toHaveTextContent("Showing all 4 items from every page.");
    await waitFor(async () => expect(bodyRows(await grid())).toHaveLength(4));
    expect(screen.queryByRole("button", { name: "Get all pages" })).not.toBeInTheDocument();
  });

  it("a failure midway shows the error and leaves the page as it was", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "browse_get") return frame(DATA_ELEMENTS);
      if (cmd === "browse_get_all") throw { kind: "server_error", message: "HTTP 500 on page 8" };
    });
    await openBrowse(user, "/api/dataElements");
    await grid();
    await user.click(screen.getByRole("button", { name: "Get all pages" }));
    expect(await screen.findByTestId("error-notice")).toHaveTextContent("The server had a problem answering.");
    expect(screen.queryByTestId("all-shown")).not.toBeInTheDocument();
    expect(bodyRows(await grid())).toHaveLength(3);
  });
});

describe("export", () => {
  it("calls export_table with the chosen format and scope, shows progress, then where the file is", async () => {
    const user = userEvent.setup();
    let finish: (v: unknown) => void = () => undefined;
    const { calls } = renderApp((cmd) => {
      if (cmd === "browse_get") return frame(DATA_ELEMENTS);
      if (cmd === "export_table") return new Promise((r) => (finish = r));
    });
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await user.click(await screen.findByText("Query options"));
    await user.type(screen.getByLabelText("Fields"), "id,name");
    await user.type(screen.getByLabelText("Page"), "2");
    await openBrowse(user, "/api/dataElements");
    await grid();
    await user.click(screen.getByRole("button", { name: "Export…" }));
    const dialog = await screen.findByTestId("export-dialog");
    await user.click(within(dialog).getByLabelText("CSV (opens in any spreadsheet program)"));
    await user.click(within(dialog).getByLabelText("All pages (14,180 items)"));
    await user.click(within(dialog).getByRole("button", { name: "Export" }));
    const call = await waitFor(() => calls.find((c) => c.cmd === "export_table")!);
    const { requestId, ...rest } = call.args.request;
    expect(rest).toEqual({ instanceId: "a", path: "/api/dataElements", query: [["fields", "id,name"]], allPages: true, format: "csv" });
    await act(() => emit("export-progress", { requestId, rows: 3400, total: 14180 }));
    expect(await within(dialog).findByTestId("export-progress")).toHaveTextContent("Exporting… 3,400 of 14,180 rows");
    await act(async () => finish({ path: "/home/jane/dataElements.csv", rows: 14180, columns: 2 }));
    expect(await screen.findByTestId("export-note")).toHaveTextContent("Saved 14,180 rows to /home/jane/dataElements.csv");
    expect(screen.queryByTestId("export-dialog")).not.toBeInTheDocument();
  });

  it("exports this page as Excel by default, and can be stopped", async () => {
    const user = userEvent.setup();
    let reject: (e: unknown) => void = () => undefined;
    const { calls } = renderApp((cmd) => {
      if (cmd === "browse_get") return frame(DATA_ELEMENTS);
      if (cmd === "export_table") return new Promise((_, r) => (reject = r));
      if (cmd === "browse_cancel") {
        reject({ kind: "cancelled", message: "cancelled" });
        return null;
      }
    });
    await openBrowse(user, "/api/dataElements");
    await grid();
    await user.click(screen.getByRole("button", { name: "Export…" }));
    const dialog = await screen.findByTestId("export-dialog");
    await user.click(within(dialog).getByRole("button", { name: "Export" }));
    const call = await waitFor(() => calls.find((c) => c.cmd === "export_table")!);
    expect(call.args.request).toMatchObject({ path: "/api/dataElements", query: [], allPages: false, format: "xlsx" });
    await user.click(await within(dialog).findByRole("button", { name: "Stop export" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "browse_cancel")?.args).toEqual({ requestId: call.args.request.requestId }));
    expect(await screen.findByTestId("export-note")).toHaveTextContent("The export was stopped.");
  });

  it("says nothing when the save dialog was closed (null)", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => (cmd === "browse_get" ? frame(DATA_ELEMENTS) : undefined));
    await openBrowse(user, "/api/dataElements");
    await grid();
    await user.click(screen.getByRole("button", { name: "Export…" }));
    await user.click(within(await screen.findByTestId("export-dialog")).getByRole("button", { name: "Export" }));
    await waitFor(() => expect(screen.queryByTestId("export-dialog")).not.toBeInTheDocument());
    expect(screen.queryByTestId("export-note")).not.toBeInTheDocument();
  });
});

describe("first run", () => {
  it("explains the app and offers one big action instead of an empty list", async () => {
    const user = userEvent.setup();
    renderApp(() => undefined, { instances: [], defaultId: null, activeId: null, storage: { mode: "keyring", detail: null }, recovery: null, readOnly: null });
    const empty = await screen.findByTestId("empty-state");
    expect(empty).toHaveTextContent("You have not added any DHIS2 instance yet.");
    expect(empty).toHaveTextContent(/lets you look at the data and metadata on your DHIS2 server/);
    expect(screen.queryByRole("button", { name: "Add instance" })).not.toBeInTheDocument();
    await user.click(within(empty).getByRole("button", { name: "Add your DHIS2 server" }));
    expect(await screen.findByTestId("wizard")).toBeInTheDocument();
    fireEvent.keyDown(document, { key: "Escape" });
  });
});
