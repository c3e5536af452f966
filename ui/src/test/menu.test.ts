import { describe, expect, it } from "vitest";
import type { MenuItem } from "vanilla-jsoneditor";
import { withoutModeButtons } from "../json/menu";

const button = (text: string, className?: string): MenuItem => ({ type: "button", text, className, onClick: () => undefined });

describe("JSON viewer menu", () => {
  it("drops the editor's own text/tree/table buttons and keeps its tools", () => {
    const items: MenuItem[] = [
      button("text", "jse-group-button jse-first"),
      button("tree", "jse-group-button  jse-selected"),
      button("table", "jse-group-button jse-last"),
      { type: "separator" },
      button("", "jse-expand-all"),
      button("", "jse-collapse-all"),
      { type: "separator" },
      button("", "jse-search"),
      { type: "space" },
    ];
    const out = withoutModeButtons(items);
    expect(out.map((i) => (i.type === "button" ? i.className : i.type))).toEqual([
      "jse-expand-all",
      "jse-collapse-all",
      "separator",
      "jse-search",
      "space",
    ]);
  });
});
