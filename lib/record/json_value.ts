/**
 * dora values as JSON that Foxglove decodes (its `json` message encoding with a `jsonschema`
 * schema), shared by `record --encoding json` and the live Foxglove WebSocket endpoint. A
 * message is `{"value": ..., "parameters": {...}}`:
 *
 * - bytes: a base64 string (`contentEncoding: base64`, as Foxglove wants binary data);
 * - text: a string; json: the JSON value itself;
 * - numeric arrays: an array of numbers (64-bit integers past 2^53 as decimal strings; NaN and
 *   infinities as null, which JSON cannot hold);
 * - Arrow data: its rows in plain JSON (structs as objects, binary as base64, 64-bit integers
 *   as numbers when exact, else strings).
 *
 * Pure apart from apache-arrow, which the caller passes when it has loaded it.
 */
import type { Arrow } from "../../node/ts/arrow.ts";
import { decodeArrow, plainArrow } from "../../node/ts/arrow.ts";
import { decodeValue, Kind } from "../../node/ts/values.ts";
import { kindName } from "../api/kinds.ts";

const decoder = new TextDecoder();

function base64(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(): string }).toBase64();
}

/** A JSON-safe form of a decoded (plain) value. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, jsonSafe);
  }
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

function parameters(params: Uint8Array): Record<string, unknown> {
  if (params.length === 0) return {};
  try {
    const value = JSON.parse(decoder.decode(params));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** The JSON object of one message (`arrow`: apache-arrow, needed for kind ARROW only). */
export function jsonMessage(
  kind: number,
  payload: Uint8Array,
  params: Uint8Array,
  arrow: Arrow | undefined,
): { value: unknown; parameters: Record<string, unknown> } {
  let value: unknown;
  if (kind === Kind.BYTES) value = base64(payload);
  else if (kind === Kind.ARROW) {
    if (!arrow) throw new Error("apache-arrow is needed to show Arrow data as JSON");
    value = jsonSafe(plainArrow(arrow, decodeArrow(arrow, payload)));
  } else value = jsonSafe(decodeValue(kind, payload.slice()));
  return { value, parameters: parameters(params) };
}

const NUMERIC = new Set<number>([
  Kind.INT8,
  Kind.UINT8,
  Kind.INT16,
  Kind.UINT16,
  Kind.INT32,
  Kind.UINT32,
  Kind.INT64,
  Kind.UINT64,
  Kind.FLOAT32,
  Kind.FLOAT64,
]);

/** The JSON Schema (and its name, `dora/<kind>`) of a channel of `kind`. */
export function jsonSchemaFor(kind: number): { schemaName: string; schema: unknown } {
  let value: unknown = {};
  if (kind === Kind.BYTES) value = { type: "string", contentEncoding: "base64" };
  else if (kind === Kind.TEXT) value = { type: "string" };
  else if (NUMERIC.has(kind)) {
    value = { type: "array", items: { type: ["number", "string", "null"] } };
  } else if (kind === Kind.ARROW) value = { type: "array" };
  const name = `dora/${kindName(kind)}`;
  return {
    schemaName: name,
    schema: {
      title: name,
      type: "object",
      properties: {
        value,
        parameters: { type: "object", description: "the message's metadata parameters" },
      },
    },
  };
}

/** A JSON message's value back as what `Node.sendOutput` sends as `kind` (not Arrow data). */
export function valueFromJson(kind: number, value: unknown): unknown {
  if (kind === Kind.BYTES) return Uint8Array.fromBase64(String(value));
  if (kind === Kind.TEXT) return String(value);
  if (kind === Kind.JSON) return value;
  if (kind === Kind.ARROW) {
    throw new Error(
      "Arrow data recorded as JSON rows cannot be sent again: record with --encoding arrow",
    );
  }
  const items = Array.isArray(value) ? value : [];
  const ctors: Record<number, (xs: unknown[]) => unknown> = {
    [Kind.INT8]: (xs) => Int8Array.from(xs as number[]),
    [Kind.UINT8]: (xs) => Uint8ClampedArray.from(xs as number[]),
    [Kind.INT16]: (xs) => Int16Array.from(xs as number[]),
    [Kind.UINT16]: (xs) => Uint16Array.from(xs as number[]),
    [Kind.INT32]: (xs) => Int32Array.from(xs as number[]),
    [Kind.UINT32]: (xs) => Uint32Array.from(xs as number[]),
    [Kind.INT64]: (xs) => BigInt64Array.from(xs, (x) => BigInt(x as number | string)),
    [Kind.UINT64]: (xs) => BigUint64Array.from(xs, (x) => BigInt(x as number | string)),
    [Kind.FLOAT32]: (xs) => Float32Array.from(xs, (x) => x === null ? NaN : Number(x)),
    [Kind.FLOAT64]: (xs) => Float64Array.from(xs, (x) => x === null ? NaN : Number(x)),
  };
  const make = ctors[kind];
  if (!make) throw new Error(`unknown kind ${kind}`);
  return make(items);
}
