import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import d2i18n from "@dhis2/d2-i18n";
import type { AppError, ErrorKind } from "../bindings";
import { en, type Dictionary, type MessageKey } from "./en";
import { fr } from "./fr";
import { es } from "./es";
import { pt } from "./pt";
import { formatMessage, type Vars } from "./message";

export type { MessageKey, Dictionary };
export const LANGUAGES = ["en", "fr", "es", "pt"] as const;
export type Lang = (typeof LANGUAGES)[number];
export const LANGUAGE_NAMES: Record<Lang, string> = {
  en: "English",
  fr: "Français",
  es: "Español",
  pt: "Português",
};
export const dictionaries: Record<Lang, Dictionary> = { en, fr, es, pt };

export type { Vars };
export type T = (key: MessageKey, vars?: Vars) => string;

/**
 * The message `key` in `lang` with its placeholders filled: `{name}`, and plurals such as
 * `{rows, plural, one {# row} other {# rows}}` (see formatMessage).
 */
export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  const template = dictionaries[lang][key] ?? en[key] ?? key;
  if (!vars) return template;
  return formatMessage(lang, template, vars);
}

/** Plain-words message and next step for an error kind. */
export function errorText(lang: Lang, kind: ErrorKind): { message: string; next: string } {
  return {
    message: translate(lang, `err.${kind}` as MessageKey),
    next: translate(lang, `next.${kind}` as MessageKey),
  };
}

const STORAGE_KEY = "dhis2w.lang";

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && (LANGUAGES as readonly string[]).includes(saved)) return saved as Lang;
  } catch {
    /* storage may be unavailable */
  }
  const nav = typeof navigator !== "undefined" ? navigator.language.slice(0, 2) : "en";
  return (LANGUAGES as readonly string[]).includes(nav) ? (nav as Lang) : "en";
}

type Ctx = { lang: Lang; setLang: (l: Lang) => void; t: T; errorText: (e: AppError | ErrorKind) => { message: string; next: string } };
const I18nContext = createContext<Ctx | null>(null);

export function I18nProvider({ children, lang: forced }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(forced ?? initialLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* ignore */
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    // @dhis2/ui's own strings (e.g. "No options") use d2-i18n.
    void d2i18n.changeLanguage(lang);
    // The core words the sign-in pages it shows in the browser in the same language. Loaded
    // lazily (the dictionaries must not depend on the command layer); outside the app it fails
    // quietly.
    void import("../api")
      .then((api) => api.appSetLanguage(lang))
      .catch(() => undefined);
  }, [lang]);
  const value = useMemo<Ctx>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      errorText: (e) => errorText(lang, typeof e === "string" ? e : e.kind),
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): Ctx {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}
