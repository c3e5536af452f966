import { describe, expect, it } from "vitest";
import { ERROR_KINDS } from "../api";
import { dictionaries, errorText, LANGUAGES, translate } from "../i18n";
import { en } from "../i18n/en";
import { placeholderNames as placeholders } from "../i18n/message";

describe("i18n dictionaries", () => {
  const keys = Object.keys(en).sort();
  for (const lang of LANGUAGES) {
    it(`${lang} has exactly the English keys, all non-empty, with the same placeholders`, () => {
      const dict = dictionaries[lang] as Record<string, string>;
      expect(Object.keys(dict).sort()).toEqual(keys);
      for (const k of keys) {
        expect(dict[k]?.trim(), `${lang}:${k}`).toBeTruthy();
        expect(placeholders(dict[k]!), `${lang}:${k}`).toEqual(placeholders((en as Record<string, string>)[k]!));
      }
    });
  }

  it("interpolates variables", () => {
    expect(translate("en", "state.signedIn", { name: "Jane" })).toBe("Signed in as Jane");
    expect(translate("fr", "state.expiresIn", { minutes: 42 })).toBe("expire dans 42 min");
  });
});

describe("error kind → message mapping", () => {
  it("covers all 28 kinds of the contract", () => {
    expect(ERROR_KINDS).toHaveLength(28);
  });
  for (const lang of LANGUAGES) {
    it(`every error kind has a message and a next step in ${lang}`, () => {
      for (const kind of ERROR_KINDS) {
        const dict = dictionaries[lang] as Record<string, string>;
        expect(dict[`err.${kind}`], `${lang} err.${kind}`).toBeTruthy();
        expect(dict[`next.${kind}`], `${lang} next.${kind}`).toBeTruthy();
        const { message, next } = errorText(lang, kind);
        expect(message).not.toMatch(/^err\./);
        expect(next).not.toMatch(/^next\./);
        expect(message).not.toBe(next);
      }
    });
  }
  it("non-English messages are actually translated", () => {
    for (const lang of ["fr", "es", "pt"] as const) {
      const same = ERROR_KINDS.filter((k) => errorText(lang, k).message === errorText("en", k).message);
      expect(same, lang).toEqual([]);
    }
  });
});
