import { afterEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { encodeBrowseResponse } from "../api";
import type { SearchResults } from "../bindings";
import { createSearcher, type SearchState } from "../search/searcher";
import { kindKey } from "../search/kinds";
import { renderApp } from "./helpers";

vi.mock("../components/JsonView", async () => {
  const { forwardRef } = await import("react");
  return {
    JsonView: forwardRef(function JsonView(props: { content: { json?: unknown; text?: string } }, _ref) {
      return <pre data-test="json-view">{props.content.text ?? JSON.stringify(props.content.json)}</pre>;
    }),
  };
});

describe("searcher (debounce, stale answers)", () => {
  afterEach(() => vi.useRealTimers());

  it("waits for a pause in typing and asks once, with the trimmed text", async () => {
    vi.useFakeTimers();
    const run = vi.fn(async (text: string) => text.toUpperCase());
    const states: SearchState<string>[] = [];
    const s = createSearcher(run, (x) => states.push(x), 250);
    s.input("a");
    expect(states.at(-1)).toEqual({ status: "idle" }); // too short
    s.input("an");
    await vi.advanceTimersByTimeAsync(100);
    s.input("anc ");
    await vi.advanceTimersByTimeAsync(249);
    expect(run).not.toHaveBeenCalled();
    expect(states.at(-1)).toEqual({ status: "searching", text: "anc" });
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith("anc");
    await vi.runAllTimersAsync();
    expect(states.at(-1)).toEqual({ status: "done", text: "anc", results: "ANC" });
  });

  it("drops an answer that arrives after a newer question", async () => {
    vi.useFakeTimers();
    const pending: Record<string, (v: string) => void> = {};
    const run = (text: string) => new Promise<string>((r) => (pending[text] = r));
    const states: SearchState<string>[] = [];
    const s = createSearcher(run, (x) => states.push(x), 250);
    s.input("malaria");
    await vi.advanceTimersByTimeAsync(250);
    s.input("measles");
    await vi.advanceTimersByTimeAsync(250);
    pending.measles!("new");
    await vi.advanceTimersByTimeAsync(0);
    pending.malaria!("old");
    await vi.advanceTimersByTimeAsync(0);
    expect(states.filter((x) => x.status === "done")).toEqual([{ status: "done", text: "measles", results: "new" }]);
    s.cancel();
  });

  it("names kinds in plain words", () => {
    expect(kindKey("organisationUnits")).toBe("kind.organisationUnits");
    expect(kindKey("somethingNew")).toBe("kind.other");
  });
});

const RESULTS: SearchResults = {
  text: "anc",
  groups: [
    {
      kind: "dataElements",
      total: 12,
      hits: [
        { id: "fbfJHSPpUQD", name: "ANC 1st visit", code: "DE_359596", kind: "dataElements", path: "/api/dataElements/fbfJHSPpUQD" },
        { id: "cYeuwXTCPkU", name: "ANC 2nd visit", code: null, kind: "dataElements", path: "/api/dataElements/cYeuwXTCPkU" },
      ],
    },
    { kind: "organisationUnits", total: 1, hits: [{ id: "ImspTQPwCqd", name: "Ancient district", code: "OU_1", kind: "organisationUnits", path: "/api/organisationUnits/ImspTQPwCqd" }] },
  ],
};

describe("find anything (header)", () => {
  it("Ctrl+K and Cmd+K focus the search box from anywhere", async () => {
    renderApp(() => undefined);
    const input = await screen.findByLabelText("Find anything by name, code or UID");
    expect(input).not.toHaveFocus();
    fireEvent.keyDown(document.body, { key: "k", ctrlKey: true });
    expect(input).toHaveFocus();
    input.blur();
    fireEvent.keyDown(document.body, { key: "K", metaKey: true });
    expect(input).toHaveFocus();
  });

  it("searches as you type, groups hits by kind, and opens one with the keyboard", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "search_objects") return { ...RESULTS, text: args.text };
      if (cmd === "browse_get")
        return encodeBrowseResponse(
          { status: 200, headers: [], elapsedMs: 1, sizeBytes: 2, contentType: "application/json", url: "" },
          JSON.stringify({ id: "cYeuwXTCPkU", name: "ANC 2nd visit" }),
        );
    });
    const input = await screen.findByLabelText("Find anything by name, code or UID");
    await user.type(input, "anc");
    const panel = await screen.findByTestId("find-results");
    const groups = await within(panel).findAllByTestId("find-group");
    // One question for the whole word (debounced), with the active instance.
    expect(calls.filter((c) => c.cmd === "search_objects").map((c) => c.args)).toEqual([{ instanceId: "a", text: "anc" }]);
    expect(groups.map((g) => within(g).getByRole("heading").textContent)).toEqual(["Data elements · 2 of 12 shown", "Org units"]);
    expect(groups[0]).toHaveTextContent("ANC 1st visit");
    expect(groups[0]).toHaveTextContent("DE_359596");
    expect(groups[0]).toHaveTextContent("fbfJHSPpUQD");

    await user.click(within(panel).getByRole("button", { name: "Copy UID ImspTQPwCqd" }));
    expect(await navigator.clipboard.readText()).toBe("ImspTQPwCqd");

    input.focus();
    await user.keyboard("{ArrowDown}");
    expect(within(panel).getAllByRole("button", { name: /ANC 1st visit/ })[0]).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(within(panel).getByRole("button", { name: /ANC 2nd visit/ })).toHaveFocus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(calls.find((c) => c.cmd === "browse_get")?.args.request).toMatchObject({ path: "/api/dataElements/cYeuwXTCPkU", query: [] }));
    expect(screen.queryByTestId("find-results")).not.toBeInTheDocument();
    expect(await screen.findByLabelText("API path")).toHaveValue("/api/dataElements/cYeuwXTCPkU");
  });

  it("ignores a slow answer to an older text, says when nothing matched, and Escape closes", async () => {
    const user = userEvent.setup();
    const answers: Record<string, (r: SearchResults) => void> = {};
    renderApp((cmd, args) => {
      if (cmd === "search_objects") return new Promise<SearchResults>((r) => (answers[args.text] = r));
    });
    const input = await screen.findByLabelText("Find anything by name, code or UID");
    await user.type(input, "anc");
    await waitFor(() => expect(answers.anc).toBeDefined());
    await user.type(input, "x");
    await waitFor(() => expect(answers.ancx).toBeDefined());
    await act(async () => answers.ancx!({ text: "ancx", groups: [] }));
    const panel = await screen.findByTestId("find-results");
    expect(await within(panel).findByText("Nothing found for “ancx”.")).toBeInTheDocument();
    await act(async () => answers.anc!(RESULTS));
    expect(within(panel).queryByText("ANC 1st visit")).not.toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("find-results")).not.toBeInTheDocument();
    expect(input).toHaveFocus();
  });
});
