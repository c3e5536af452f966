import { parseBodySync } from "./parseCore";

self.onmessage = (e: MessageEvent<{ id: number; buffer: ArrayBuffer; contentType: string | null }>) => {
  const { id, buffer, contentType } = e.data;
  const result = parseBodySync(buffer, contentType);
  (self as unknown as Worker).postMessage({ id, result });
};
