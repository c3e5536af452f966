import type { MessageKey } from "../i18n";

/** Plain-words names of the DHIS2 resources search_objects groups by. */
export const KIND_KEYS: Record<string, MessageKey> = {
  dataElements: "kind.dataElements",
  indicators: "kind.indicators",
  dataSets: "kind.dataSets",
  programs: "kind.programs",
  organisationUnits: "kind.organisationUnits",
  categoryOptions: "kind.categoryOptions",
  users: "kind.users",
};

export const kindKey = (kind: string): MessageKey => KIND_KEYS[kind] ?? "kind.other";
