/**
 * A running dataflow in Foxglove's WebSocket protocol (`foxglove.websocket.v1`, served with
 * @foxglove/ws-protocol's `FoxgloveServer`): every output is advertised as a channel `node/output`
 * (message encoding `json`, a JSON Schema `dora/message`), and a channel that a client
 * subscribes to is tapped through the control API only while someone is subscribed, so a
 * dataflow nobody watches pays nothing. Messages are `{"kind", "value", "parameters"}` with
 * the value as lib/record/json_value.ts writes it (what Foxglove's panels can read).
 */
import { FoxgloveServer, type IWebSocket } from "../../deps/foxglove_ws.ts";
import { loadArrow } from "../../node/ts/arrow.ts";
import { Kind } from "../../node/ts/values.ts";
import { kindByName } from "../api/kinds.ts";
import { jsonMessage } from "../record/json_value.ts";

/** The channel schema of every topic: any dora value, with its kind and parameters. */
export const MESSAGE_SCHEMA = {
  title: "dora/message",
  type: "object",
  properties: {
    kind: { type: "string", description: "bytes, text, json, int8 ... float64, arrow" },
    value: { description: "the value: base64 for bytes, numbers for arrays, rows for Arrow" },
    parameters: { type: "object", description: "the message's metadata parameters" },
  },
};

/** A message of a tap stream (docs/api.md, "Taps"). */
export interface TapMessageEvent {
  type: "message";
  node: string;
  output: string;
  timestamp: number;
  routed_at: number;
  kind: string;
  size: number;
  parameters: Record<string, unknown>;
  data: string;
  truncated: boolean;
}

/** How the bridge reaches the dataflow's taps (the CLI's control client). */
export interface TapSource {
  /** Streams the messages of one topic until `signal` aborts or the dataflow ends. */
  tap(topic: string, onMessage: (m: TapMessageEvent) => void, signal: AbortSignal): Promise<void>;
}

const encoder = new TextEncoder();

/** One dataflow's Foxglove server. */
export class FoxgloveBridge {
  readonly server: InstanceType<typeof FoxgloveServer>;
  #topics = new Map<number, string>();
  #taps = new Map<number, AbortController>();
  /** Subscribed channels now (tests and the CLI's status line read it). */
  get tapping(): number {
    return this.#taps.size;
  }

  constructor(name: string, topics: string[], private readonly source: TapSource) {
    this.server = new FoxgloveServer({ name: `dora: ${name}`, capabilities: [] });
    for (const topic of topics) {
      const id = this.server.addChannel({
        topic,
        encoding: "json",
        schemaName: "dora/message",
        schema: JSON.stringify(MESSAGE_SCHEMA),
        schemaEncoding: "jsonschema",
      });
      this.#topics.set(id, topic);
    }
    this.server.on("subscribe", (id) => this.#subscribe(id));
    this.server.on("unsubscribe", (id) => this.#unsubscribe(id));
    this.server.on("error", () => {}); // a malformed client message: ignored, as the library does
  }

  /** A WebSocket that has opened with the `foxglove.websocket.v1` subprotocol. */
  connect(socket: WebSocket, name: string): void {
    this.server.handleConnection(socket as unknown as IWebSocket, name);
  }

  #subscribe(id: number): void {
    const topic = this.#topics.get(id);
    if (topic === undefined || this.#taps.has(id)) return;
    const controller = new AbortController();
    this.#taps.set(id, controller);
    this.source.tap(topic, (m) => void this.#forward(id, m), controller.signal)
      .catch(() => {})
      .finally(() => {
        if (this.#taps.get(id) === controller) this.#taps.delete(id);
      });
  }

  #unsubscribe(id: number): void {
    this.#taps.get(id)?.abort();
    this.#taps.delete(id);
  }

  async #forward(id: number, m: TapMessageEvent): Promise<void> {
    if (m.truncated) return; // larger than a tap hands out: nothing valid to show
    const kind = kindByName(m.kind) ?? Kind.BYTES;
    const arrow = kind === Kind.ARROW ? await loadArrow() : undefined;
    const params = Object.keys(m.parameters).length
      ? encoder.encode(JSON.stringify(m.parameters))
      : new Uint8Array(0);
    let body;
    try {
      body = jsonMessage(kind, Uint8Array.fromBase64(m.data), params, arrow);
    } catch {
      return;
    }
    const ms = m.timestamp > 0 ? m.timestamp : m.routed_at;
    const json = JSON.stringify({ kind: m.kind, ...body });
    this.server.sendMessage(id, BigInt(Math.round(ms * 1e6)), encoder.encode(json));
  }

  /** Stops every tap (the command is ending). */
  close(): void {
    for (const controller of this.#taps.values()) controller.abort();
    this.#taps.clear();
  }
}
