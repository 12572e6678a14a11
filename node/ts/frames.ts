/**
 * The frame layer of the node protocol (docs/protocol.md): length-prefixed binary frames, a
 * one-byte type, and the message layout shared by OUTPUT (node → daemon) and INPUT (daemon →
 * node). Pure: encoding appends to an in-memory batch, decoding reads from byte arrays.
 */

/** Protocol version carried in the node config and in HELLO. */
export const PROTOCOL_VERSION = 2;

/** Frame types. Node → daemon below 0x80, daemon → node from 0x80. */
export const Frame = {
  HELLO: 0x01,
  READY: 0x02,
  OUTPUT: 0x03,
  RELEASE: 0x04,
  POLL: 0x05,
  STOP_ALL: 0x06,
  WELCOME: 0x81,
  REFUSED: 0x82,
  INPUT: 0x83,
  INPUT_CLOSED: 0x84,
  STOP: 0x85,
  ERROR: 0x86,
  FREE: 0x87,
  INPUT_RECOVERED: 0x88,
  POLLED: 0x89,
  /** A node feeding one of this node's inputs was restarted (body: its id). */
  NODE_RESTARTED: 0x90,
  /** A runtime parameter of this node was set or deleted (body: JSON). */
  PARAM_UPDATE: 0x91,
} as const;

/** Why a node is told to STOP (the body of a STOP frame; empty means not said). */
export type StopCause = "MANUAL" | "ALL_INPUTS_CLOSED";

/** Message flag: the payload lives in a shared-memory file, the frame carries its name. */
export const FLAG_SHM = 0x01;

/** Bytes before a message's parameters: kind, flags, timestamp, params length. */
export const MESSAGE_HEADER = 1 + 1 + 8 + 4;

/** Frames larger than this are refused (they would be a bug or an attack, not data). */
export const MAX_FRAME = 0x7fff_ffff;

/** Payloads this large or larger are passed as their own chunk instead of copied. */
const ZERO_COPY_MIN = 64 * 1024;
/** Size of a batch buffer; buffers that grew beyond MAX_KEPT_BUFFER are not reused. */
const BATCH_BUFFER = 64 * 1024;
const MAX_KEPT_BUFFER = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const TWO_32 = 2 ** 32;

/**
 * Decodes a short UTF-8 string (ids, file names). Ids are almost always ASCII: decoding those
 * by hand skips TextDecoder's per-call argument checks, which dominate for a few bytes.
 */
export function decodeShort(bytes: Uint8Array): string {
  if (bytes.length > 64) return decoder.decode(bytes);
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c >= 0x80) return decoder.decode(bytes);
    out += String.fromCharCode(c);
  }
  return out;
}

const idCache = new Map<string, Uint8Array>();

/** UTF-8 of an id, cached: a node sends on a handful of outputs over and over. */
function encodeId(id: string): Uint8Array {
  let bytes = idCache.get(id);
  if (!bytes) {
    bytes = encoder.encode(id);
    if (idCache.size < 1024) idCache.set(id, bytes);
  }
  return bytes;
}

const u32 = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;

/** A decoded message (the part of OUTPUT/INPUT after the id). */
export interface WireMessage {
  kind: number;
  flags: number;
  /** Nanoseconds since the Unix epoch (precision of a double). */
  timestampNs: number;
  /** UTF-8 JSON parameters; empty when none. */
  params: Uint8Array;
  /** Inline value bytes; empty for shared-memory messages. */
  payload: Uint8Array;
  /** Shared-memory file name and value length, when `flags & FLAG_SHM`. */
  shm?: { name: string; length: number };
}

/**
 * Accumulates frames into as few byte chunks as possible: small frames are copied into one
 * growing buffer, large payloads stay separate chunks so they are never copied.
 */
export class FrameBatch {
  #buf: Uint8Array = new Uint8Array(BATCH_BUFFER);
  #view: DataView = new DataView(this.#buf.buffer);
  #len = 0;
  #chunks: Uint8Array[] = [];
  /** Buffers whose bytes are in `#chunks`, to reuse once written. */
  #filled: Uint8Array[] = [];
  /** Buffers handed out by the last `take()`. */
  #lent: Uint8Array[] = [];
  #spare: Uint8Array[] = [];
  /** Bytes queued, for back-pressure decisions. */
  size = 0;

  #use(buf: Uint8Array): void {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#use(next);
  }

  #bytes(b: Uint8Array): void {
    if (b.length >= ZERO_COPY_MIN) {
      this.#cut();
      this.#chunks.push(b);
    } else {
      this.#reserve(b.length);
      this.#buf.set(b, this.#len);
      this.#len += b.length;
    }
    this.size += b.length;
  }

  /** Moves the small-frame buffer into the chunk list; writing goes on in another buffer. */
  #cut(): void {
    if (this.#len === 0) return;
    this.#chunks.push(this.#buf.subarray(0, this.#len));
    this.#filled.push(this.#buf);
    this.#use(this.#spare.pop() ?? new Uint8Array(BATCH_BUFFER));
    this.#len = 0;
  }

  #head(type: number, bodyLength: number): void {
    if (bodyLength + 1 > MAX_FRAME) throw new RangeError(`frame too large (${bodyLength} bytes)`);
    this.#reserve(5);
    this.#view.setUint32(this.#len, bodyLength + 1, true);
    this.#buf[this.#len + 4] = type;
    this.#len += 5;
    this.size += 5;
  }

  /** A frame with no body (READY, STOP). */
  empty(type: number): void {
    this.#head(type, 0);
  }

  /** A frame whose body is UTF-8 text (HELLO/WELCOME JSON, ERROR, INPUT_CLOSED, FREE…). */
  text(type: number, text: string): void {
    const bytes = encoder.encode(text);
    this.#head(type, bytes.length);
    this.#bytes(bytes);
  }

  /** An OUTPUT or INPUT frame from its parts. */
  message(
    type: number,
    id: string,
    kind: number,
    timestampNs: number,
    params: Uint8Array,
    payload: Uint8Array,
    shm?: { name: string; length: number },
  ): void {
    const idBytes = encodeId(id);
    const shmName = shm ? encoder.encode(shm.name) : undefined;
    const tail = shmName ? 8 + shmName.length : payload.length;
    this.#head(type, 2 + idBytes.length + MESSAGE_HEADER + params.length + tail);
    this.#reserve(2 + idBytes.length + MESSAGE_HEADER + (shmName ? 8 : 0));
    const v = this.#view;
    let at = this.#len;
    v.setUint16(at, idBytes.length, true);
    this.#buf.set(idBytes, at + 2);
    at += 2 + idBytes.length;
    this.#buf[at] = kind;
    this.#buf[at + 1] = shm ? FLAG_SHM : 0;
    const hi = Math.floor(timestampNs / TWO_32);
    v.setUint32(at + 2, timestampNs - hi * TWO_32, true);
    v.setUint32(at + 6, hi, true);
    v.setUint32(at + 10, params.length, true);
    this.#len = at + MESSAGE_HEADER;
    this.size += 2 + idBytes.length + MESSAGE_HEADER;
    if (params.length) this.#bytes(params);
    if (shm && shmName) {
      this.#reserve(8);
      const hiLen = Math.floor(shm.length / TWO_32);
      this.#view.setUint32(this.#len, shm.length - hiLen * TWO_32, true);
      this.#view.setUint32(this.#len + 4, hiLen, true);
      this.#len += 8;
      this.size += 8;
      this.#bytes(shmName);
    } else if (payload.length) {
      this.#bytes(payload);
    }
  }

  /** An INPUT frame re-using an already encoded message (the broker's fan-out path). */
  forward(type: number, idBytes: Uint8Array, message: Uint8Array): void {
    this.#head(type, 2 + idBytes.length + message.length);
    this.#reserve(2 + idBytes.length);
    this.#view.setUint16(this.#len, idBytes.length, true);
    this.#buf.set(idBytes, this.#len + 2);
    this.#len += 2 + idBytes.length;
    this.size += 2 + idBytes.length;
    this.#bytes(message);
  }

  /** Whether anything is queued. */
  get pending(): boolean {
    return this.#len > 0 || this.#chunks.length > 0;
  }

  /**
   * Everything queued so far, in order; the batch is empty afterwards. The chunks stay valid
   * until the next `take()`: their buffers are reused then (fresh memory costs page faults,
   * which for big batches cost more than the copy itself).
   */
  take(): Uint8Array[] {
    for (const buf of this.#lent) {
      if (buf.length <= MAX_KEPT_BUFFER && this.#spare.length < 4) this.#spare.push(buf);
    }
    this.#cut();
    const out = this.#chunks;
    this.#chunks = [];
    this.#lent = this.#filled;
    this.#filled = [];
    this.size = 0;
    return out;
  }
}

/** A frame found by `parseFrames`: its type and body, a view into the parsed buffer. */
export type FrameHandler = (type: number, body: Uint8Array) => void;

/**
 * Calls `onFrame` for every complete frame in `buf[0, end)` and returns how many bytes were
 * consumed. When a frame is incomplete, `needed` receives its full size (header included) so
 * the caller can grow its buffer. Throws on a malformed length.
 */
export function parseFrames(
  buf: Uint8Array,
  end: number,
  onFrame: FrameHandler,
  needed?: (total: number) => void,
): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  while (end - at >= 4) {
    const len = view.getUint32(at, true);
    if (len < 1 || len > MAX_FRAME) throw new RangeError(`bad frame length ${len}`);
    if (end - at - 4 < len) {
      needed?.(len + 4);
      break;
    }
    onFrame(buf[at + 4]!, buf.subarray(at + 5, at + 4 + len));
    at += 4 + len;
  }
  return at;
}

/** Splits an OUTPUT/INPUT body into its id and the message bytes (a view). */
export function splitIdentified(body: Uint8Array): { id: string; message: Uint8Array } {
  if (body.length < 2) throw new RangeError("message frame too short");
  const idLen = body[0]! | (body[1]! << 8);
  if (body.length < 2 + idLen + MESSAGE_HEADER) throw new RangeError("message frame too short");
  return {
    id: decodeShort(body.subarray(2, 2 + idLen)),
    message: body.subarray(2 + idLen),
  };
}

/** Decodes the message layout; `payload` and `params` are views of `message`. */
export function decodeMessage(message: Uint8Array): WireMessage {
  if (message.length < MESSAGE_HEADER) throw new RangeError("message too short");
  const kind = message[0]!;
  const flags = message[1]!;
  const timestampNs = u32(message, 2) + u32(message, 6) * TWO_32;
  const paramsLength = u32(message, 10);
  const paramsEnd = MESSAGE_HEADER + paramsLength;
  if (paramsEnd > message.length) throw new RangeError("message parameters overrun the frame");
  const params = message.subarray(MESSAGE_HEADER, paramsEnd);
  if ((flags & FLAG_SHM) === 0) {
    return { kind, flags, timestampNs, params, payload: message.subarray(paramsEnd) };
  }
  if (message.length < paramsEnd + 8) throw new RangeError("shared-memory reference too short");
  const length = u32(message, paramsEnd) + u32(message, paramsEnd + 4) * TWO_32;
  const name = decodeShort(message.subarray(paramsEnd + 8));
  return { kind, flags, timestampNs, params, payload: new Uint8Array(0), shm: { name, length } };
}

/** Decodes a UTF-8 text body. */
export function decodeText(body: Uint8Array): string {
  return decoder.decode(body);
}

/** Now, in nanoseconds since the Unix epoch (microsecond precision). */
export function nowNs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}

/** The message layout of an inline value, on its own (the broker's timers and stdout lines). */
export function encodeMessage(
  kind: number,
  timestampNs: number,
  params: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(MESSAGE_HEADER + params.length + payload.length);
  const view = new DataView(out.buffer);
  out[0] = kind;
  out[1] = 0;
  const hi = Math.floor(timestampNs / TWO_32);
  view.setUint32(2, timestampNs - hi * TWO_32, true);
  view.setUint32(6, hi, true);
  view.setUint32(10, params.length, true);
  out.set(params, MESSAGE_HEADER);
  out.set(payload, MESSAGE_HEADER + params.length);
  return out;
}
