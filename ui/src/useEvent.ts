import { useEffect, useRef } from "react";
import type { UnlistenFn } from "@tauri-apps/api/event";

/** Listens to a Tauri event while mounted; `cb` may change between renders. */
export function useEvent<P>(subscribe: (cb: (p: P) => void) => Promise<UnlistenFn>, cb: (p: P) => void): void {
  const latest = useRef(cb);
  latest.current = cb;
  useEffect(() => {
    let unlisten: UnlistenFn | undefined;
    let dead = false;
    subscribe((p) => latest.current(p))
      .then((u) => (dead ? u() : (unlisten = u)))
      .catch(() => undefined);
    return () => {
      dead = true;
      unlisten?.();
    };
  }, [subscribe]);
}
