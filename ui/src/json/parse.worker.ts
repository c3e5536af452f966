import { parseBodySync } from "./parseCore";
import { columnText, releaseTable, responseBytes, runQuery } from "../table/engine";
import { transferables } from "../table/pack";
import type { WorkerRequest } from "./parse";

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  const post = (self as unknown as Worker).postMessage.bind(self);
  if (msg.type === "parse") {
    const result = parseBodySync(new Uint8Array(msg.buffer, msg.offset, msg.length), msg.contentType, msg.fields);
    post({ id: msg.id, result }, result.table ? transferables(result.table) : []);
  } else if (msg.type === "query") {
    const order = runQuery(msg.tableId, msg.sort, msg.filter);
    // A copy is sent: the worker keeps its own for "copy column".
    const copy = order.slice();
    post({ id: msg.id, result: copy }, [copy.buffer]);
  } else if (msg.type === "text") {
    const bytes = responseBytes(msg.tableId);
    post({ id: msg.id, result: bytes }, [bytes.buffer]);
  } else if (msg.type === "column") {
    post({ id: msg.id, result: columnText(msg.tableId, msg.column) });
  } else if (msg.type === "release") {
    releaseTable(msg.tableId);
    post({ id: msg.id, result: null });
  }
};
