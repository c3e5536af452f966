export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

type Translate = (key: "time.justNow" | "time.minutesAgo" | "time.hoursAgo" | "time.dayAgo" | "time.daysAgo", vars?: Record<string, string | number>) => string;

/** "just now", "5 min ago", "3 h ago", "1 day ago", "4 days ago"; a date after 30 days. */
export function formatRelative(t: Translate, atSec: number, nowSec: number, lang: string): string {
  const s = Math.max(0, nowSec - atSec);
  if (s < 60) return t("time.justNow");
  if (s < 3600) return t("time.minutesAgo", { n: Math.floor(s / 60) });
  if (s < 86_400) return t("time.hoursAgo", { n: Math.floor(s / 3600) });
  const days = Math.floor(s / 86_400);
  if (days === 1) return t("time.dayAgo");
  if (days <= 30) return t("time.daysAgo", { n: days });
  return formatDate(atSec, lang, false);
}

/** The date (and time) of unix seconds `atSec` in the UI's language. */
export function formatDate(atSec: number, lang: string, withTime = true): string {
  const d = new Date(atSec * 1000);
  try {
    return withTime
      ? d.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" })
      : d.toLocaleDateString(lang, { dateStyle: "medium" });
  } catch {
    return withTime ? d.toLocaleString() : d.toLocaleDateString();
  }
}

/** 14180 → "14,180" (en), "14 180" (fr)… */
export function formatCount(n: number, lang: string): string {
  try {
    return new Intl.NumberFormat(lang).format(n);
  } catch {
    return String(n);
  }
}
