/**
 * Values and metadata parameters as they travel on the wire (docs/protocol.md, "Values").
 * Pure: no I/O. Shared by the node library and the daemon's broker.
 */

/** A JSON value: null, booleans, numbers, strings, lists and objects. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A numeric array whose element type crosses languages. */
export type NumericArray =
  | Int8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/**
 * A value of an Arrow-kind message in plain JavaScript (see `plainArrow` in arrow.ts): a numeric
 * typed array for a numeric column without nulls, otherwise an array with one entry per row
 * (`null` for a null; numbers, bigints, strings, booleans, `Uint8Array` for binary, an object
 * for a struct row, the same rules again for a list row).
 */
export type ArrowRows = NumericArray | unknown[];

/**
 * What a message carries. `Uint8Array` is raw bytes; a `string` is text; numeric arrays keep
 * their element type (unsigned 8-bit numbers are a `Uint8ClampedArray`, so that they stay
 * distinct from bytes); anything else JSON can express is sent as JSON. An Arrow `Vector` (from
 * `apache-arrow`) is sent as Arrow data and keeps its type.
 */
export type Value = Uint8Array | string | NumericArray | JsonValue | ArrowRows | ArrowVectorLike;

/**
 * What the library recognises as an Arrow `Vector` without loading apache-arrow: the shape
 * every Vector has (its `type`, its `data` chunks and `getChild`).
 */
export interface ArrowVectorLike {
  readonly type: { readonly typeId: number };
  readonly data: readonly unknown[];
  readonly length: number;
  getChild(...args: never[]): unknown;
}

/** Whether `value` is an Arrow `Vector` (checked by shape, so any apache-arrow copy works). */
export function isArrowVector(value: unknown): value is ArrowVectorLike {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return false;
  const v = value as Partial<ArrowVectorLike>;
  return typeof v.type?.typeId === "number" && Array.isArray(v.data) &&
    typeof v.getChild === "function" && typeof v.length === "number";
}

/** A metadata parameter: bool, int, float, string, a point in time, or a list of scalars. */
export type Parameter = boolean | number | string | Date | Array<boolean | number | string>;

/** User metadata parameters sent with a message. */
export type Parameters = Record<string, Parameter>;

/** Value kinds (the `kind` byte of a message). */
export const Kind = {
  BYTES: 0x00,
  TEXT: 0x01,
  JSON: 0x02,
  INT8: 0x10,
  UINT8: 0x11,
  INT16: 0x12,
  UINT16: 0x13,
  INT32: 0x14,
  UINT32: 0x15,
  INT64: 0x16,
  UINT64: 0x17,
  FLOAT32: 0x18,
  FLOAT64: 0x19,
  ARROW: 0x20,
} as const;

type ArrayCtor = {
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NumericArray;
  BYTES_PER_ELEMENT: number;
};

const ARRAY_KINDS = new Map<number, ArrayCtor>([
  [Kind.INT8, Int8Array],
  [Kind.UINT8, Uint8ClampedArray],
  [Kind.INT16, Int16Array],
  [Kind.UINT16, Uint16Array],
  [Kind.INT32, Int32Array],
  [Kind.UINT32, Uint32Array],
  [Kind.INT64, BigInt64Array],
  [Kind.UINT64, BigUint64Array],
  [Kind.FLOAT32, Float32Array],
  [Kind.FLOAT64, Float64Array],
]);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A value ready for the wire: its kind and its bytes (possibly a view of the caller's data). */
export interface EncodedValue {
  kind: number;
  bytes: Uint8Array;
}

const NULL_JSON = encoder.encode("null");

/** Encodes a value; throws a TypeError naming what cannot be sent. */
export function encodeValue(value: unknown): EncodedValue {
  if (typeof value === "string") return { kind: Kind.TEXT, bytes: encoder.encode(value) };
  if (value === null || value === undefined) return { kind: Kind.JSON, bytes: NULL_JSON };
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof Uint8Array) return { kind: Kind.BYTES, bytes };
    if (!LITTLE_ENDIAN) throw new TypeError("numeric arrays need a little-endian host");
    return { kind: arrayKind(value), bytes };
  }
  if (value instanceof ArrayBuffer) return { kind: Kind.BYTES, bytes: new Uint8Array(value) };
  return { kind: Kind.JSON, bytes: encoder.encode(stringifyJson(value)) };
}

function arrayKind(view: ArrayBufferView): number {
  if (view instanceof Int8Array) return Kind.INT8;
  if (view instanceof Uint8ClampedArray) return Kind.UINT8;
  if (view instanceof Int16Array) return Kind.INT16;
  if (view instanceof Uint16Array) return Kind.UINT16;
  if (view instanceof Int32Array) return Kind.INT32;
  if (view instanceof Uint32Array) return Kind.UINT32;
  if (view instanceof BigInt64Array) return Kind.INT64;
  if (view instanceof BigUint64Array) return Kind.UINT64;
  if (view instanceof Float32Array) return Kind.FLOAT32;
  if (view instanceof Float64Array) return Kind.FLOAT64;
  if (view instanceof DataView) return Kind.BYTES;
  throw new TypeError(`cannot send a ${view.constructor.name}`);
}

/** JSON text of a value, refusing what JSON would silently change (NaN, undefined, bigint…). */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new TypeError(`cannot send ${v} as JSON: only finite numbers are allowed`);
    }
    if (typeof v === "bigint") throw new TypeError("cannot send a bigint as JSON");
    if (typeof v === "function" || typeof v === "symbol") {
      throw new TypeError(`cannot send a ${typeof v} as JSON`);
    }
    return v;
  });
}

/**
 * Decodes a value. `bytes` must be owned by the caller (not a reused read buffer): arrays and
 * byte values are views of it when aligned, copies otherwise.
 */
export function decodeValue(kind: number, bytes: Uint8Array): Value {
  switch (kind) {
    case Kind.BYTES:
      return bytes;
    case Kind.TEXT:
      return decoder.decode(bytes);
    case Kind.JSON:
      return bytes.length === 0 ? null : JSON.parse(decoder.decode(bytes)) as JsonValue;
  }
  const ctor = ARRAY_KINDS.get(kind);
  if (kind === Kind.ARROW) throw new RangeError("Arrow values are decoded by arrow.ts");
  if (!ctor) throw new RangeError(`unknown value kind 0x${kind.toString(16)}`);
  const size = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(
      `array of kind 0x${
        kind.toString(16)
      } has ${bytes.byteLength} bytes, not a multiple of ${size}`,
    );
  }
  if (!LITTLE_ENDIAN) throw new RangeError("numeric arrays need a little-endian host");
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new ctor(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / size);
}

function isScalarParam(v: unknown): v is boolean | number | string {
  return typeof v === "boolean" || typeof v === "string" ||
    (typeof v === "number" && Number.isFinite(v));
}

const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());

/** Checks user parameters; throws a TypeError naming the offending key. */
export function checkParameters(params: unknown): asserts params is Parameters {
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new TypeError("metadata parameters must be an object of bool, number, string or lists");
  }
  for (const [key, v] of Object.entries(params)) {
    if (isScalarParam(v) || isDate(v)) continue;
    if (Array.isArray(v) && v.every(isScalarParam)) continue;
    throw new TypeError(
      `metadata parameter '${key}' must be a bool, a finite number, a string, a Date or a list ` +
        "of bools, numbers or strings",
    );
  }
}

/**
 * UTF-8 JSON of parameters; empty when there are none (the common, cheap case). A `Date` is
 * written `{"datetime": "<ISO 8601>"}`; a `timestamp` key is left out: every message already
 * carries its own timestamp in the header (receivers put it there).
 */
export function encodeParameters(params: Parameters | undefined): Uint8Array {
  if (params === undefined) return EMPTY;
  let any = false;
  let special = false;
  for (const key in params) {
    any = true;
    if (key === "timestamp" || params[key] instanceof Date) special = true;
  }
  if (!any) return EMPTY;
  if (!special) return encoder.encode(JSON.stringify(params));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(params)) {
    if (key === "timestamp") continue;
    out[key] = v instanceof Date ? { datetime: v.toISOString() } : v;
  }
  for (const _ in out) return encoder.encode(JSON.stringify(out));
  return EMPTY;
}

/** Parses encoded parameters (empty means none); `{"datetime": s}` becomes a `Date`. */
export function decodeParameters(bytes: Uint8Array): Parameters {
  if (bytes.length === 0) return {};
  const parsed = JSON.parse(decoder.decode(bytes));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new RangeError("metadata parameters are not a JSON object");
  }
  for (const [key, v] of Object.entries(parsed)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const text = (v as { datetime?: unknown }).datetime;
      if (typeof text !== "string" || Number.isNaN(Date.parse(text))) {
        throw new RangeError(`metadata parameter '${key}' is an object but not a datetime`);
      }
      parsed[key] = new Date(text);
    }
  }
  return parsed as Parameters;
}

const EMPTY = new Uint8Array(0);
