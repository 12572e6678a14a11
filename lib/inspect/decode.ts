/**
 * What `dora topic echo` shows of a message: its value decoded by kind (docs/protocol.md §6) and
 * summarised past a size (long arrays, lists and texts are cut, with how much more there was),
 * or its raw bytes. Pure: the tap's event in, a JSON value and a line of text out. Arrow values
 * are decoded with apache-arrow once the caller has loaded it (`loadArrow`), else summarised.
 */
import { arrowIfLoaded, decodeArrow, plainArrow } from "../../node/ts/arrow.ts";
/** Items of an array or list shown before "… N more". */
export const MAX_ITEMS = 16;
/** Characters of a text shown before "… N more chars". */
export const MAX_TEXT = 200;
/** Nesting shown in JSON values. */
const MAX_DEPTH = 4;
/** Bytes shown by `--raw` and for byte payloads. */
export const RAW_BYTES = 32;

/** A `message` event of a tap (docs/api.md). */
export interface TapMessageEvent {
  type: "message";
  node: string;
  output: string;
  seq: number;
  /** ms since the epoch (producer's clock); 0 when unknown. */
  timestamp: number;
  routed_at: number;
  kind: string;
  size: number;
  shm: boolean;
  parameters: Record<string, unknown>;
  /** base64 of the first bytes of the payload. */
  data: string;
  truncated: boolean;
  dropped: number;
}

/** A decoded value: JSON for `--json`, text for people. */
export interface Shown {
  value: unknown;
  text: string;
}

const ARRAYS: Record<string, (b: ArrayBuffer) => ArrayLike<number | bigint>> = {
  int8: (b) => new Int8Array(b),
  uint8: (b) => new Uint8Array(b),
  int16: (b) => new Int16Array(b),
  uint16: (b) => new Uint16Array(b),
  int32: (b) => new Int32Array(b),
  uint32: (b) => new Uint32Array(b),
  int64: (b) => new BigInt64Array(b),
  uint64: (b) => new BigUint64Array(b),
  float32: (b) => new Float32Array(b),
  float64: (b) => new Float64Array(b),
};

const SIZES: Record<string, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

function hex(bytes: Uint8Array, max = RAW_BYTES): string {
  return [...bytes.subarray(0, max)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

function number(v: number | bigint): number | string {
  if (typeof v === "number") return Number.isInteger(v) ? v : Number(v.toPrecision(7));
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

function more(n: number, what = ""): string {
  return `… ${n} more${what}`;
}

/** A JSON value with long lists, texts and deep nesting cut. */
export function summarizeJson(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    return value.length > MAX_TEXT
      ? `${value.slice(0, MAX_TEXT)}${more(value.length - MAX_TEXT, " chars")}`
      : value;
  }
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return `[… ${value.length} items]`;
    const head = value.slice(0, MAX_ITEMS).map((v) => summarizeJson(v, depth + 1));
    return value.length > MAX_ITEMS ? [...head, more(value.length - MAX_ITEMS)] : head;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (depth >= MAX_DEPTH) return `{… ${entries.length} keys}`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries.slice(0, MAX_ITEMS)) out[k] = summarizeJson(v, depth + 1);
    if (entries.length > MAX_ITEMS) out["…"] = `${entries.length - MAX_ITEMS} more keys`;
    return out;
  }
  return value;
}

function listText(items: unknown[]): string {
  return `[${
    items.map((v) => typeof v === "string" && v.startsWith("… ") ? v : JSON.stringify(v))
      .join(", ")
  }]`;
}

/** The payload's value as `echo` shows it. `bytes` may be a prefix of `size` bytes. */
export function showValue(kind: string, bytes: Uint8Array, size: number): Shown {
  const complete = bytes.length >= size;
  if (kind === "bytes") {
    const text = `<${size} bytes> ${hex(bytes)}${size > RAW_BYTES ? " …" : ""}`;
    return { value: { bytes: size, head: hex(bytes).replaceAll(" ", "") }, text };
  }
  if (kind === "text") {
    const decoded = new TextDecoder().decode(bytes);
    const value = summarizeJson(decoded) as string;
    const cut = !complete && decoded.length <= MAX_TEXT ? more(size - bytes.length, " bytes") : "";
    return { value: value + cut, text: JSON.stringify(value + cut) };
  }
  if (kind === "json") {
    if (!complete) {
      return {
        value: { json: size, note: "larger than the tap's limit" },
        text: `<json, ${size} bytes, larger than the tap's limit>`,
      };
    }
    try {
      const value = summarizeJson(bytes.length === 0 ? null : JSON.parse(decoder.decode(bytes)));
      return { value, text: JSON.stringify(value) };
    } catch {
      return { value: { invalid_json: size }, text: `<invalid JSON, ${size} bytes>` };
    }
  }
  const make = ARRAYS[kind];
  if (make) {
    const width = SIZES[kind]!;
    const usable = bytes.length - (bytes.length % width);
    const array = make(bytes.slice(0, usable).buffer);
    const length = Math.floor(size / width);
    const head = Array.from(
      { length: Math.min(array.length, MAX_ITEMS) },
      (_, i) => number(array[i]!),
    );
    if (length <= MAX_ITEMS && complete) {
      return { value: head, text: `${listText(head)}` };
    }
    const shown = [...head, more(length - head.length)];
    return { value: { length, head }, text: listText(shown) };
  }
  if (kind === "arrow") return showArrow(bytes, size);
  return { value: { bytes: size }, text: `<${kind}, ${size} bytes>` };
}

const decoder = new TextDecoder();

/** JSON-safe: bigints as numbers (or strings past 2^53), bytes as their size, dates as ISO. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return number(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return typeof value === "number" && !Number.isInteger(value) ? number(value) : value;
}

/** An Arrow IPC value: its type and rows when apache-arrow is loaded and the payload whole. */
function showArrow(bytes: Uint8Array, size: number): Shown {
  const arrow = arrowIfLoaded();
  if (!arrow || bytes.length < size) {
    const why = bytes.length < size ? ", larger than the tap's limit" : "";
    return { value: { arrow: size }, text: `<Arrow IPC, ${size} bytes${why}>` };
  }
  try {
    const vector = decodeArrow(arrow, bytes.slice());
    const rows = plain(plainArrow(arrow, vector)) as unknown[];
    const value = summarizeJson(rows) as unknown[];
    return {
      value: { arrow: String(vector.type), length: vector.length, rows: value },
      text: `${vector.type}[${vector.length}] ${listText(value)}`,
    };
  } catch (err) {
    return {
      value: { arrow: size },
      text: `<Arrow IPC, ${size} bytes: ${(err as Error).message}>`,
    };
  }
}

/** The type as `echo` and `topic info` name it: `float32[5]`, `bytes[3072]`, `text`, `json`. */
export function typeLabel(kind: string, size: number): string {
  const width = SIZES[kind];
  if (width !== undefined) return `${kind}[${Math.floor(size / width)}]`;
  if (kind === "bytes") return `bytes[${size}]`;
  return kind;
}

/** Parameters as `key=value` words. */
export function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params).map(([k, v]) =>
    `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
  ).join(" ");
}

/** `HH:MM:SS.mmm` in local time. */
export function clock(ms: number): string {
  if (!ms) return "--:--:--.---";
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.` +
    String(d.getMilliseconds()).padStart(3, "0");
}

function bytesOf(event: TapMessageEvent): Uint8Array {
  try {
    return Uint8Array.fromBase64(event.data);
  } catch {
    return new Uint8Array(0);
  }
}

/** One message as a line for people. */
export function messageLine(event: TapMessageEvent, raw: boolean): string {
  const bytes = bytesOf(event);
  const parts = [
    clock(event.timestamp || event.routed_at),
    `${event.node}/${event.output}`,
    `#${event.seq}`,
    typeLabel(event.kind, event.size) + (event.shm ? " (shm)" : ""),
  ];
  const params = paramsText(event.parameters);
  if (params) parts.push(params);
  if (raw) {
    parts.push(`${hex(bytes)}${event.size > Math.min(bytes.length, RAW_BYTES) ? " …" : ""}`);
  } else {
    parts.push(showValue(event.kind, bytes, event.size).text);
  }
  return parts.join("  ");
}

/** One message as the JSON object `echo --json` prints. */
export function messageJson(
  event: TapMessageEvent,
  raw: boolean,
  dataflow: string,
): Record<string, unknown> {
  const bytes = bytesOf(event);
  const out: Record<string, unknown> = {
    dataflow,
    topic: `${event.node}/${event.output}`,
    node: event.node,
    output: event.output,
    seq: event.seq,
    time: event.timestamp ? new Date(event.timestamp).toISOString() : null,
    timestamp_ms: event.timestamp,
    routed_at: new Date(event.routed_at).toISOString(),
    kind: event.kind,
    type: typeLabel(event.kind, event.size),
    size: event.size,
    shm: event.shm,
    parameters: event.parameters,
  };
  if (raw) {
    out.data = event.data;
    out.truncated = event.truncated;
  } else {
    out.value = showValue(event.kind, bytes, event.size).value;
  }
  return out;
}
