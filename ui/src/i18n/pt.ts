import type { Dictionary } from "./en";

export const pt: Dictionary = {} as Dictionary; // TODO
