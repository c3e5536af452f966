import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { I18nProvider } from "../i18n";
import { LARGE_TEXT, LargeTextView, partStarts } from "../components/browse/LargeTextView";

describe("a large response's text", () => {
  it("is cut into parts of about 512 kB at line starts, covering every character once", () => {
    const line = '  "name": "Facility 123 in Bo district",\n';
    const text = line.repeat(Math.ceil((3 * 1024 * 1024) / line.length));
    const starts = partStarts(text);
    expect(starts.length).toBeGreaterThanOrEqual(6);
    expect(starts[0]).toBe(0);
    for (const s of starts.slice(1)) expect(text[s - 1]).toBe("\n");
    const parts = starts.map((s, i) => text.slice(s, starts[i + 1] ?? text.length));
    expect(parts.join("")).toBe(text);
    expect(partStarts("short")).toEqual([0]);
    expect(partStarts("x".repeat(2 * 1024 * 1024))).toEqual([0]); // one long line: one part
  });

  it("shows one part at a time in our words, never the editor's warning", async () => {
    const user = userEvent.setup();
    const text = ("{\"id\": \"abcdefghijk\"},\n").repeat(Math.ceil((LARGE_TEXT + 1000) / 23));
    render(
      <I18nProvider lang="fr">
        <LargeTextView text={text} size={56_800_000} label="Réponse" />
      </I18nProvider>,
    );
    expect(screen.getByRole("note")).toHaveTextContent("Cette réponse est volumineuse (54.2 MB)");
    const count = partStarts(text).length;
    expect(screen.getByTestId("large-text-part")).toHaveTextContent(`Partie 1 sur ${count}`);
    const shown = screen.getByTestId("large-text").textContent ?? "";
    expect(shown.length).toBeLessThan(600 * 1024);
    expect(text.startsWith(shown)).toBe(true);
    await user.click(screen.getByRole("button", { name: /Partie suivante/ }));
    expect(screen.getByTestId("large-text-part")).toHaveTextContent(`Partie 2 sur ${count}`);
    expect(screen.queryByText(/may crash your browser/)).not.toBeInTheDocument();
  });
});
