// Lays out a JSON body two spaces per level, as `JSON.stringify(value, null, 2)` does, straight
// from its bytes: the text view of a 57 MB list then never holds the parsed list (hundreds of MB
// of objects) nor the text as a string, only the bytes in and the bytes out. Strings, numbers and
// literals are copied as the server wrote them (`\u00e9` stays `\u00e9`, `1.0` stays `1.0`).

import { isWs, QUOTE, stringEnd } from "../json/bytes";

const NEWLINE = 0x0a;
const SPACE = 0x20;

/**
 * The laid-out bytes, or null when the brackets do not balance or a string never closes (the
 * caller then shows the body as it came). Does not otherwise check the body is valid JSON. Two
 * passes over the body (measure, then write into a buffer of exactly that size) rather than a
 * buffer that grows: the text is often more than twice the body.
 */
export function prettyJson(src: Uint8Array): Uint8Array | null {
  const size = layOut(src, null);
  if (size < 0) return null;
  const out = new Uint8Array(size);
  layOut(src, out);
  return out;
}

/** Writes the text into `out` when given; its length in bytes, or -1. */
function layOut(src: Uint8Array, out: Uint8Array | null): number {
  let o = 0;
  const newline = (depth: number) => {
    if (out) {
      out[o] = NEWLINE;
      out.fill(SPACE, o + 1, o + 1 + 2 * depth);
    }
    o += 1 + 2 * depth;
  };
  const put = (c: number) => {
    if (out) out[o] = c;
    o++;
  };
  const closers: number[] = [];
  let i = 0;
  if (src[0] === 0xef && src[1] === 0xbb && src[2] === 0xbf) i = 3; // a byte order mark
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (isWs(c)) {
      i++;
    } else if (c === QUOTE) {
      const end = stringEnd(src, i);
      if (end < 0) return -1;
      if (out) out.set(src.subarray(i, end), o);
      o += end - i;
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      let j = i + 1;
      while (j < n && isWs(src[j]!)) j++;
      put(c);
      if (src[j] === close) {
        put(close); // `{}` and `[]` stay on one line
        i = j + 1;
      } else {
        closers.push(close);
        newline(closers.length);
        i = j;
      }
    } else if (c === 0x7d || c === 0x5d) {
      if (closers.pop() !== c) return -1;
      newline(closers.length);
      put(c);
      i++;
    } else if (c === 0x2c) {
      put(c);
      newline(closers.length);
      i++;
    } else if (c === 0x3a) {
      put(c);
      put(SPACE);
      i++;
    } else {
      put(c);
      i++;
    }
  }
  return closers.length > 0 ? -1 : o;
}
