// DHIS2 periods for the builder: the 45 relative keywords in groups, and fixed periods (ISO ids)
// per period type with readable labels. No React here.
import type { MessageKey, T } from "../i18n";

export type RelativeGroup = "days" | "weeks" | "months" | "quarters" | "years" | "financialYears";

/** Every relative period keyword DHIS2 accepts (the same 45 on 2.40–2.44), grouped for the picker. */
export const RELATIVE_GROUPS: { group: RelativeGroup; ids: readonly string[] }[] = [
  { group: "days", ids: ["TODAY", "YESTERDAY", "LAST_3_DAYS", "LAST_7_DAYS", "LAST_14_DAYS", "LAST_30_DAYS", "LAST_60_DAYS", "LAST_90_DAYS", "LAST_180_DAYS"] },
  {
    group: "weeks",
    ids: ["THIS_WEEK", "LAST_WEEK", "THIS_BIWEEK", "LAST_BIWEEK", "LAST_4_WEEKS", "LAST_4_BIWEEKS", "LAST_12_WEEKS", "LAST_52_WEEKS", "WEEKS_THIS_YEAR"],
  },
  {
    group: "months",
    ids: [
      "THIS_MONTH", "LAST_MONTH", "LAST_3_MONTHS", "LAST_6_MONTHS", "LAST_12_MONTHS", "MONTHS_THIS_YEAR", "MONTHS_LAST_YEAR",
      "THIS_BIMONTH", "LAST_BIMONTH", "LAST_6_BIMONTHS", "BIMONTHS_THIS_YEAR",
    ],
  },
  {
    group: "quarters",
    ids: ["THIS_QUARTER", "LAST_QUARTER", "LAST_4_QUARTERS", "QUARTERS_THIS_YEAR", "QUARTERS_LAST_YEAR", "THIS_SIX_MONTH", "LAST_SIX_MONTH", "LAST_2_SIXMONTHS"],
  },
  { group: "years", ids: ["THIS_YEAR", "LAST_YEAR", "LAST_5_YEARS", "LAST_10_YEARS"] },
  { group: "financialYears", ids: ["THIS_FINANCIAL_YEAR", "LAST_FINANCIAL_YEAR", "LAST_5_FINANCIAL_YEARS", "LAST_10_FINANCIAL_YEARS"] },
];

export const RELATIVE_PERIODS: readonly string[] = RELATIVE_GROUPS.flatMap((g) => g.ids);
export const isRelative = (id: string) => RELATIVE_PERIODS.includes(id);
export const relativeKey = (id: string) => `rp.${id}` as MessageKey;
export const groupKey = (g: RelativeGroup) => `rpg.${g}` as MessageKey;

// ---------------------------------------------------------------- fixed periods

export type FixedType = "monthly" | "quarterly" | "sixMonthly" | "yearly" | "weekly";
export const FIXED_TYPES: readonly FixedType[] = ["monthly", "quarterly", "sixMonthly", "yearly", "weekly"];
export type FixedPeriod = { type: FixedType; year: number; index: number };

const pad2 = (n: number) => String(n).padStart(2, "0");

/** DHIS2's ISO id: 202401, 2024Q1, 2024S1, 2024, 2024W1. */
export function fixedPeriodId({ type, year, index }: FixedPeriod): string {
  switch (type) {
    case "monthly":
      return `${year}${pad2(index)}`;
    case "quarterly":
      return `${year}Q${index}`;
    case "sixMonthly":
      return `${year}S${index}`;
    case "yearly":
      return String(year);
    case "weekly":
      return `${year}W${index}`;
  }
}

/** The inverse of fixedPeriodId (null for anything else). */
export function parseFixedPeriod(id: string): FixedPeriod | null {
  let m = /^(\d{4})$/.exec(id);
  if (m) return { type: "yearly", year: Number(m[1]), index: 1 };
  m = /^(\d{4})(\d{2})$/.exec(id);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return { type: "monthly", year: Number(m[1]), index: Number(m[2]) };
  m = /^(\d{4})([QSW])(\d{1,2})$/.exec(id);
  if (!m) return null;
  const type: FixedType = m[2] === "Q" ? "quarterly" : m[2] === "S" ? "sixMonthly" : "weekly";
  const year = Number(m[1]);
  const index = Number(m[3]);
  if (index < 1 || index > periodCount(type, year)) return null;
  return { type, year, index };
}

/** ISO 8601: a year has 53 weeks when it starts on a Thursday, or on a Wednesday in a leap year. */
export function isoWeeksInYear(year: number): number {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

export function periodCount(type: FixedType, year: number): number {
  return { monthly: 12, quarterly: 4, sixMonthly: 2, yearly: 1, weekly: isoWeeksInYear(year) }[type];
}

/** The Monday that starts ISO week `week` of `year` (UTC). */
export function isoWeekStart(year: number, week: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday = new Date(jan4);
  monday.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7) + (week - 1) * 7);
  return monday;
}

/** The periods of one type in one year (for "yearly": the ten years up to `year`, newest first). */
export function periodsOf(type: FixedType, year: number): FixedPeriod[] {
  if (type === "yearly") return Array.from({ length: 10 }, (_, i) => ({ type, year: year - i, index: 1 }));
  return Array.from({ length: periodCount(type, year) }, (_, i) => ({ type, year, index: i + 1 }));
}

function monthName(lang: string, month: number, style: "long" | "short" = "long"): string {
  try {
    return new Intl.DateTimeFormat(lang, { month: style, timeZone: "UTC" }).format(new Date(Date.UTC(2000, month - 1, 1)));
  } catch {
    return String(month);
  }
}

function dayMonth(lang: string, d: Date): string {
  try {
    return new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" }).format(d);
  } catch {
    return d.toISOString().slice(5, 10);
  }
}

/** "January 2024", "Quarter 1 2024 (January–March)", "Week 1 2024 (1 Jan – 7 Jan)"… in the UI's language. */
export function fixedPeriodLabel(t: T, lang: string, p: FixedPeriod): string {
  const cap = (s: string) => s.charAt(0).toLocaleUpperCase(lang) + s.slice(1);
  switch (p.type) {
    case "monthly":
      return `${cap(monthName(lang, p.index))} ${p.year}`;
    case "quarterly":
      return t("fp.quarterOf", { n: p.index, year: p.year, from: monthName(lang, p.index * 3 - 2), to: monthName(lang, p.index * 3) });
    case "sixMonthly":
      return t("fp.sixMonthOf", { n: p.index, year: p.year, from: monthName(lang, p.index * 6 - 5), to: monthName(lang, p.index * 6) });
    case "yearly":
      return String(p.year);
    case "weekly": {
      const start = isoWeekStart(p.year, p.index);
      const end = new Date(start);
      end.setUTCDate(start.getUTCDate() + 6);
      return t("fp.weekOf", { n: p.index, year: p.year, from: dayMonth(lang, start), to: dayMonth(lang, end) });
    }
  }
}

/** A period id in plain words: a relative period, a fixed period, or the id itself. */
export function periodLabel(t: T, lang: string, id: string): string {
  if (isRelative(id)) return t(relativeKey(id));
  const p = parseFixedPeriod(id);
  return p ? fixedPeriodLabel(t, lang, p) : id;
}
