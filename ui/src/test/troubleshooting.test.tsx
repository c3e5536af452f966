import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderApp } from "./helpers";

describe("Settings → Troubleshooting", () => {
  it("copies the diagnostics and turns the detailed log on", async () => {
    const user = userEvent.setup();
    const diagnostics = "dhis2w Desktop 0.1.0 (Tauri 2, WebKit 2.48)\nSecret storage: system keyring\nLast 1 log lines:\nINFO started\n";
    let detailed = false;
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "app_diagnostics") return diagnostics;
      if (cmd === "app_detailed_log") return detailed;
      if (cmd === "app_set_detailed_log") return (detailed = Boolean(args.on));
      return undefined;
    });
    await user.click(await screen.findByRole("button", { name: "Settings" }));
    const box = await screen.findByTestId("troubleshooting");
    expect(within(box).getByRole("heading", { name: "Troubleshooting" })).toBeInTheDocument();

    await user.click(within(box).getByRole("button", { name: "Copy diagnostics" }));
    expect(await within(box).findByText(/^Diagnostics copied\./)).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(diagnostics);

    const check = within(box).getByRole("checkbox", { name: "Write a detailed log" });
    expect(check).not.toBeChecked();
    await user.click(check);
    await waitFor(() => expect(calls.find((c) => c.cmd === "app_set_detailed_log")?.args).toEqual({ on: true }));
    await waitFor(() => expect(check).toBeChecked());
  });
});
