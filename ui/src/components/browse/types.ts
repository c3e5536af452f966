import type { AppError, BrowseMeta, BrowseRequest } from "../../bindings";
import type { Parsed } from "../../json/parse";

/** A shown response. `allPages` when it is the merged result of "Get all pages". */
export type Result = { meta: BrowseMeta; parsed: Parsed; request: BrowseRequest; allPages: boolean };

export type Phase =
  | { kind: "idle" }
  | { kind: "loading"; requestId: string; bytes: number; total: number | null }
  | { kind: "parsing" }
  | { kind: "error"; error: AppError; request?: BrowseRequest };
