import { formatCount } from "../format";

/** Values for a message's placeholders: numbers, or text (counts may come already formatted, e.g. "1,418"). */
export type Vars = Record<string, string | number>;

/**
 * Locale for the plural rules of each UI language. The Portuguese dictionary is European
 * Portuguese, where 0 is plural ("0 linhas"); plain "pt" would use the Brazilian rules ("0 linha").
 */
const PLURAL_LOCALE: Record<string, string> = { pt: "pt-PT" };

const pluralRules = new Map<string, Intl.PluralRules>();
function pluralCategory(lang: string, n: number): string {
  const locale = PLURAL_LOCALE[lang] ?? lang;
  let rules = pluralRules.get(locale);
  if (!rules) {
    try {
      rules = new Intl.PluralRules(locale);
    } catch {
      rules = new Intl.PluralRules("en");
    }
    pluralRules.set(locale, rules);
  }
  return rules.select(n);
}

/**
 * The number in a count that the caller may have formatted already for `lang`
 * ("1,418" in English, "1 418" in French, "1.418" in Portuguese): group separators
 * (whatever they are) are dropped and the locale's decimal sign becomes ".". NaN if there is no digit.
 */
export function countValue(lang: string, value: string | number): number {
  if (typeof value === "number") return value;
  let decimal = ".";
  try {
    decimal = new Intl.NumberFormat(lang).formatToParts(1.5).find((p) => p.type === "decimal")?.value ?? ".";
  } catch {
    /* keep "." */
  }
  let text = "";
  for (const ch of value.trim()) {
    if (ch >= "0" && ch <= "9") text += ch;
    else if (ch === decimal) text += ".";
    else if ((ch === "-" || ch === "\u2212") && text === "") text += "-";
  }
  return /\d/.test(text) ? Number(text) : NaN;
}

/** Index of the "}" closing the "{" at `open`, or -1. */
function closingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "{") depth++;
    else if (s[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

/** "one {# row} other {# rows}" → { one: "# row", other: "# rows" }; null if malformed or without "other". */
function pluralBranches(options: string): Record<string, string> | null {
  const branches: Record<string, string> = {};
  let i = 0;
  for (;;) {
    while (i < options.length && /\s/.test(options[i]!)) i++;
    if (i >= options.length) break;
    const m = /^(=\d+|zero|one|two|few|many|other)\s*\{/.exec(options.slice(i));
    if (!m) return null;
    const open = i + m[0].length - 1;
    const close = closingBrace(options, open);
    if (close < 0) return null;
    branches[m[1]!] = options.slice(open + 1, close);
    i = close + 1;
  }
  return "other" in branches ? branches : null;
}

/**
 * Fills a message template: `{name}` takes vars.name, and a minimal ICU plural
 * `{name, plural, one {# row} other {# rows}}` (also `=0`, `zero`, `two`, `few`, `many`)
 * picks the branch for vars.name with Intl.PluralRules; inside it, `#` is the count: a number
 * is formatted like every count in the app (formatCount), a string is shown as given.
 * Placeholders whose variable is missing are left as they are; substituted values are never re-read.
 */
export function formatMessage(lang: string, template: string, vars: Vars, hash?: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === "#" && hash !== undefined) {
      out += hash;
      i++;
      continue;
    }
    if (ch !== "{") {
      out += ch;
      i++;
      continue;
    }
    const close = closingBrace(template, i);
    if (close < 0) {
      out += template.slice(i);
      break;
    }
    const raw = template.slice(i, close + 1);
    const inner = raw.slice(1, -1);
    i = close + 1;
    const simple = /^(\w+)$/.exec(inner);
    if (simple) {
      const name = simple[1]!;
      out += name in vars ? String(vars[name]) : raw;
      continue;
    }
    const plural = /^\s*(\w+)\s*,\s*plural\s*,([\s\S]*)$/.exec(inner);
    const branches = plural ? pluralBranches(plural[2]!) : null;
    const value = plural && plural[1]! in vars ? vars[plural[1]!]! : undefined;
    if (!branches || value === undefined) {
      out += raw;
      continue;
    }
    const n = countValue(lang, value);
    const branch = branches[`=${n}`] ?? (Number.isNaN(n) ? undefined : branches[pluralCategory(lang, n)]) ?? branches.other!;
    out += formatMessage(lang, branch, vars, typeof value === "number" ? formatCount(value, lang) : value);
  }
  return out;
}

/** The variable names a template uses, plain or plural (also inside plural branches), each once, sorted. */
export function placeholderNames(template: string): string[] {
  const names = new Set<string>();
  const walk = (s: string) => {
    for (let i = s.indexOf("{"); i >= 0; i = s.indexOf("{", i + 1)) {
      const close = closingBrace(s, i);
      if (close < 0) return;
      const inner = s.slice(i + 1, close);
      const simple = /^(\w+)$/.exec(inner);
      const plural = /^\s*(\w+)\s*,\s*plural\s*,([\s\S]*)$/.exec(inner);
      if (simple) names.add(simple[1]!);
      else if (plural) {
        names.add(plural[1]!);
        Object.values(pluralBranches(plural[2]!) ?? {}).forEach(walk);
      }
      i = close;
    }
  };
  walk(template);
  return [...names].sort();
}
