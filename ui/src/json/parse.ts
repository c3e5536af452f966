// Client side of the parse worker, which also keeps the tables and sorts/filters them.
import { parseBodySync, type Parsed } from "./parseCore";
import { columnText, releaseTable as releaseHere, responseBytes, runQuery } from "../table/engine";
import type { SortState } from "../table/model";

export { LARGE_BODY, parseBodySync, TREE_PREVIEW_ITEMS, type Pager, type Parsed, type TreePreview } from "./parseCore";

export type WorkerRequest =
  | { type: "parse"; id: number; buffer: ArrayBuffer; offset: number; length: number; contentType: string | null; fields: string | null }
  | { type: "query"; id: number; tableId: number; sort: SortState; filter: string }
  | { type: "column"; id: number; tableId: number; column: number }
  | { type: "text"; id: number; tableId: number }
  | { type: "release"; id: number; tableId: number };

let worker: Worker | null = null;
let seq = 0;
const waiting = new Map<number, { resolve: (p: any) => void; reject: (e: unknown) => void }>();

function getWorker(): Worker | null {
  if (typeof Worker === "undefined") return null;
  if (!worker) {
    try {
      worker = new Worker(new URL("./parse.worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (e: MessageEvent<{ id: number; result: unknown }>) => {
        const w = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        w?.resolve(e.data.result);
      };
      worker.onerror = (e) => {
        for (const w of waiting.values()) w.reject(e);
        waiting.clear();
        worker = null;
      };
    } catch {
      worker = null;
    }
  }
  return worker;
}

type Omit1<T> = T extends unknown ? Omit<T, "id"> : never;

function ask<R>(w: Worker, msg: Omit1<WorkerRequest>, transfer: Transferable[] = []): Promise<R> {
  const id = ++seq;
  return new Promise<R>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ ...msg, id }, transfer);
  });
}

/**
 * Parses off the main thread when possible. The body's whole underlying buffer is transferred,
 * not copied (it is unusable afterwards).
 */
export function parseBody(body: ArrayBuffer | Uint8Array, contentType: string | null, fields: string | null = null): Promise<Parsed> {
  const w = getWorker();
  if (!w) return Promise.resolve(parseBodySync(body, contentType, fields));
  const view = body instanceof Uint8Array ? body : new Uint8Array(body);
  const buffer = view.buffer as ArrayBuffer;
  return ask<Parsed>(w, { type: "parse", buffer, offset: view.byteOffset, length: view.byteLength, contentType, fields }, [buffer]);
}

/** Row order of a table after filtering and sorting (indices into its original rows). */
export function queryTable(tableId: number, sort: SortState, filter: string): Promise<Uint32Array> {
  const w = getWorker();
  if (!w) return Promise.resolve(runQuery(tableId, sort, filter));
  return ask<Uint32Array>(w, { type: "query", tableId, sort, filter });
}

/** A column's values in the current order, one per line. */
export function tableColumnText(tableId: number, column: number): Promise<string> {
  const w = getWorker();
  if (!w) return Promise.resolve(columnText(tableId, column));
  return ask<string>(w, { type: "column", tableId, column });
}

/** The text of a large table response (Parsed.textDeferred), as UTF-8 moved from the worker. */
export function tableResponseBytes(tableId: number): Promise<Uint8Array> {
  const w = getWorker();
  if (!w) return Promise.resolve(responseBytes(tableId));
  return ask<Uint8Array>(w, { type: "text", tableId });
}

/**
 * Lets the worker forget a table no view shows any more. Without it a large answer's table and
 * body stayed until three newer tables had come (a 60 MB list Got three times held about 2 GB).
 */
export function releaseTable(tableId: number): void {
  const w = getWorker();
  if (!w) releaseHere(tableId);
  else void ask<null>(w, { type: "release", tableId }).catch(() => undefined);
}
