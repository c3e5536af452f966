// Client side of the parse worker.
import { parseBodySync, type Parsed } from "./parseCore";

export { LARGE_BODY, parseBodySync, type Pager, type Parsed } from "./parseCore";

let worker: Worker | null = null;
let seq = 0;
const waiting = new Map<number, { resolve: (p: Parsed) => void; reject: (e: unknown) => void }>();

function getWorker(): Worker | null {
  if (typeof Worker === "undefined") return null;
  if (!worker) {
    try {
      worker = new Worker(new URL("./parse.worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (e: MessageEvent<{ id: number; result: Parsed }>) => {
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

/** Parses off the main thread when possible. The buffer is transferred (unusable afterwards). */
export function parseBody(buffer: ArrayBuffer, contentType: string | null): Promise<Parsed> {
  const w = getWorker();
  if (!w) return Promise.resolve(parseBodySync(buffer, contentType));
  const id = ++seq;
  return new Promise<Parsed>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, buffer, contentType }, [buffer]);
  });
}
