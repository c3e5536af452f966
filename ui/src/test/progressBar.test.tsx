import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import { ProgressBar } from "../components/ProgressBar";

describe("the progress bar", () => {
  it("tells assistive technology how far it is and fills that share of its width", () => {
    render(<ProgressBar amount={42.4} label="Receiving… 25 MB" />);
    const bar = screen.getByRole("progressbar", { name: "Receiving… 25 MB" });
    expect(bar.getAttribute("aria-valuenow")).toBe("42");
    expect((bar.firstElementChild as HTMLElement).style.transform).toBe("scaleX(0.424)");
  });

  it("stays within empty and full whatever it is given", () => {
    const { rerender } = render(<ProgressBar amount={250} label="x" />);
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");
    rerender(<ProgressBar amount={-3} label="x" />);
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("0");
    rerender(<ProgressBar amount={Number.NaN} label="x" />);
    expect((screen.getByRole("progressbar").firstElementChild as HTMLElement).style.transform).toBe("scaleX(0)");
  });

  it("is left out when the size is not known beforehand (the text says how much has arrived)", () => {
    const { container } = render(<ProgressBar amount={null} label="Receiving… 10.7 MB" />);
    expect(container.innerHTML).toBe("");
  });

  it("never animates between two reports: no transition in its style sheet", () => {
    const css = readFileSync(`${process.cwd()}/src/styles.css`, "utf8");
    const rules = css.slice(css.indexOf(".progress-bar"));
    expect(rules).toContain(".progress-bar-fill");
    expect(rules.slice(0, rules.indexOf("}", rules.indexOf(".progress-bar-fill")))).not.toMatch(/transition|animation/);
  });
});
