/**
 * Arrow values (docs/protocol.md, "Values", kind ARROW): an Arrow IPC stream whose one column
 * is the value. apache-arrow is loaded on first use only (`loadArrow`), so nodes that never see
 * an Arrow value do not pay for it.
 *
 * In TypeScript an Arrow value arrives as `event.value`, plain JavaScript (`plainArrow`), and
 * as `event.arrow`, the typed `Vector`. Sending a `Vector` keeps its type: numeric vectors
 * without nulls and single strings go out as the protocol's fast kinds (a receiver sees the
 * same Arrow type), everything else as an Arrow IPC stream.
 */
import type * as ArrowModule from "../../deps/arrow.ts";
import { type ArrowRows, type EncodedValue, Kind, type NumericArray } from "./values.ts";

/** The apache-arrow module (`Vector`, `vectorFromArray`, `Table`, types...). */
export type Arrow = typeof ArrowModule;
/** An Arrow vector. */
export type Vector = ArrowModule.Vector;

let loaded: Arrow | undefined;
let loading: Promise<Arrow> | undefined;

/** Loads apache-arrow (once); also what a node uses to build vectors to send. */
export function loadArrow(): Promise<Arrow> {
  loading ??= import("../../deps/arrow.ts").then((m) => loaded = m as Arrow).catch((err) => {
    loading = undefined;
    throw new Error(`cannot load apache-arrow: ${(err as Error).message}`);
  });
  return loading;
}

/** apache-arrow if it has been loaded already, else undefined. */
export function arrowIfLoaded(): Arrow | undefined {
  return loaded;
}

const FIELD = "value";

/** Decodes an Arrow IPC stream into its vector (batches joined). */
export function decodeArrow(arrow: Arrow, bytes: Uint8Array): Vector {
  // Typed views into the stream need its buffers aligned as written (8 bytes).
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  let table: ArrowModule.Table;
  try {
    table = arrow.tableFromIPC(aligned);
  } catch (err) {
    throw new RangeError(`invalid Arrow IPC stream: ${(err as Error).message}`);
  }
  if (table.numCols !== 1) {
    throw new RangeError(`an Arrow value has exactly one column, found ${table.numCols}`);
  }
  return table.getChildAt(0)!;
}

const encoder = new TextEncoder();

/** Encodes a vector: a fast kind when that keeps its type, else an Arrow IPC stream. */
export function encodeVector(arrow: Arrow, vector: Vector): EncodedValue {
  const type = vector.type;
  const T = arrow.Type;
  if (vector.nullCount === 0 && (type.typeId === T.Int || type.typeId === T.Float)) {
    const kind = numericKind(arrow, type);
    if (kind !== undefined) {
      const values = vector.toArray() as NumericArray;
      return {
        kind,
        bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      };
    }
  }
  if (type.typeId === T.Utf8 && vector.length === 1 && vector.nullCount === 0) {
    return { kind: Kind.TEXT, bytes: encoder.encode(vector.get(0) as string) };
  }
  if (type.typeId === T.Null && vector.length === 0) {
    return { kind: Kind.JSON, bytes: encoder.encode("null") };
  }
  const table = new arrow.Table({ [FIELD]: vector });
  return { kind: Kind.ARROW, bytes: arrow.tableToIPC(table, "stream") };
}

function numericKind(arrow: Arrow, type: ArrowModule.DataType): number | undefined {
  if (type.typeId === arrow.Type.Float) {
    const precision = (type as ArrowModule.Float).precision;
    if (precision === arrow.Precision.SINGLE) return Kind.FLOAT32;
    if (precision === arrow.Precision.DOUBLE) return Kind.FLOAT64;
    return undefined; // float16 has no fast kind
  }
  const int = type as ArrowModule.Int;
  const kinds: Record<number, [number, number]> = {
    8: [Kind.INT8, Kind.UINT8],
    16: [Kind.INT16, Kind.UINT16],
    32: [Kind.INT32, Kind.UINT32],
    64: [Kind.INT64, Kind.UINT64],
  };
  const pair = kinds[int.bitWidth];
  return pair && (int.isSigned ? pair[0] : pair[1]);
}

/**
 * A vector in plain JavaScript: a numeric typed array for an integer or float column without
 * nulls (unsigned 8-bit as `Uint8ClampedArray`, like the UINT8 kind), otherwise one entry per
 * row: `null`, a number, bigint (64-bit integers), string, boolean, `Uint8Array` (binary), an
 * object (a struct row) or, for a list row, the plain form of its values.
 */
export function plainArrow(arrow: Arrow, vector: Vector): ArrowRows {
  const typeId = vector.type.typeId;
  if (
    vector.nullCount === 0 && (typeId === arrow.Type.Int || typeId === arrow.Type.Float) &&
    numericKind(arrow, vector.type) !== undefined
  ) {
    const values = vector.toArray() as NumericArray | Uint8Array;
    if (values instanceof Uint8Array) {
      return new Uint8ClampedArray(values.buffer, values.byteOffset, values.length);
    }
    return values;
  }
  const out: unknown[] = new Array(vector.length);
  let i = 0;
  for (const row of vector) out[i++] = plainValue(arrow, row);
  return out;
}

function plainValue(arrow: Arrow, value: unknown): unknown {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  if (value instanceof arrow.Vector) return plainArrow(arrow, value);
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === "function" && !(value instanceof Date)) {
    const object = json.call(value) as Record<string, unknown>;
    for (const key of Object.keys(object)) object[key] = plainValue(arrow, object[key]);
    return object;
  }
  return value;
}
