/**
 * Names of value kinds (docs/protocol.md §6), as the control API and `dora topic` show them.
 * Pure.
 */

/** Kind byte → lower-case name. */
export const KIND_NAMES: Readonly<Record<number, string>> = {
  0x00: "bytes",
  0x01: "text",
  0x02: "json",
  0x10: "int8",
  0x11: "uint8",
  0x12: "int16",
  0x13: "uint16",
  0x14: "int32",
  0x15: "uint32",
  0x16: "int64",
  0x17: "uint64",
  0x18: "float32",
  0x19: "float64",
  0x20: "arrow",
};

/** Element size of the numeric array kinds. */
export const ELEMENT_SIZE: Readonly<Record<number, number>> = {
  0x10: 1,
  0x11: 1,
  0x12: 2,
  0x13: 2,
  0x14: 4,
  0x15: 4,
  0x16: 8,
  0x17: 8,
  0x18: 4,
  0x19: 8,
};

/** The name of a kind (`kind 0x42` for one this version does not know). */
export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind 0x${kind.toString(16).padStart(2, "0")}`;
}

/** The kind named `name` (case-insensitive), if any. */
export function kindByName(name: string): number | undefined {
  const wanted = name.trim().toLowerCase();
  for (const [kind, known] of Object.entries(KIND_NAMES)) if (known === wanted) return Number(kind);
  return undefined;
}
