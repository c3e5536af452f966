// Packs a table's string columns into transferable buffers (UTF-8) and reads single cells back.
import type { PackedColumn, PackedTable, TableData } from "./model";

const encoder = new TextEncoder();
// Every cell is decoded on its own: keep a leading U+FEFF as the value had it.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * UTF-8 in one buffer, with each value's byte offsets. The encoder does the copying natively
 * (one `join` and one `encodeInto`); a column of plain ASCII needs no per-character work at all.
 */
export function packColumn(values: string[]): PackedColumn {
  const offsets = new Uint32Array(values.length + 1);
  let chars = 0;
  for (let i = 0; i < values.length; i++) {
    chars += values[i]!.length;
    offsets[i + 1] = chars;
  }
  const joined = values.join("");
  let bytes = new Uint8Array(chars);
  let { read, written } = encoder.encodeInto(joined, bytes);
  if (read === chars && written === chars) return { bytes, offsets };
  // Some characters take more than one byte: turn the character offsets into byte offsets,
  // then encode into a buffer of exactly that size.
  let at = 0;
  let byte = 0;
  for (let i = 1; i <= values.length; i++) {
    const end = offsets[i]!;
    for (; at < end; at++) {
      const c = joined.charCodeAt(at);
      if (c < 0x80) byte += 1;
      else if (c < 0x800) byte += 2;
      else if (c >= 0xd800 && c <= 0xdbff && at + 1 < end && (joined.charCodeAt(at + 1) & 0xfc00) === 0xdc00) {
        // A surrogate pair: one four-byte character.
        byte += 4;
        at++;
      } else byte += 3; // Anything else, a lone surrogate too (written as U+FFFD).
    }
    offsets[i] = byte;
  }
  bytes = new Uint8Array(byte);
  ({ read, written } = encoder.encodeInto(joined, bytes));
  if (read === chars && written === byte) return { bytes, offsets };
  // Only lone surrogates at the seam of two values get here: encode value by value.
  const parts = values.map((v) => encoder.encode(v));
  const exact = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  parts.forEach((p, i) => {
    exact.set(p, pos);
    pos += p.byteLength;
    offsets[i + 1] = pos;
  });
  return { bytes: exact, offsets };
}

export function packTable(id: number, t: TableData): PackedTable {
  return { id, kind: t.kind, plural: t.plural, columns: t.columns, rowCount: t.rowCount, packed: t.values.map(packColumn) };
}

/** The buffers to transfer (not copy) with postMessage. */
export function transferables(t: PackedTable): ArrayBuffer[] {
  return t.packed.flatMap((c) => [c.bytes.buffer as ArrayBuffer, c.offsets.buffer as ArrayBuffer]);
}

/** One cell's text (row is an index into the original, unsorted rows). */
export function cellText(t: PackedTable, column: number, row: number): string {
  const c = t.packed[column];
  if (!c || row < 0 || row >= t.rowCount) return "";
  return decoder.decode(c.bytes.subarray(c.offsets[row]!, c.offsets[row + 1]!));
}
