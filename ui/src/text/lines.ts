// Line index of a large text (a string, or UTF-8 bytes moved from the worker), for a view that
// lays out only the lines in sight. Built a slice at a time so the window never waits for it.

export type Text = string | Uint8Array;

/** Longer lines are shown in pieces of this many characters (bytes for UTF-8), so one huge
 * line (an answer without line breaks) never has to be laid out at once. */
export const MAX_LINE = 2000;

/**
 * `starts[i]` is where shown line (piece) i starts; `cont[i]` is 1 when piece i continues the
 * text's previous line (a cut long line). `realBefore[k]` counts the text's lines that start
 * before piece k * BLOCK, so a piece's own line number is found without a pass over all.
 */
export type LineIndex = {
  starts: Uint32Array;
  cont: Uint8Array;
  realBefore: Uint32Array;
  count: number;
  /** The text's own lines (cut pieces not counted). */
  realCount: number;
  length: number;
};

const BLOCK = 1024;
const NL = 10;
const CR = 13;

function newlineFrom(text: Text, from: number): number {
  return typeof text === "string" ? text.indexOf("\n", from) : text.indexOf(NL, from);
}

function codeAt(text: Text, i: number): number {
  return typeof text === "string" ? text.charCodeAt(i) : (text[i] ?? -1);
}

/** A cut at `at` that does not split a character: not inside a UTF-8 sequence, not between
 * the two halves of a surrogate pair. */
function safeCut(text: Text, lineStart: number, at: number): number {
  let cut = at;
  if (typeof text === "string") {
    const c = text.charCodeAt(cut);
    if (c >= 0xdc00 && c <= 0xdfff && cut - 1 > lineStart) cut -= 1;
  } else {
    while (cut - 1 > lineStart && (text[cut]! & 0xc0) === 0x80) cut -= 1;
  }
  return cut;
}

/** Indexes `text` step by step: `step(budget)` covers about `budget` more characters and says
 * whether the whole text is done; `index()` is the finished index. */
export function lineIndexer(text: Text, maxLine = MAX_LINE) {
  const length = text.length;
  let starts = new Uint32Array(1024);
  let cont = new Uint8Array(1024);
  let count = 1; // piece 0 starts at 0 and starts a line
  let pos = 0;
  // The next line break at or after `pos` (kept, so a long line is searched once, not per cut).
  let nextBreak = -2;
  const push = (at: number, continues: boolean) => {
    if (count === starts.length) {
      const s = new Uint32Array(starts.length * 2);
      s.set(starts);
      starts = s;
      const c = new Uint8Array(cont.length * 2);
      c.set(cont);
      cont = c;
    }
    starts[count] = at;
    cont[count] = continues ? 1 : 0;
    count += 1;
  };
  return {
    step(budget: number): boolean {
      const end = Math.min(length, pos + budget);
      while (pos < end) {
        if (nextBreak !== -1 && nextBreak < pos) nextBreak = newlineFrom(text, pos);
        const pieceStart = starts[count - 1]!;
        // The piece's text without its line break (\n or \r\n).
        let contentEnd = nextBreak < 0 ? length : nextBreak;
        if (nextBreak >= 0 && contentEnd > pieceStart && codeAt(text, contentEnd - 1) === CR) contentEnd -= 1;
        if (contentEnd - pieceStart > maxLine) {
          const cut = safeCut(text, pieceStart, pieceStart + maxLine);
          push(cut, true);
          pos = cut;
        } else {
          const lineEnd = nextBreak < 0 ? length : nextBreak + 1;
          if (lineEnd < length) push(lineEnd, false);
          pos = lineEnd;
        }
      }
      return pos >= length;
    },
    index(): LineIndex {
      const realBefore = new Uint32Array(Math.ceil(count / BLOCK) + 1);
      let real = 0;
      for (let i = 0; i < count; i += 1) {
        if (i % BLOCK === 0) realBefore[i / BLOCK] = real;
        if (cont[i] === 0) real += 1;
      }
      return { starts: starts.subarray(0, count), cont: cont.subarray(0, count), realBefore, count, realCount: real, length };
    },
  };
}

/** The whole index at once (small texts, tests). */
export function indexLines(text: Text, maxLine = MAX_LINE): LineIndex {
  const ix = lineIndexer(text, maxLine);
  ix.step(Infinity);
  return ix.index();
}

/** The text's own line (0-based) that piece `i` belongs to. */
export function realLineOf(ix: LineIndex, i: number): number {
  const block = Math.floor(i / BLOCK);
  let real = ix.realBefore[block]!;
  for (let k = block * BLOCK; k <= i; k += 1) if (ix.cont[k] === 0) real += 1;
  return real - 1;
}

const decoder = new TextDecoder();

/** The text between two offsets (characters for a string, bytes for UTF-8) as a string. */
export function sliceText(text: Text, from: number, to: number): string {
  return typeof text === "string" ? text.slice(from, to) : decoder.decode(text.subarray(from, to));
}

/** Piece `i` without its line break. */
export function lineText(text: Text, ix: LineIndex, i: number): string {
  const from = ix.starts[i]!;
  let to = i + 1 < ix.count ? ix.starts[i + 1]! : ix.length;
  if (to > from && codeAt(text, to - 1) === NL) to -= 1;
  if (to > from && codeAt(text, to - 1) === CR) to -= 1;
  return sliceText(text, from, to);
}

/** The piece that holds character (or byte) `offset`. */
export function lineOf(ix: LineIndex, offset: number): number {
  let lo = 0;
  let hi = ix.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ix.starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const lowerAscii = (b: number) => (b >= 65 && b <= 90 ? b + 32 : b);

/** `needle` as a pattern that ignores the case of ASCII letters only, as the byte search does. */
function asciiPattern(needle: string): RegExp {
  let src = "";
  for (const ch of needle) {
    if (/^[A-Za-z]$/.test(ch)) src += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
    else src += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(src, "g");
}

/** Where `needle` first occurs starting in [from, to), ignoring the case of ASCII letters
 * (the same for a string and for bytes); -1 when not there. Only that range is read. */
export function findIn(text: Text, needle: string, from: number, to: number): number {
  if (!needle || from >= to) return -1;
  if (typeof text === "string") {
    const part = text.slice(from, Math.min(text.length, to + needle.length - 1));
    const m = asciiPattern(needle).exec(part);
    return m ? from + m.index : -1;
  }
  const want = new TextEncoder().encode(needle).map(lowerAscii);
  const view = text.subarray(from, Math.min(text.length, to + want.length - 1));
  const first = want[0]!;
  const upper = first >= 97 && first <= 122 ? first - 32 : first;
  const last = view.length - want.length;
  let a = view.indexOf(first);
  let b = upper === first ? -1 : view.indexOf(upper);
  while (a >= 0 || b >= 0) {
    const at = a < 0 ? b : b < 0 ? a : Math.min(a, b);
    if (at > last) return -1;
    let k = 1;
    while (k < want.length && lowerAscii(view[at + k]!) === want[k]) k += 1;
    if (k === want.length) return from + at;
    if (at === a) a = view.indexOf(first, at + 1);
    if (at === b) b = view.indexOf(upper, at + 1);
  }
  return -1;
}

/** Characters (or bytes) searched per slice by findInSlices. */
export const FIND_SLICE = 4 * 1024 * 1024;

/**
 * Where `needle` next occurs at or after `from`, wrapping to the start; -1 when nowhere. Searches
 * a slice at a time and awaits `pause()` between slices (the window answers meanwhile); stops
 * with null when `stopped()` says so.
 */
export async function findInSlices(
  text: Text,
  needle: string,
  from: number,
  pause: () => Promise<void>,
  stopped: () => boolean = () => false,
  slice = FIND_SLICE,
): Promise<number | null> {
  for (const [a, b] of [
    [from, text.length],
    [0, Math.min(from, text.length)],
  ] as const) {
    for (let s = a; s < b; s += slice) {
      const at = findIn(text, needle, s, Math.min(b, s + slice));
      if (at >= 0) return at;
      await pause();
      if (stopped()) return null;
    }
  }
  return -1;
}

/** The same search at once (tests). */
export function findText(text: Text, needle: string, from: number): number {
  const after = findIn(text, needle, from, text.length);
  return after >= 0 ? after : findIn(text, needle, 0, Math.min(from, text.length));
}
