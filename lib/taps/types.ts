/**
 * Taps and injection: the ONE interface through which the daemon (and a `dora run`) sees the
 * messages of a dataflow and sends messages into it. Today `BrokerTaps` (broker_taps.ts)
 * implements it on the broker's fan-out; a transport where nodes send to each other directly,
 * or one that bridges machines, implements the same interface and nothing above it changes.
 *
 * The rules every implementation keeps:
 * - a topic nobody taps costs nothing (no copy, no extra hop, no work per message beyond a
 *   cheap check);
 * - a sink that cannot keep up loses its own messages (counted by the sink), never the
 *   producer's or another consumer's;
 * - a shared-memory payload is read while the producer's file is held anyway, so a tap never
 *   delays the producer's FREE.
 */

/** `node/output`. */
export interface TopicRef {
  node: string;
  output: string;
}

/** A message as a tap sees it. Views may be kept: nothing changes them afterwards. */
export interface TappedMessage {
  node: string;
  output: string;
  /** Value kind (docs/protocol.md §6). */
  kind: number;
  /** When the producer sent it, ns since the epoch (0: unknown). */
  timestampNs: number;
  /** When the transport routed it, ms since the epoch (fractional). */
  routedMs: number;
  /** Payload size in bytes. */
  size: number;
  /** It travelled through shared memory. */
  shm: boolean;
  /** UTF-8 JSON metadata parameters (empty: none). */
  params: Uint8Array;
  /** The first `min(size, sink.maxBytes)` bytes of the payload. */
  payload: Uint8Array;
}

/** Where tapped messages go. Called on the transport's event loop: must return quickly. */
export interface TapSink {
  /** How many payload bytes it wants per message (0: none, only sizes and times). */
  readonly maxBytes: number;
  message(message: TappedMessage): void;
  /** No more messages will come (the dataflow ended). */
  end(reason: string): void;
}

/** A message to inject: an encoded value and its metadata parameters. */
export interface OutgoingMessage {
  kind: number;
  data: Uint8Array;
  /** UTF-8 JSON object of parameters, or empty. */
  params: Uint8Array;
}

/** Why a tap or an injection was refused (the API answers 404/409 with it). */
export class TapError extends Error {
  constructor(readonly code: "not_found" | "not_running", message: string) {
    super(message);
  }
}

/** Taps and injection for every dataflow of one host (daemon or `dora run`). */
export interface TapTransport {
  /**
   * Sends every message of `topics` (all outputs when `"all"`) of `dataflow` to `sink`, from
   * now until the returned function is called or the dataflow ends. Throws `TapError`.
   */
  tap(dataflow: string, topics: TopicRef[] | "all", sink: TapSink): () => void;
  /** Delivers `message` to the subscribers of `node/output` as if the node had sent it. */
  inject(dataflow: string, node: string, output: string, message: OutgoingMessage): void;
}
