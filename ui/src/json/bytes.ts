// Byte-level helpers for reading JSON without decoding it whole (table/scan.ts, text/pretty.ts).
// Every byte of a multi-byte UTF-8 character is 0x80 or above, so none is mistaken for a quote,
// a backslash or a bracket.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

export const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** `b[i]` is a quote: the index after the string's closing quote, or -1 when it never closes. */
export function stringEnd(b: Uint8Array, i: number): number {
  // A plain loop: most strings are short (ids, names), where it beats a native search per string.
  const n = b.length;
  for (let k = i + 1; k < n; k++) {
    const c = b[k]!;
    if (c === QUOTE) return k + 1;
    if (c === BACKSLASH) k++; // the escaped character, whatever it is, never ends the string
  }
  return -1;
}
