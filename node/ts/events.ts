/**
 * The events a node receives, and how an INPUT frame becomes one (docs/protocol.md, "Messages"
 * and "Values"). Pure, except that meeting Arrow data starts loading apache-arrow.
 */
import { arrowIfLoaded, decodeArrow, loadArrow, plainArrow, type Vector } from "./arrow.ts";
import { decodeMessage, splitIdentified, type StopCause } from "./frames.ts";
import {
  decodeParameters,
  decodeValue,
  type JsonValue,
  Kind,
  type Parameters,
  type Value,
} from "./values.ts";

/** A message on one of the node's inputs (timer inputs carry `null`). */
export interface InputEvent {
  type: "INPUT";
  /** The input id as declared in the dataflow (`inputs:` key). */
  id: string;
  /**
   * The value: `Uint8Array` (bytes), `string`, a JSON value, a numeric typed array, or for
   * Arrow data its plain JavaScript form (see `plainArrow`).
   */
  value: Value;
  /** For Arrow data (strings, lists, structs, nulls...): the typed Arrow `Vector`. */
  arrow?: Vector;
  /** The sender's metadata parameters. */
  metadata: Parameters;
  /** When the message was sent, in milliseconds since the Unix epoch (fractional). */
  timestamp: number;
}

/** Everything a node can receive. */
export type Event =
  | InputEvent
  /** The node feeding this input has exited: no more messages will come on it. */
  | { type: "INPUT_CLOSED"; id: string }
  /** An input closed by its `input_timeout` has a message again (it follows this event). */
  | { type: "INPUT_RECOVERED"; id: string }
  /** A node feeding one of this node's inputs was restarted (dora's `NodeRestarted`). */
  | { type: "NODE_RESTARTED"; id: string }
  /**
   * A runtime parameter was set (`dora param set`) or deleted; `node.params` already holds
   * the change.
   */
  | { type: "PARAM_UPDATE"; key: string; value: JsonValue; deleted: boolean }
  /** Finish up and exit; the event stream ends after this. `id` says why. */
  | { type: "STOP"; id: StopCause }
  /** Something the daemon wants the node to know (e.g. an output it refused). */
  | { type: "ERROR"; error: string };

/**
 * An input decoded when it is handed to the user, not when its frame arrives: a payload still
 * in a shared-memory file (measured: 4 MiB half round trips went from ~6 ms to ~2 ms on our
 * 2-CPU VMs; see examples/benchmark/README.md), or Arrow data while apache-arrow loads.
 */
export class LazyInput {
  constructor(
    readonly id: string,
    readonly kind: number,
    readonly metadata: Parameters,
    readonly timestamp: number,
    /** Shared-memory file and length, or the payload (a copy) itself. */
    readonly shm: { name: string; length: number } | undefined,
    readonly bytes: Uint8Array | undefined,
  ) {}
}

/**
 * The event of an INPUT frame's body: decoded now, or (a shared-memory payload, Arrow data while
 * apache-arrow loads) a `LazyInput` for `inputEvent` later.
 */
export function decodeInput(body: Uint8Array): Event | LazyInput {
  const { id, message } = splitIdentified(body);
  let metadata: Parameters;
  let msg;
  try {
    msg = decodeMessage(message);
    metadata = decodeParameters(msg.params);
  } catch (err) {
    return { type: "ERROR", error: `could not decode input '${id}': ${(err as Error).message}` };
  }
  const timestamp = msg.timestampNs / 1e6;
  if (msg.shm) return new LazyInput(id, msg.kind, metadata, timestamp, msg.shm, undefined);
  // The read buffer is reused: keep our own copy.
  const bytes = msg.payload.slice();
  if (msg.kind !== Kind.ARROW) {
    try {
      return { type: "INPUT", id, value: decodeValue(msg.kind, bytes), metadata, timestamp };
    } catch (err) {
      return payloadError(id, err);
    }
  }
  if (!arrowIfLoaded()) {
    void loadArrow().catch(() => {}); // inputEvent reports a failure
    return new LazyInput(id, msg.kind, metadata, timestamp, undefined, bytes);
  }
  return inputEvent(id, msg.kind, metadata, timestamp, bytes);
}

/** The event of a payload (Arrow data needs apache-arrow loaded by now). */
export function inputEvent(
  id: string,
  kind: number,
  metadata: Parameters,
  timestamp: number,
  bytes: Uint8Array,
): Event {
  try {
    if (kind === Kind.ARROW) {
      const arrow = arrowIfLoaded();
      if (!arrow) throw new Error("apache-arrow could not be loaded");
      const vector = decodeArrow(arrow, bytes);
      const value = plainArrow(arrow, vector);
      return { type: "INPUT", id, value, arrow: vector, metadata, timestamp };
    }
    return { type: "INPUT", id, value: decodeValue(kind, bytes), metadata, timestamp };
  } catch (err) {
    return payloadError(id, err);
  }
}

function payloadError(id: string, err: unknown): Event {
  return {
    type: "ERROR",
    error: `could not decode the payload of input '${id}': ${(err as Error).message}`,
  };
}
