import { describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderApp } from "./helpers";
import { ANC_QUERY, orgUnitApi, runResult, SEARCH } from "./analyticsFixtures";
import { made } from "./chartjsMock";

// jsdom has no canvas: Chart.js is replaced by a recorder (see chart.test.tsx for the chart itself).
vi.mock("chart.js", async () => (await import("./chartjsMock")).chartJsModule);

async function openAnalytics(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "Analytics" }));
  return screen.findByRole("heading", { name: "Analytics", level: 1 });
}

describe("analytics builder", () => {
  it("builds “ANC 1st visit, last 12 months, each district”, runs the typed query and shows names", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "browse_get") return orgUnitApi(args.request);
      if (cmd === "search_objects") return { ...SEARCH, text: args.text };
      if (cmd === "analytics_run") return runResult(args.instanceId);
      if (cmd === "analytics_export") return { path: "/home/jane/analytics.csv", rows: 2, columns: 2 };
    });
    await openAnalytics(user);
    await user.type(screen.getByLabelText(/Find data elements, indicators/), "anc");
    const hit = await screen.findByRole("button", { name: /ANC 1st visit/ });
    // Only data kinds are offered (no org units), and data sets as reporting rates.
    expect(screen.queryByText("Ancient district")).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Data sets (reporting rate)" })).toBeInTheDocument();
    await user.click(hit);
    expect(hit).toHaveAttribute("aria-pressed", "true");
    const chips = screen.getByTestId("data-chips");
    expect(within(chips).getByText("ANC 1st visit")).toBeInTheDocument();

    await user.click(screen.getByRole("checkbox", { name: "Last 12 months" }));
    expect(within(screen.getByTestId("period-chips")).getByText("Last 12 months")).toBeInTheDocument();
    await user.click(await screen.findByRole("checkbox", { name: "Each District" }));
    expect(within(screen.getByTestId("ou-chips")).getByText("Each District")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Run" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "analytics_run")).toBeDefined());
    const run = calls.find((c) => c.cmd === "analytics_run")!.args;
    // The typed query, never a URL string; layout null = the core's default.
    expect(run).toEqual({ instanceId: "a", query: ANC_QUERY });
    const result = await screen.findByTestId("analytics-result");
    expect(await within(result).findByText("Bombali")).toBeInTheDocument();
    expect(within(result).getByText("January 2024")).toBeInTheDocument();
    expect(within(result).getByText("412")).toBeInTheDocument();

    await user.click(within(result).getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "analytics_export")?.args).toEqual({ instanceId: "a", query: ANC_QUERY, format: "csv" }));
    expect(await within(result).findByText("Saved 2 rows to /home/jane/analytics.csv")).toBeInTheDocument();

    await user.click(within(result).getByText("The request that was sent"));
    expect(within(result).getByTestId("request-url")).toHaveTextContent("dimension=ou:LEVEL-2");
    await user.click(within(result).getByRole("button", { name: "Copy as curl" }));
    const curl = await navigator.clipboard.readText();
    expect(curl).toContain("$DHIS2_PASSWORD");
    await user.click(within(result).getByRole("button", { name: "Copy URL" }));
    expect(await navigator.clipboard.readText()).toBe(runResult("a").url);

    // Removing a chip by its named button.
    await user.click(within(chips).getByRole("button", { name: "Remove ANC 1st visit" }));
    expect(screen.getByTestId("data-chips-empty")).toBeInTheDocument();
  });

  it("reads an org unit's children only when it is opened", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => (cmd === "browse_get" ? orgUnitApi(args.request) : undefined));
    await openAnalytics(user);
    const tree = await screen.findByTestId("ou-tree");
    await within(tree).findByText("Sierra Leone");
    const childCalls = () => calls.filter((c) => c.cmd === "browse_get" && c.args.request.path.endsWith("/children")).map((c) => c.args.request.path);
    expect(childCalls()).toEqual([]);
    expect(calls.find((c) => c.cmd === "browse_get" && c.args.request.path === "/api/me")?.args.request.query).toEqual([["fields", "organisationUnits[id,displayName]"]]);
    const open = within(tree).getByRole("button", { name: "Show the org units under Sierra Leone" });
    expect(open).toHaveAttribute("aria-expanded", "false");
    await user.click(open);
    expect(await within(tree).findByText("Bombali")).toBeInTheDocument();
    expect(childCalls()).toEqual(["/api/organisationUnits/ImspTQPwCqd/children"]);
    // The parent listed first by /children is not shown twice.
    expect(within(tree).getAllByText("Sierra Leone")).toHaveLength(1);
    // Closing and opening again does not ask again; a new branch asks for its own children.
    await user.click(within(tree).getByRole("button", { name: "Hide the org units under Sierra Leone" }));
    await user.click(within(tree).getByRole("button", { name: "Show the org units under Sierra Leone" }));
    await user.click(within(tree).getByRole("button", { name: "Show the org units under Bo" }));
    expect(await within(tree).findByText("Badjia")).toBeInTheDocument();
    expect(childCalls()).toEqual(["/api/organisationUnits/ImspTQPwCqd/children", "/api/organisationUnits/O6uvpzGd5pu/children"]);
    // A leaf has no opener; ticking a unit makes a chip.
    expect(within(tree).queryByRole("button", { name: /under Badjia/ })).not.toBeInTheDocument();
    await user.click(within(tree).getByRole("checkbox", { name: "Bombali" }));
    expect(within(screen.getByTestId("ou-chips")).getByText("Bombali")).toBeInTheDocument();
  });

  it("works with the keyboard only, sends a changed layout, and shows the core's error in plain words", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "browse_get") return orgUnitApi(args.request);
      if (cmd === "search_objects") return { ...SEARCH, text: args.text };
      if (cmd === "analytics_run") throw { kind: "invalid_input", message: 'You picked no period. Choose one, for example "Last 12 months".' };
    });
    await openAnalytics(user);
    const search = screen.getByLabelText(/Find data elements, indicators/);
    search.focus();
    await user.keyboard("anc");
    await screen.findByRole("button", { name: /ANC 1st visit/ });
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("button", { name: /ANC 1st visit/ })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(within(screen.getByTestId("data-chips")).getByText("ANC 1st visit")).toBeInTheDocument();
    // Layout: data to rows with the keyboard (a labelled select).
    const dx = screen.getByTestId("layout-dx");
    dx.focus();
    await user.selectOptions(dx, "rows");
    await user.click(screen.getByRole("switch", { name: "Show totals" }));
    screen.getByRole("button", { name: "Run" }).focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(calls.find((c) => c.cmd === "analytics_run")).toBeDefined());
    expect(calls.find((c) => c.cmd === "analytics_run")!.args.query).toMatchObject({ layout: { rows: ["ou", "dx"], columns: ["pe"], filters: [] }, totals: true, periods: [] });
    const error = await screen.findByTestId("run-error");
    expect(error).toHaveTextContent("You picked no period.");
  });

  it("saves the question under a name; a taken name shows the core's message", async () => {
    const user = userEvent.setup();
    let n = 0;
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "browse_get") return orgUnitApi(args.request);
      if (cmd === "saved_save") {
        if (n++ === 0) throw { kind: "invalid_input", message: 'A saved question is already called "ANC". Pick another name.' };
        return { ...args.question, id: "q9", updatedAt: 1 };
      }
    });
    await openAnalytics(user);
    await user.click(screen.getByRole("checkbox", { name: "Last 12 months" }));
    await user.click(screen.getByRole("button", { name: "Save question" }));
    const name = await screen.findByLabelText("Name");
    await user.type(name, "ANC{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent('already called "ANC"');
    await user.clear(name);
    await user.type(name, "ANC by district");
    await user.click(screen.getByTestId("name-save"));
    await waitFor(() => expect(screen.getByTestId("analytics-note")).toHaveTextContent("Saved as “ANC by district”."));
    const saved = calls.filter((c) => c.cmd === "saved_save").at(-1)!.args.question;
    expect(saved).toMatchObject({ id: "", name: "ANC by district", question: { kind: "analytics", query: { periods: [{ id: "LAST_12_MONTHS" }], layout: null } } });
  });

  it("shows a small result as a bar or line chart", async () => {
    const user = userEvent.setup();
    renderApp((cmd, args) => {
      if (cmd === "browse_get") return orgUnitApi(args.request);
      if (cmd === "analytics_run") return runResult(args.instanceId);
    });
    await openAnalytics(user);
    await user.click(screen.getByRole("button", { name: "Run" }));
    const result = await screen.findByTestId("analytics-result");
    made.length = 0;
    await user.click(within(result).getByRole("radio", { name: "Bar chart" }));
    await waitFor(() => expect(made).toHaveLength(1));
    const chart = within(result).getByRole("img", { name: /^Bar chart: Result from Country HMIS\. 1 series \(January 2024\) over 2 rows, values from 387 to 412\./ });
    expect(made[0]!.canvas).toBe(chart);
    expect(made[0]!.config.type).toBe("bar");
    expect(made[0]!.config.data.labels).toEqual(["Bo", "Bombali"]);
    expect(made[0]!.config.data.datasets.map((d) => [d.label, d.data])).toEqual([["January 2024", [412, 387]]]);
    await user.click(within(result).getByRole("radio", { name: "Line chart" }));
    expect(made).toHaveLength(2);
    expect(made[0]!.destroy).toHaveBeenCalled();
    expect(made[1]!.config.type).toBe("line");
    expect(within(result).getByTestId("chart")).toContainElement(within(result).getByRole("img", { name: /^Line chart: / }));
    await user.click(within(result).getByRole("radio", { name: "Table" }));
    expect(await within(result).findByText("Bombali")).toBeInTheDocument();
    expect(made[1]!.destroy).toHaveBeenCalled();
  });

  it("offers no chart drawing for a result too big for one screen, and says why", async () => {
    const user = userEvent.setup();
    const many = Array.from({ length: 31 }, (_, i): [string, string] => [`District ${i + 1}`, String(100 + i)]);
    renderApp((cmd, args) => {
      if (cmd === "browse_get") return orgUnitApi(args.request);
      if (cmd === "analytics_run") return runResult(args.instanceId, many);
    });
    await openAnalytics(user);
    await user.click(screen.getByRole("button", { name: "Run" }));
    const result = await screen.findByTestId("analytics-result");
    made.length = 0;
    await user.click(within(result).getByRole("radio", { name: "Line chart" }));
    expect(within(result).getByTestId("chart-too-big")).toHaveTextContent("Too big for a chart on one screen: 31 rows and 1 column of values.");
    expect(within(result).queryByRole("img")).not.toBeInTheDocument();
    expect(made).toHaveLength(0);
    await user.click(within(result).getByRole("radio", { name: "Table" }));
    expect(await within(result).findByText("District 1")).toBeInTheDocument();
  });
});
