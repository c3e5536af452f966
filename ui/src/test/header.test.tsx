import { describe, expect, it } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { baseState, renderApp } from "./helpers";
import type { InstancesState } from "../bindings";
import { optionValue } from "../components/Header";

const twoInstances: InstancesState = {
  ...baseState,
  instances: [
    baseState.instances[0]!,
    { ...baseState.instances[0]!, id: "b", name: "Training server", color: "#c62828" },
  ],
};

describe("header instance switcher", () => {
  it("switches the active instance with a plain string id", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "instances_set_active") return { ...twoInstances, activeId: args.id };
    }, twoInstances);
    const switcher = await screen.findByTestId("instance-switcher");
    await waitFor(() => expect(switcher).toHaveTextContent("Country HMIS"));
    await user.click(combobox(switcher));
    await user.click(await screen.findByRole("option", { name: "Training server" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "instances_set_active")?.args).toEqual({ id: "b" }));
    const args = calls.find((c) => c.cmd === "instances_set_active")!.args;
    expect(typeof args.id).toBe("string");
    // The app stays up (no "Something unexpected went wrong") and the switcher shows the new instance.
    await waitFor(() => expect(screen.getByTestId("instance-switcher")).toHaveTextContent("Training server"));
    expect(screen.queryByText(/Something unexpected went wrong/)).not.toBeInTheDocument();
  });

  it("reads the id from an option object or a string", () => {
    expect(optionValue({ value: "b", label: "Training server" })).toBe("b");
    expect(optionValue("b")).toBe("b");
    expect(optionValue("")).toBeNull();
    expect(optionValue({ value: "", label: "" })).toBeNull();
    expect(optionValue(undefined)).toBeNull();
  });
});

function combobox(el: HTMLElement): HTMLElement {
  // The combobox itself is what opens the list.
  return (el.querySelector("[role=combobox]") as HTMLElement | null) ?? el;
}
