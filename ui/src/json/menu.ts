import type { MenuItem } from "vanilla-jsoneditor";

const EDITOR_MODES = new Set(["text", "tree", "table"]);

/**
 * The editor's menu without its own text/tree/table mode buttons (our "View as" control is the
 * one way to switch), keeping its other tools (expand/collapse, search, …). Separators left
 * at the start, at the end or doubled by the removal are dropped too.
 */
export function withoutModeButtons(items: MenuItem[]): MenuItem[] {
  const kept = items.filter(
    (i) => !(i.type === "button" && ((i.className ?? "").includes("jse-group-button") || EDITOR_MODES.has(i.text ?? ""))),
  );
  const out: MenuItem[] = [];
  for (const i of kept) {
    if (i.type === "separator" && (out.length === 0 || out[out.length - 1]!.type === "separator")) continue;
    out.push(i);
  }
  while (out.length > 0 && out[out.length - 1]!.type === "separator") out.pop();
  return out;
}
