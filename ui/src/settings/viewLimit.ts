// "Largest answer to open" (Settings): above it, the API browser offers to save the answer to a
// file instead of reading it into memory (BrowseRequest.viewLimitMb, browse_download).

export const VIEW_LIMIT_KEY = "dhis2w.viewLimitMb";
export const DEFAULT_VIEW_LIMIT_MB = 200;
export const MIN_VIEW_LIMIT_MB = 1;
export const MAX_VIEW_LIMIT_MB = 4096;

// When localStorage cannot be written, the last good value is kept here for this session.
let memory: number | null = null;

/** A whole number of MB from 1 to 4096, or null (empty, decimals, letters, out of range). */
export function parseViewLimitMb(value: string | number): number | null {
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= MIN_VIEW_LIMIT_MB && n <= MAX_VIEW_LIMIT_MB ? n : null;
}

/** The saved limit, or 200 when none (or something unreadable) is saved. */
export function getViewLimitMb(): number {
  if (memory !== null) return memory;
  try {
    const saved = localStorage.getItem(VIEW_LIMIT_KEY);
    if (saved !== null) return parseViewLimitMb(saved) ?? DEFAULT_VIEW_LIMIT_MB;
  } catch {
    /* storage may be unavailable */
  }
  return DEFAULT_VIEW_LIMIT_MB;
}

/** Saves `value` when it is valid and returns it; returns null and keeps the saved value otherwise. */
export function setViewLimitMb(value: string | number): number | null {
  const n = parseViewLimitMb(value);
  if (n === null) return null;
  try {
    localStorage.setItem(VIEW_LIMIT_KEY, String(n));
    memory = null;
  } catch {
    /* storage may be unavailable: the value applies until the app closes */
    memory = n;
  }
  return n;
}
