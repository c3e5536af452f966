import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { formatCount } from "../format";
import { I18nProvider } from "../i18n";
import { LARGE_TEXT, LargeTextView } from "../components/browse/LargeTextView";
import { findIn, findInSlices, findText, indexLines, lineIndexer, lineOf, lineText, MAX_LINE, realLineOf } from "../text/lines";

const allLines = (text: string | Uint8Array, maxLine?: number) => {
  const ix = indexLines(text, maxLine);
  return Array.from({ length: ix.count }, (_, i) => lineText(text, ix, i));
};

describe("the line index of a large text", () => {
  it("finds every line once, the same from a string and from its UTF-8 bytes", () => {
    const text = 'one\n  "name": "Région de Kédougou",\r\n\nlast without break';
    expect(allLines(text)).toEqual(["one", '  "name": "Région de Kédougou",', "", "last without break"]);
    const bytes = new TextEncoder().encode(text);
    expect(allLines(bytes)).toEqual(allLines(text));
    expect(allLines("ends with a break\n")).toEqual(["ends with a break"]);
    expect(allLines("")).toEqual([""]);
  });

  it("cuts a line longer than the limit without splitting a character", () => {
    const long = "é".repeat(25) + "😀".repeat(10); // 2-byte and 4-byte UTF-8; the emoji are surrogate pairs
    for (const text of [long, new TextEncoder().encode(long)]) {
      const lines = allLines(text, 7);
      expect(lines.join("")).toBe(long);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(7);
      expect(lines.some((l) => l.includes("\uFFFD"))).toBe(false);
    }
    // An answer with no line break at all is still shown in short lines.
    const oneLine = "x".repeat(MAX_LINE * 3 + 5);
    expect(allLines(oneLine).map((l) => l.length)).toEqual([MAX_LINE, MAX_LINE, MAX_LINE, 5]);
  });

  it("does not cut a line whose text fits, whatever its line break; numbers the text's own lines", () => {
    const fits = "a".repeat(7);
    expect(allLines(`${fits}\r\n${fits}\n${fits}`, 7)).toEqual([fits, fits, fits]);
    const ix = indexLines(`short\n${"b".repeat(20)}\nafter`, 7);
    expect(ix.count).toBe(5); // "short", three pieces of the long line, "after"
    expect(ix.realCount).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => realLineOf(ix, i))).toEqual([0, 1, 1, 1, 2]);
    expect(Array.from(ix.cont)).toEqual([0, 0, 1, 1, 0]);
  });

  it("gives the same index slice by slice as at once", () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"y".repeat(i % 97)}`).join("\n");
    const ix = lineIndexer(text, 50);
    let steps = 0;
    while (!ix.step(1000)) steps += 1;
    expect(steps).toBeGreaterThan(10);
    expect(Array.from(ix.index().starts)).toEqual(Array.from(indexLines(text, 50).starts));
  });

  it("finds text from a place onwards, ignoring case, wrapping to the start", () => {
    const text = "alpha\nBombali\nbeta\nbombali again\n";
    const bytes = new TextEncoder().encode(text);
    for (const t of [text, bytes]) {
      const ix = indexLines(t);
      const first = findText(t, "BOMBALI", 0);
      expect(lineOf(ix, first)).toBe(1);
      const second = findText(t, "bombali", first + 1);
      expect(lineOf(ix, second)).toBe(3);
      expect(lineOf(ix, findText(t, "bombali", second + 1))).toBe(1);
      expect(findText(t, "Kenema", 0)).toBe(-1);
    }
    expect(findText("a.b", ".", 0)).toBe(1); // the search is plain text, not a pattern
    // Only ASCII letters ignore case, the same for a string and its bytes.
    expect(findText("Région", "RÉGION", 0)).toBe(-1);
    expect(findText(new TextEncoder().encode("Région"), "RÉGION", 0)).toBe(-1);
    expect(findText("Région", "région", 0)).toBe(0);
    // A range only finds matches that start inside it.
    expect(findIn("xxabcxx", "abc", 0, 2)).toBe(-1);
    expect(findIn("xxabcxx", "abc", 0, 3)).toBe(2);
    expect(findIn(new TextEncoder().encode("xxabcxx"), "ABC", 3, 7)).toBe(-1);
  });

  it("searches a slice at a time, finding a match that spans two slices, and can be stopped", async () => {
    const text = "0123456789".repeat(10) + "needle" + "0123456789".repeat(10);
    const bytes = new TextEncoder().encode(text);
    let pauses = 0;
    const pause = async () => {
      pauses += 1;
    };
    for (const t of [text, bytes]) {
      pauses = 0;
      // Slices of 7: "needle" (at 100) starts in the slice [98, 105) and ends in the next.
      expect(await findInSlices(t, "NEEDLE", 0, pause, () => false, 7)).toBe(100);
      expect(pauses).toBe(14);
      expect(await findInSlices(t, "needle", 101, pause, () => false, 7)).toBe(100); // wrapped
      expect(await findInSlices(t, "absent", 0, pause, () => false, 7)).toBe(-1);
      expect(await findInSlices(t, "absent", 0, pause, () => true, 7)).toBeNull();
    }
  });
});

describe("a large response's text", () => {
  it("lays out only the lines in sight and scrolls to any line", () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `  "name": "Facility ${i}",`);
    const text = lines.join("\n");
    render(
      <I18nProvider lang="en">
        <LargeTextView text={text.slice(0, 1_000_000)} size={1_000_000} label="Response" />
      </I18nProvider>,
    );
    const shown = screen.getByTestId("large-text-lines").textContent ?? "";
    expect(shown).toContain('"Facility 0"');
    expect(shown.split("\n").length).toBeLessThan(60);
    const box = screen.getByTestId("large-text");
    box.scrollTop = 18 * 30_000;
    fireEvent.scroll(box);
    const later = screen.getByTestId("large-text-lines").textContent ?? "";
    expect(later).toContain('"Facility 30000"');
    expect(later).not.toContain('"Facility 0"');
  });

  it("moves by lines with the keys and the wheel when the scroll bar stands for millions of lines", async () => {
    const count = 600_000; // 10.8 million pixels at 18 each: above the 8 million cap
    const text = Array.from({ length: count }, (_, i) => `L${i}`).join("\n");
    render(
      <I18nProvider lang="en">
        <LargeTextView text={text} size={text.length} label="Response" />
      </I18nProvider>,
    );
    const box = await screen.findByTestId("large-text", {}, { timeout: 5000 });
    const firstShown = () => (screen.getByTestId("large-text-lines").textContent ?? "").split("\n")[0];
    expect(firstShown()).toBe("L0");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(firstShown()).toBe("L1");
    fireEvent.keyDown(box, { key: "PageDown" });
    expect(firstShown()).toBe("L34"); // a page: the 35 lines laid out less two
    fireEvent(box, new WheelEvent("wheel", { deltaY: 54, cancelable: true, bubbles: true }));
    expect(firstShown()).toBe("L37"); // 54 pixels: three lines
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(firstShown()).toBe("L36");
    // Dragged to the bottom: the last line is shown, and numbered.
    box.scrollTop = 8_000_000 - 600;
    fireEvent.scroll(box);
    const lines = (screen.getByTestId("large-text-lines").textContent ?? "").trimEnd().split("\n");
    expect(lines[lines.length - 1]).toBe(`L${count - 1}`);
    const gutter = (document.querySelector(".large-text-gutter")?.textContent ?? "").split("\n");
    expect(gutter[gutter.length - 1]).toBe(String(count));
  });

  it("numbers a cut long line once and counts the text's own lines", () => {
    const text = `first\n${"z".repeat(MAX_LINE * 2 + 10)}\nlast`;
    render(
      <I18nProvider lang="en">
        <LargeTextView text={text} size={text.length} label="Response" />
      </I18nProvider>,
    );
    expect((document.querySelector(".large-text-gutter")?.textContent ?? "").split("\n")).toEqual(["1", "2", "↪", "↪", "3"]);
    expect(screen.getByTestId("large-text-status")).toHaveTextContent("3 lines");
  });

  it("shows a new text from its top when the text changes", () => {
    const view = (text: string) => (
      <I18nProvider lang="en">
        <LargeTextView text={text} size={text.length} label="Response" />
      </I18nProvider>
    );
    const { rerender } = render(view("first\nanswer"));
    expect(screen.getByTestId("large-text-lines")).toHaveTextContent("first answer");
    rerender(view("second\none\nhere"));
    expect(screen.getByTestId("large-text-lines")).toHaveTextContent("second one here");
    expect(screen.getByTestId("large-text-status")).toHaveTextContent("3 lines");
  });

  it("shows UTF-8 bytes moved from the worker, accents intact, in our words, never the editor's warning", async () => {
    const line = '  "name": "Région de Kédougou",\n';
    const text = line.repeat(Math.ceil((LARGE_TEXT + 1000) / line.length));
    const bytes = new TextEncoder().encode(text);
    render(
      <I18nProvider lang="fr">
        <LargeTextView text={bytes} size={56_800_000} label="Réponse" />
      </I18nProvider>,
    );
    expect(screen.getByRole("note")).toHaveTextContent("Cette réponse est volumineuse (54.2 MB)");
    // Indexed a slice at a time: first a progress line, then the lines.
    expect(screen.getByTestId("large-text-preparing")).toHaveTextContent("Préparation du texte");
    const lines = await screen.findByTestId("large-text-lines", {}, { timeout: 5000 });
    expect(lines.textContent).toContain('"name": "Région de Kédougou",');
    const count = Math.ceil((LARGE_TEXT + 1000) / line.length);
    expect(screen.getByTestId("large-text-status").textContent).toBe(`${formatCount(count, "fr")} lignes`);
    expect(screen.queryByText(/may crash your browser/)).not.toBeInTheDocument();
  });

  it("finds a name anywhere in the text, shows its line and marks it", async () => {
    const user = userEvent.setup();
    const lines = Array.from({ length: 100_000 }, (_, i) => `  "name": "Facility ${i}",`);
    lines[73_210] = '  "name": "Bombali hospital",';
    const text = lines.join("\n");
    render(
      <I18nProvider lang="en">
        <LargeTextView text={text} size={text.length} label="Response" />
      </I18nProvider>,
    );
    await user.type(await screen.findByLabelText("Find in the text", {}, { timeout: 5000 }), "bombali");
    await user.click(screen.getByRole("button", { name: "Find next" }));
    await waitFor(() => expect(screen.getByTestId("large-text-status")).toHaveTextContent("Line 73,211 of 100,000"));
    expect(screen.getByTestId("large-text-match")).toHaveTextContent("Bombali");
    expect(screen.getByTestId("large-text-lines")).toHaveTextContent("Bombali hospital");
    await user.clear(screen.getByLabelText("Find in the text"));
    await user.type(screen.getByLabelText("Find in the text"), "Kenema{Enter}");
    await waitFor(() => expect(screen.getByTestId("large-text-status")).toHaveTextContent("“Kenema” is not in this response."));
  });
});
