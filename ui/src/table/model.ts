// What the table view shows, independent of React: columns of display strings.

export type Column = {
  /** `name`, `parent.name`, `organisationUnits[].name`, or an analytics header's `name`. */
  id: string;
  /** Header text: the id, or an analytics header's `column`. */
  label: string;
  /** Every non-empty value is a number: sort numerically, align right. */
  numeric: boolean;
};

export type TableKind = "collection" | "grid";

export type TableData = {
  kind: TableKind;
  /** The collection's key (`dataElements`); null for an analytics grid. */
  plural: string | null;
  columns: Column[];
  /** One array per column, each `rowCount` long. */
  values: string[][];
  rowCount: number;
};

/**
 * A column's strings packed into one UTF-8 buffer, so it crosses from a worker without copying;
 * value i is bytes[offsets[i], offsets[i + 1]).
 */
export type PackedColumn = { bytes: Uint8Array; offsets: Uint32Array };

export type PackedTable = {
  id: number;
  kind: TableKind;
  plural: string | null;
  columns: Column[];
  rowCount: number;
  packed: PackedColumn[];
};

export type SortState = { column: number; desc: boolean } | null;

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
export const isNumberText = (s: string) => NUMBER.test(s);

/** DHIS2 UIDs: 11 characters, a letter then letters or digits. */
const UID = /^[A-Za-z][A-Za-z0-9]{10}$/;
export const isUid = (s: string) => UID.test(s);
