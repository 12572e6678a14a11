/**
 * A tap as an HTTP response body (docs/api.md, "Taps"): NDJSON, or Server-Sent Events for a
 * browser. The body is pulled: the next events are encoded only when the client has read the
 * previous ones, so a slow client lets its `TapQueue` fill up and drop, and the data plane does
 * no more work for it than pushing into that queue.
 */
import { kindName } from "../api/kinds.ts";
import { TapQueue } from "./queue.ts";
import type { TappedMessage } from "./types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * After the first message, wait this long for more before encoding: at high rates one write
 * then carries many events (the stream's cost per write is paid once), and the data plane is not
 * interrupted by each message; a person watching sees no difference.
 */
export const LINGER_MS = 5;

/** How a client asked for a tap. */
export interface TapStreamOptions {
  /** The dataflow's UUID, echoed in the first event. */
  dataflow: string;
  /** The topics as asked (`null`: every output). */
  topics: string[] | null;
  /** Payload bytes per message (0: none; events are then per-topic batches of times). */
  maxBytes: number;
  queue: number;
  format: "ndjson" | "sse";
}

function parameters(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) return {};
  try {
    const value = JSON.parse(decoder.decode(bytes));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function base64(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(): string }).toBase64();
}

/** The events for messages taken from the queue. */
export function tapEvents(
  messages: TappedMessage[],
  state: { seq: number; dropped: number; withPayload: boolean },
): unknown[] {
  if (state.withPayload) {
    return messages.map((m) => ({
      type: "message",
      node: m.node,
      output: m.output,
      seq: ++state.seq,
      timestamp: m.timestampNs / 1e6,
      routed_at: m.routedMs,
      kind: kindName(m.kind),
      size: m.size,
      shm: m.shm,
      parameters: parameters(m.params),
      data: base64(m.payload),
      truncated: m.payload.length < m.size,
      dropped: state.dropped,
    }));
  }
  const batches = new Map<string, { times: number[]; sizes: number[]; last: TappedMessage }>();
  for (const m of messages) {
    const key = `${m.node}/${m.output}`;
    let batch = batches.get(key);
    if (!batch) batches.set(key, batch = { times: [], sizes: [], last: m });
    batch.times.push(Math.round(m.routedMs * 1000) / 1000);
    batch.sizes.push(m.size);
    batch.last = m;
  }
  state.seq += messages.length;
  return [...batches.values()].map((b) => ({
    type: "batch",
    node: b.last.node,
    output: b.last.output,
    count: b.times.length,
    routed_at: b.times,
    sizes: b.sizes,
    kind: kindName(b.last.kind),
    dropped: state.dropped,
  }));
}

function encode(event: unknown, format: TapStreamOptions["format"]): string {
  const json = JSON.stringify(event);
  if (format === "ndjson") return json + "\n";
  const type = (event as { type: string }).type;
  return `event: ${type}\ndata: ${json}\n\n`;
}

/**
 * The body of a tap response. `subscribe` registers the queue with the transport and returns
 * the unsubscribe function; it runs when the stream starts. `onClose` runs once the stream has
 * ended (sent its end, or the client went away).
 */
export function tapBody(
  opts: TapStreamOptions,
  subscribe: (queue: TapQueue) => () => void,
  onClose: () => void = () => {},
): ReadableStream<Uint8Array> {
  const queue = new TapQueue(opts.maxBytes, opts.queue);
  const state = { seq: 0, dropped: 0, withPayload: opts.maxBytes > 0 };
  let unsubscribe = () => {};
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    queue.interrupt();
    onClose();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      unsubscribe = subscribe(queue);
      controller.enqueue(encoder.encode(encode({
        type: "subscribed",
        dataflow: opts.dataflow,
        topics: opts.topics,
        max_bytes: opts.maxBytes,
        queue: opts.queue,
      }, opts.format)));
    },
    async pull(controller) {
      await queue.wait();
      if (done) return;
      if (queue.ended === undefined) await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
      if (done) return;
      const messages = queue.take();
      state.dropped = queue.dropped;
      let text = "";
      for (const event of tapEvents(messages, state)) text += encode(event, opts.format);
      if (queue.ended !== undefined && queue.length === 0) {
        text += encode({ type: "end", reason: queue.ended, dropped: queue.dropped }, opts.format);
        controller.enqueue(encoder.encode(text));
        finish();
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(text));
    },
    cancel() {
      finish();
    },
  }, { highWaterMark: 0 });
}
