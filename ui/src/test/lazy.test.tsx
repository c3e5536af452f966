import { describe, expect, it } from "vitest";
import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderApp } from "./helpers";

// Screens other than Instances, and the wizard, are React.lazy (screens.tsx): the first time
// each is shown in this file it suspends once, so these run the real loading path.
describe("screens loaded on first use", () => {
  it("says Loading… until a screen's code is there, and the header keeps working meanwhile", async () => {
    const user = userEvent.setup();
    renderApp(() => undefined);
    await user.click(await screen.findByRole("button", { name: "Settings" }));
    expect(screen.getByRole("status")).toHaveTextContent("Loading…");
    expect(await screen.findByRole("heading", { name: "Settings" })).toBeInTheDocument();
    expect(screen.queryByText("Loading…")).not.toBeInTheDocument();
    // Ctrl+K lives in the header (main chunk) and still focuses the search box.
    const input = screen.getByLabelText("Find anything by name, code or UID");
    fireEvent.keyDown(document.body, { key: "k", ctrlKey: true });
    expect(input).toHaveFocus();
  });

  it("the wizard, loaded on first use, still puts the focus in the address field", async () => {
    const user = userEvent.setup();
    renderApp(() => undefined);
    await user.click(await screen.findByRole("button", { name: "Add instance" }));
    const dialog = await screen.findByTestId("wizard");
    expect(within(dialog).getByLabelText(/Web address of the DHIS2 server/)).toHaveFocus();
  });
});
