import { useRef, useState } from "react";
import * as api from "../../api";
import type { AppError, FetchAllProgress } from "../../bindings";
import { parseBody } from "../../json/parse";
import { getViewLimitMb } from "../../settings/viewLimit";
import { useEvent } from "../../useEvent";
import { fieldsOf, withoutPage } from "./query";
import type { Result } from "./types";

export type GetAllState =
  | { kind: "idle" }
  | { kind: "running"; requestId: string; progress: FetchAllProgress | null }
  | { kind: "cancelled" }
  | { kind: "error"; error: AppError };

/**
 * "Get all pages": browse_get_all with the shown request (without `page`), progress from
 * `browse-all-progress`, cancel with browse_cancel. Only a complete answer replaces the table.
 */
export function useGetAll(onDone: (r: Result) => void) {
  const [state, setState] = useState<GetAllState>({ kind: "idle" });
  const current = useRef<string | null>(null);

  useEvent(api.onBrowseAllProgress, (p) => {
    if (p.requestId !== current.current) return;
    setState((s) => (s.kind === "running" ? { ...s, progress: p } : s));
  });

  async function start(shown: Result) {
    const request = { ...shown.request, requestId: api.newRequestId(), query: withoutPage(shown.request.query), viewLimitMb: getViewLimitMb() };
    current.current = request.requestId;
    setState({ kind: "running", requestId: request.requestId, progress: null });
    try {
      const { meta, body } = await api.browseGetAll(request);
      if (current.current !== request.requestId) return;
      const parsed = await parseBody(body, meta.contentType, fieldsOf(request.query));
      if (current.current !== request.requestId) return;
      setState({ kind: "idle" });
      onDone({ meta, parsed, request, allPages: true });
    } catch (e) {
      if (current.current !== request.requestId) return;
      const error = api.toAppError(e);
      setState(error.kind === "cancelled" ? { kind: "cancelled" } : { kind: "error", error });
    } finally {
      if (current.current === request.requestId) current.current = null;
    }
  }

  function cancel() {
    if (state.kind === "running") void api.browseCancel(state.requestId).catch(() => undefined);
  }

  /** Forget a finished run (a new response was loaded). */
  function reset() {
    current.current = null;
    setState({ kind: "idle" });
  }

  return { state, start, cancel, reset };
}
