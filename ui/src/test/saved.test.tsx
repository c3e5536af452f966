import { describe, expect, it, vi } from "vitest";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InstancesState, PreparedQuery, SavedQuestion } from "../bindings";
import { baseState, renderApp } from "./helpers";
import { ANC_QUERY, json, orgUnitApi, runResult } from "./analyticsFixtures";

vi.mock("../components/JsonView", async () => {
  const { forwardRef } = await import("react");
  return { JsonView: forwardRef(function JsonView() { return <pre data-test="json-view" />; }) };
});

const two: InstancesState = { ...baseState, instances: [baseState.instances[0]!, { ...baseState.instances[0]!, id: "b", name: "Training server" }] };

const LIST: SavedQuestion[] = [
  { id: "q1", name: "ANC by district", question: { kind: "analytics", query: ANC_QUERY }, updatedAt: 1700000000 },
  { id: "q2", name: "Malaria elements", question: { kind: "request", path: "/api/dataElements", query: [["filter", "name:ilike:malaria"]] }, updatedAt: 1700000100 },
];

async function openSaved(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "Saved" }));
  return screen.findByTestId("saved-table");
}
const row = (name: string) => screen.getAllByTestId("saved-row").find((r) => within(r).queryByRole("rowheader", { name }))!;

describe("saved questions", () => {
  it("lists, searches, renames and deletes", async () => {
    const user = userEvent.setup();
    let list = [...LIST];
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "saved_list") return list;
      if (cmd === "saved_save") {
        list = list.map((s) => (s.id === args.question.id ? args.question : s));
        return args.question;
      }
      if (cmd === "saved_delete") return (list = list.filter((s) => s.id !== args.id));
    });
    const table = await openSaved(user);
    expect(within(table).getAllByTestId("saved-row")).toHaveLength(2);
    // The analytics question is summed up in plain words.
    expect(row("ANC by district")).toHaveTextContent("ANC 1st visit · Last 12 months · Each District");
    await user.type(screen.getByLabelText("Search saved questions"), "malaria");
    expect(within(table).getAllByTestId("saved-row")).toHaveLength(1);
    await user.clear(screen.getByLabelText("Search saved questions"));

    await user.click(within(row("ANC by district")).getByRole("button", { name: "Rename" }));
    const name = await screen.findByLabelText("Name");
    expect(name).toHaveValue("ANC by district");
    await user.clear(name);
    await user.type(name, "ANC first visits{Enter}");
    await waitFor(() => expect(calls.find((c) => c.cmd === "saved_save")?.args.question).toEqual({ ...LIST[0], name: "ANC first visits" }));
    expect(await screen.findByRole("rowheader", { name: "ANC first visits" })).toBeInTheDocument();

    await user.click(within(row("Malaria elements")).getByRole("button", { name: "Delete" }));
    await user.click(await screen.findByTestId("delete-confirm"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "saved_delete")?.args).toEqual({ id: "q2" }));
    await waitFor(() => expect(screen.getAllByTestId("saved-row")).toHaveLength(1));
    expect(screen.getByTestId("saved-note")).toHaveTextContent("Deleted “Malaria elements”.");
  });

  it("exports all or the selected ones, and imports", async () => {
    const user = userEvent.setup();
    let list = [...LIST];
    const { calls } = renderApp((cmd) => {
      if (cmd === "saved_list") return list;
      if (cmd === "saved_export") return "/home/jane/q.json";
      if (cmd === "saved_import") {
        const added = { ...LIST[0]!, id: "q3", name: "Shared" };
        list = [...list, added];
        return [added];
      }
    });
    await openSaved(user);
    await user.click(screen.getByRole("button", { name: "Export all to a file" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "saved_export")?.args).toEqual({ ids: [] }));
    expect(await screen.findByText("Saved to /home/jane/q.json")).toBeInTheDocument();
    await user.click(screen.getByRole("checkbox", { name: "Select Malaria elements" }));
    await user.click(screen.getByRole("button", { name: "Export 1 selected to a file" }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "saved_export").at(-1)?.args).toEqual({ ids: ["q2"] }));
    await user.click(screen.getByRole("button", { name: "Import from a file" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "saved_import")?.args).toEqual({ path: null }));
    expect(await screen.findByRole("rowheader", { name: "Shared" })).toBeInTheDocument();
  });

  it("opens an analytics question in the builder and a request in the browser", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "saved_list") return LIST;
      if (cmd === "browse_get") return orgUnitApi(args.request) ?? json({ dataElements: [] });
    });
    await openSaved(user);
    await user.click(within(row("ANC by district")).getByRole("button", { name: "Open" }));
    expect(await screen.findByRole("heading", { name: "Analytics", level: 1 })).toBeInTheDocument();
    expect(within(screen.getByTestId("data-chips")).getByText("ANC 1st visit")).toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "Last 12 months" })).toBeChecked();
    await openSaved(user);
    await user.click(within(row("Malaria elements")).getByRole("button", { name: "Open" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "browse_get" && c.args.request.path === "/api/dataElements")?.args.request.query).toEqual([["filter", "name:ilike:malaria"]]));
  });

  it("runs on another instance: missing items by name, replacements to accept, then the run there", async () => {
    const user = userEvent.setup();
    const prepared: PreparedQuery = {
      query: { ...ANC_QUERY, data: [{ ...ANC_QUERY.data[0]!, id: "xbfJHSPpUQD" }] },
      missing: [
        { dimension: "dx", item: ANC_QUERY.data[0]!, replacement: { ...ANC_QUERY.data[0]!, id: "xbfJHSPpUQD", name: "ANC first visit" }, matchedBy: "code" },
        { dimension: "ou", item: { id: "O6uvpzGd5pu", name: "Bo", code: null, kind: "organisationUnits" }, replacement: null, matchedBy: null },
      ],
    };
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "saved_list") return LIST;
      if (cmd === "analytics_prepare") return prepared;
      if (cmd === "analytics_run") return runResult(args.instanceId);
    }, two);
    await openSaved(user);
    await user.click(within(row("ANC by district")).getByRole("button", { name: "Run on…" }));
    const panel = await screen.findByTestId("run-on");
    expect(within(panel).getByLabelText("Instance")).toHaveValue("b");
    await user.click(within(panel).getByRole("button", { name: "Check what is there" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "analytics_prepare")?.args).toEqual({ instanceId: "b", query: ANC_QUERY }));
    const items = await within(panel).findAllByTestId("missing-item");
    expect(items[0]).toHaveTextContent("“ANC 1st visit” is not on Training server.");
    const accept = within(items[0]!).getByRole("checkbox", { name: "Use “ANC first visit” instead (same code)" });
    expect(accept).toBeChecked();
    expect(items[1]).toHaveTextContent("“Bo” is not on Training server.");
    expect(items[1]).toHaveTextContent("No match found: it is left out.");
    await user.click(within(panel).getByRole("button", { name: "Run on Training server" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "analytics_run")?.args).toEqual({ instanceId: "b", query: prepared.query }));
    expect(await within(panel).findByText("Bombali")).toBeInTheDocument();
    // Turning the replacement down runs without it.
    await user.click(accept);
    await user.click(within(panel).getByRole("button", { name: "Run on Training server" }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "analytics_run")).toHaveLength(2));
    expect(calls.filter((c) => c.cmd === "analytics_run")[1]!.args.query.data).toEqual([]);
  });

  it("keeps the missing-items report when the run there needs a sign-in, and offers to sign in", async () => {
    const user = userEvent.setup();
    const prepared: PreparedQuery = { query: ANC_QUERY, missing: [{ dimension: "ou", item: { id: "O6uvpzGd5pu", name: "Bo", code: null, kind: "organisationUnits" }, replacement: null, matchedBy: null }] };
    renderApp((cmd) => {
      if (cmd === "saved_list") return LIST;
      if (cmd === "analytics_prepare") return prepared;
      if (cmd === "analytics_run") throw { kind: "sign_in_required", message: "Sign in to this instance first." };
    }, two);
    await openSaved(user);
    await user.click(within(row("ANC by district")).getByRole("button", { name: "Run on…" }));
    const panel = await screen.findByTestId("run-on");
    await user.click(within(panel).getByRole("button", { name: "Check what is there" }));
    await user.click(await within(panel).findByRole("button", { name: "Run on Training server" }));
    expect(await within(panel).findByTestId("run-error")).toHaveTextContent("Sign in to this instance first.");
    expect(within(panel).getByRole("button", { name: "Sign in to Training server" })).toBeInTheDocument();
    expect(within(panel).getByTestId("missing-item")).toHaveTextContent("“Bo” is not on Training server.");
  });

  it("compares two instances and marks the cells that differ", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd) => {
      if (cmd === "saved_list") return LIST;
      if (cmd === "analytics_compare")
        return {
          left: runResult("a"),
          right: runResult("b", [["Bo", "412"], ["Bombali", "390"]]),
          differences: [{ row: "Bombali", column: "January 2024", left: "387", right: "390" }],
          leftMissing: [],
          rightMissing: [{ dimension: "dx", item: ANC_QUERY.data[0], replacement: { ...ANC_QUERY.data[0], id: "xbfJHSPpUQD" }, matchedBy: "code" }],
        };
    }, two);
    await openSaved(user);
    await user.click(within(row("ANC by district")).getByRole("button", { name: "Compare instances" }));
    const panel = await screen.findByTestId("compare");
    expect(within(panel).getByLabelText("Left")).toHaveValue("a");
    expect(within(panel).getByLabelText("Right")).toHaveValue("b");
    await user.click(within(panel).getByRole("button", { name: "Compare" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "analytics_compare")?.args).toEqual({ leftInstanceId: "a", rightInstanceId: "b", query: ANC_QUERY }));
    expect(await within(panel).findByTestId("compare-count")).toHaveTextContent("1 cell differs (marked).");
    const [left, right] = within(panel).getAllByTestId("compare-table");
    const marked = (t: HTMLElement) => [...t.querySelectorAll("[data-differs]")].map((c) => c.textContent);
    expect(marked(left!)).toEqual(["387 (differs)"]);
    expect(marked(right!)).toEqual(["390 (differs)"]);
    expect(within(panel).getByText("“ANC 1st visit” was used instead (same code).", { exact: false })).toBeInTheDocument();
  });
});

describe("saving a browser request", () => {
  it("saves the request that was sent as a saved question", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "browse_get") return json({ pager: { page: 1, pageCount: 1, total: 1, pageSize: 50 }, dataElements: [{ id: "x", name: "ANC" }] });
      if (cmd === "saved_save") return { ...args.question, id: "q7", updatedAt: 1 };
    });
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    const path = await screen.findByLabelText("API path");
    await user.clear(path);
    await user.type(path, "/api/dataElements");
    await user.click(screen.getByRole("button", { name: "Get" }));
    await user.click(await screen.findByRole("button", { name: "Save question" }));
    await user.type(await screen.findByLabelText("Name"), "All data elements{Enter}");
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "saved_save")?.args.question).toEqual({ id: "", name: "All data elements", question: { kind: "request", path: "/api/dataElements", query: [] }, updatedAt: 0 }),
    );
    expect(await screen.findByTestId("question-note")).toHaveTextContent("Saved as “All data elements”.");
  });
});

describe("window focus", () => {
  it("re-reads the instances when the window comes back, so ones added by the CLI appear", async () => {
    let state = baseState;
    const { calls } = renderApp((cmd) => (cmd === "instances_list" ? state : undefined));
    await waitFor(() => expect(screen.getByTestId("instance-switcher")).toHaveTextContent("Country HMIS"));
    const reads = () => calls.filter((c) => c.cmd === "instances_list").length;
    const before = reads();
    state = { ...two, instances: [...baseState.instances, { ...baseState.instances[0]!, id: "cli", name: "Added by dhis2w" }] };
    await act(async () => void window.dispatchEvent(new Event("focus")));
    await waitFor(() => expect(reads()).toBe(before + 1));
    // A visibilitychange right after the focus is the same return: read once.
    await act(async () => void document.dispatchEvent(new Event("visibilitychange")));
    expect(reads()).toBe(before + 1);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Instances" }));
    expect(await screen.findByText("Added by dhis2w")).toBeInTheDocument();
  });
});
