import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import { dictionaries, I18nProvider, LANGUAGES, translate, type Lang } from "../i18n";
import { countValue, formatMessage, placeholderNames } from "../i18n/message";
import { formatCount } from "../format";
import { ResultView } from "../components/analytics/ResultView";
import { ANC_QUERY, runResult } from "./analyticsFixtures";

const ROWS = "{rows, plural, one {# row} other {# rows}}";

describe("plural messages (formatMessage)", () => {
  it("picks one and other", () => {
    expect(formatMessage("en", ROWS, { rows: 1 })).toBe("1 row");
    expect(formatMessage("en", ROWS, { rows: 2 })).toBe("2 rows");
  });

  it("follows each language's rules for 0: plural in English, singular in French", () => {
    expect(formatMessage("en", ROWS, { rows: 0 })).toBe("0 rows");
    const fr = "{rows, plural, one {# ligne} other {# lignes}}";
    expect(formatMessage("fr", fr, { rows: 0 })).toBe("0 ligne");
    expect(formatMessage("fr", fr, { rows: 1 })).toBe("1 ligne");
    expect(formatMessage("fr", fr, { rows: 2 })).toBe("2 lignes");
    // European Portuguese (the dictionary's variant): 0 is plural.
    expect(formatMessage("pt", "{n, plural, one {# linha} other {# linhas}}", { n: 0 })).toBe("0 linhas");
  });

  it("formats a number in # like every count in the app", () => {
    expect(formatMessage("en", ROWS, { rows: 1418 })).toBe("1,418 rows");
    expect(formatMessage("fr", "{rows, plural, one {# ligne} other {# lignes}}", { rows: 14180 })).toBe(`${formatCount(14180, "fr")} lignes`);
  });

  it("keeps a count the caller formatted already, and reads its number for the category", () => {
    expect(formatMessage("en", ROWS, { rows: "1,418" })).toBe("1,418 rows");
    expect(formatMessage("en", ROWS, { rows: "1" })).toBe("1 row");
    expect(formatMessage("en", "Saved {rows, plural, one {# row} other {# rows}} to {path}", { rows: "1,418", path: "/tmp/x.csv" })).toBe(
      "Saved 1,418 rows to /tmp/x.csv",
    );
    for (const lang of LANGUAGES) {
      for (const n of [0, 1, 2, 1418, 14180, 1234567]) expect(countValue(lang, formatCount(n, lang)), `${lang} ${n}`).toBe(n);
    }
    expect(countValue("fr", "1,5")).toBe(1.5);
    expect(Number.isNaN(countValue("en", "many"))).toBe(true);
    expect(formatMessage("en", ROWS, { rows: "many" })).toBe("many rows");
  });

  it("leaves a missing variable as it is", () => {
    expect(formatMessage("en", ROWS, {})).toBe(ROWS);
    expect(formatMessage("en", "{shown} of {total, plural, one {# row} other {# rows}}", { total: 1 })).toBe("{shown} of 1 row");
    expect(formatMessage("en", "Hello {name}", { other: 1 })).toBe("Hello {name}");
  });

  it("fills other placeholders inside a branch, supports =N, and never re-reads substituted values", () => {
    expect(formatMessage("en", "{n, plural, =0 {none} one {# of {what}} other {# of {what}s}}", { n: 0, what: "cell" })).toBe("none");
    expect(formatMessage("en", "{n, plural, =0 {none} one {# of {what}} other {# of {what}s}}", { n: 3, what: "cell" })).toBe("3 of cells");
    expect(formatMessage("en", "{n, plural, one {# in {name}} other {# in {name}}}", { n: 1, name: "Ward #2 {x}" })).toBe("1 in Ward #2 {x}");
    expect(formatMessage("en", "Signed in as {name}", { name: "{name}" })).toBe("Signed in as {name}");
  });

  it("lists plain and plural placeholders once each", () => {
    expect(placeholderNames("{shown} of {total, plural, one {# row of {shown}} other {# rows}}")).toEqual(["shown", "total"]);
    // Words in braces inside a branch are text, not placeholders.
    expect(placeholderNames("{shown} de {total} {shown, plural, one {mostrado} other {mostrados}}")).toEqual(["shown", "total"]);
  });

  it("every message of every language renders fully for 0, 1, 2 and 1,418", () => {
    for (const lang of LANGUAGES) {
      const dict = dictionaries[lang] as Record<string, string>;
      for (const [key, template] of Object.entries(dict)) {
        const names = placeholderNames(template);
        if (names.length === 0) continue;
        for (const n of [0, 1, 2, 1418]) {
          const vars = Object.fromEntries(names.map((name) => [name, n]));
          const text = formatMessage(lang, template, vars);
          expect(text, `${lang}:${key} with ${n}`).not.toMatch(/[{}#]/);
        }
      }
    }
  });
});

describe("counts in the four languages", () => {
  const expected: Record<Lang, [string, string]> = {
    en: ["1 row", "2 rows"],
    fr: ["1 ligne", "2 lignes"],
    es: ["1 fila", "2 filas"],
    pt: ["1 linha", "2 linhas"],
  };

  it("the analytics row count and the table count beside the filter are singular for 1 row", async () => {
    for (const lang of LANGUAGES) {
      for (const [i, values] of [[["Bo", "412"]], [["Bo", "412"], ["Bombali", "387"]]].entries() as Iterable<[number, [string, string][]]>) {
        const { unmount } = render(
          <I18nProvider lang={lang}>
            <ResultView result={runResult("a", values)} query={ANC_QUERY} label="Result" />
          </I18nProvider>,
        );
        expect(screen.getByTestId("result-rows"), lang).toHaveTextContent(new RegExp(`^${expected[lang][i]}$`));
        await waitFor(() => expect(screen.getByTestId("table-count"), lang).toHaveTextContent(new RegExp(`^${expected[lang][i]}$`)));
        unmount();
      }
    }
  });

  it("keeps the English plural texts the end-to-end tests read", () => {
    expect(translate("en", "analytics.rows", { rows: formatCount(1418, "en") })).toBe("1,418 rows");
    expect(translate("en", "export.saved", { rows: formatCount(1418, "en"), path: "/tmp/o.xlsx" })).toBe("Saved 1,418 rows to /tmp/o.xlsx");
    expect(translate("en", "all.shown", { total: "1,418" })).toBe("Showing all 1,418 items from every page.");
    expect(translate("en", "table.rows", { total: "1,418" })).toBe("1,418 rows");
    expect(translate("en", "pager.summary", { page: "1", pageCount: "3", total: "120" })).toBe("Page 1 of 3 · 120 items");
    expect(translate("en", "compare.count", { n: "3" })).toBe("3 cells differ (marked).");
    expect(translate("en", "compare.count", { n: "1" })).toBe("1 cell differs (marked).");
  });

  it("gives singular and plural forms to the other counted messages", () => {
    const one: Record<Lang, string> = { en: "Saved 1 row to f.csv", fr: "1 ligne enregistrée dans f.csv", es: "Se guardó 1 fila en f.csv", pt: "1 linha guardada em f.csv" };
    const two: Record<Lang, string> = { en: "Saved 2 rows to f.csv", fr: "2 lignes enregistrées dans f.csv", es: "Se guardaron 2 filas en f.csv", pt: "2 linhas guardadas em f.csv" };
    for (const lang of LANGUAGES) {
      expect(translate(lang, "export.saved", { rows: "1", path: "f.csv" })).toBe(one[lang]);
      expect(translate(lang, "export.saved", { rows: "2", path: "f.csv" })).toBe(two[lang]);
    }
    expect(translate("fr", "table.rowsOf", { shown: "0", total: "1" })).toBe("0 sur 1 ligne");
    expect(translate("es", "pager.summary", { page: "1", pageCount: "1", total: "1" })).toBe("Página 1 de 1 · 1 elemento");
    expect(translate("pt", "saved.imported", { n: "1" })).toBe("Foi adicionada 1 pergunta.");
    expect(translate("en", "saved.imported", { n: "1" })).toBe("Added 1 question.");
    expect(translate("fr", "import.imported", { count: 1 })).toBe("Importée (1)");
    expect(translate("en", "time.daysAgo", { n: 2 })).toBe("2 days ago");
  });
});
