// Packs a table's string columns into transferable buffers and reads single cells back.
import type { PackedColumn, PackedTable, TableData } from "./model";

export function packColumn(values: string[]): PackedColumn {
  const offsets = new Uint32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i]!.length;
    offsets[i + 1] = total;
  }
  const chars = new Uint16Array(total);
  let at = 0;
  for (const s of values) {
    for (let j = 0; j < s.length; j++) chars[at + j] = s.charCodeAt(j);
    at += s.length;
  }
  return { chars, offsets };
}

export function packTable(id: number, t: TableData): PackedTable {
  return { id, kind: t.kind, plural: t.plural, columns: t.columns, rowCount: t.rowCount, packed: t.values.map(packColumn) };
}

/** The buffers to transfer (not copy) with postMessage. */
export function transferables(t: PackedTable): ArrayBuffer[] {
  return t.packed.flatMap((c) => [c.chars.buffer as ArrayBuffer, c.offsets.buffer as ArrayBuffer]);
}

const CHUNK = 8192;

/** One cell's text (row is an index into the original, unsorted rows). */
export function cellText(t: PackedTable, column: number, row: number): string {
  const c = t.packed[column];
  if (!c || row < 0 || row >= t.rowCount) return "";
  const start = c.offsets[row]!;
  const end = c.offsets[row + 1]!;
  if (end - start <= CHUNK) return String.fromCharCode.apply(null, c.chars.subarray(start, end) as unknown as number[]);
  let s = "";
  for (let i = start; i < end; i += CHUNK)
    s += String.fromCharCode.apply(null, c.chars.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
  return s;
}
