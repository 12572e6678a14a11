/**
 * The TypeScript node API. A node started by dora finds its configuration in
 * `DORA_NODE_CONFIG`, connects back to the daemon, and exchanges messages:
 *
 * ```ts
 * import { Node } from "./node/ts/mod.ts";
 * const node = await Node.init();
 * for await (const event of node) {
 *   if (event.type === "INPUT") await node.sendOutput("bbox", detect(event.value), { frame: 3 });
 * }
 * ```
 *
 * This module imports only relative files and `node:` built-ins so that a node file can import
 * it by path or URL from anywhere. The wire format is in docs/protocol.md.
 */
import { FrameConn, HIGH_WATER } from "./conn.ts";
import {
  decodeMessage,
  decodeShort,
  decodeText,
  Frame,
  nowNs,
  PROTOCOL_VERSION,
  splitIdentified,
} from "./frames.ts";
import { ShmReader, ShmWriter } from "./shm.ts";
import {
  checkParameters,
  decodeParameters,
  decodeValue,
  encodeParameters,
  encodeValue,
  type JsonValue,
  type Parameters,
  type Value,
} from "./values.ts";
import { type NodeConfig, readConfig } from "./config.ts";

export type { JsonValue, NumericArray, Parameter, Parameters, Value } from "./values.ts";
export type { NodeConfig } from "./config.ts";

/** A message on one of the node's inputs (timer inputs carry `null`). */
export interface InputEvent {
  type: "INPUT";
  /** The input id as declared in the dataflow (`inputs:` key). */
  id: string;
  value: Value;
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
  /** Finish up and exit; the event stream ends after this. */
  | { type: "STOP" }
  /** Something the daemon wants the node to know (e.g. an output it refused). */
  | { type: "ERROR"; error: string };

/** Options of `Node.init`. */
export interface NodeOptions {
  /** The node id, for a node started by hand (`path: dynamic`). */
  nodeId?: string;
}

/**
 * An input whose payload is still in a shared-memory file: read when it is handed to the user,
 * not when its frame arrives (measured: 4 MiB half round trips went from ~6 ms to ~2 ms on our
 * 2-CPU VMs; see examples/benchmark/README.md).
 */
class ShmInput {
  constructor(
    readonly id: string,
    readonly kind: number,
    readonly metadata: Parameters,
    readonly timestamp: number,
    readonly name: string,
    readonly length: number,
  ) {}
}

/** A dora node: an async iterable of events plus `sendOutput`. */
export class Node implements AsyncIterable<Event> {
  /** This node's id. */
  readonly id: string;
  readonly dataflowId: string;
  /** Declared input ids. */
  readonly inputs: readonly string[];
  /** Declared output ids. */
  readonly outputs: readonly string[];

  #params: Record<string, JsonValue>;
  #conn: FrameConn;
  #unix: Deno.UnixConn;
  #outputs: Set<string>;
  #queue: Array<Event | ShmInput> = [];
  #head = 0;
  #waiter: (() => void) | null = null;
  #readyOutstanding = false;
  #stopQueued = false;
  #ended = false;
  #disconnected = false;
  #closing = false;
  #shmWriter: ShmWriter | null = null;
  #shmReader: ShmReader | null = null;
  #shmThreshold: number;

  private constructor(config: NodeConfig, unix: Deno.UnixConn, welcome: Welcome) {
    this.id = config.node_id;
    this.dataflowId = config.dataflow_id;
    this.inputs = Object.keys(config.inputs);
    this.outputs = [...config.outputs];
    this.#params = { ...(config.params as Record<string, JsonValue> | undefined) };
    this.#outputs = new Set(config.outputs);
    this.#unix = unix;
    this.#conn = welcome.conn;
    this.#shmThreshold = config.shm_threshold ?? Infinity;
    if (config.shm_dir) {
      this.#shmReader = new ShmReader(config.shm_dir);
      if (welcome.shmPrefix) this.#shmWriter = new ShmWriter(config.shm_dir, welcome.shmPrefix);
    }
    welcome.attach({
      frame: (type, body) => this.#onFrame(type, body),
      disconnect: (error) => this.#onDisconnect(error),
    });
  }

  /**
   * Reads the configuration dora gave this process and connects to the daemon. Resolves once
   * every node of the dataflow has connected (the startup barrier). A node started by hand
   * (`path: dynamic`) passes its id instead.
   */
  static async init(opts: NodeOptions = {}): Promise<Node> {
    const config = await readConfig(opts.nodeId);
    const unix = await Deno.connect({ transport: "unix", path: config.socket }).catch((err) => {
      throw new Error(
        `cannot connect to the dora daemon at ${config.socket}: ${(err as Error).message}`,
      );
    });
    const welcome = await handshake(config, unix);
    return new Node(config, unix, welcome);
  }

  /**
   * The node's runtime parameters (`dora param`): those it was started with, kept up to date
   * by PARAM_UPDATE events as they arrive. Read-only.
   */
  get params(): Readonly<Record<string, JsonValue>> {
    return this.#params;
  }

  /** True once the event stream has ended (after STOP, or when the daemon went away). */
  get ended(): boolean {
    return this.#ended && this.#head >= this.#queue.length;
  }

  #onFrame(type: number, body: Uint8Array): void {
    switch (type) {
      case Frame.INPUT:
        this.#push(this.#decodeInput(body));
        break;
      case Frame.INPUT_CLOSED:
        this.#push({ type: "INPUT_CLOSED", id: decodeShort(body) });
        break;
      case Frame.INPUT_RECOVERED:
        this.#push({ type: "INPUT_RECOVERED", id: decodeShort(body) });
        break;
      case Frame.NODE_RESTARTED:
        this.#push({ type: "NODE_RESTARTED", id: decodeShort(body) });
        break;
      case Frame.PARAM_UPDATE:
        this.#push(this.#paramUpdate(decodeText(body)));
        break;
      case Frame.STOP:
        this.#stopQueued = true;
        this.#push({ type: "STOP" });
        break;
      case Frame.ERROR:
        this.#push({ type: "ERROR", error: decodeText(body) });
        break;
      case Frame.FREE:
        this.#shmWriter?.release(decodeShort(body));
        break;
      default:
        throw new RangeError(`unexpected frame type 0x${type.toString(16)} from the daemon`);
    }
  }

  /** Applies a PARAM_UPDATE body (`{"key", "value"}` or `{"key", "deleted": true}`). */
  #paramUpdate(text: string): Event {
    const update = JSON.parse(text) as { key: string; value?: JsonValue; deleted?: boolean };
    const deleted = update.deleted === true;
    const value = deleted ? null : update.value ?? null;
    if (deleted) delete this.#params[update.key];
    else this.#params[update.key] = value;
    return { type: "PARAM_UPDATE", key: update.key, value, deleted };
  }

  #decodeInput(body: Uint8Array): Event | ShmInput {
    const { id, message } = splitIdentified(body);
    const msg = decodeMessage(message);
    const metadata = decodeParameters(msg.params);
    const timestamp = msg.timestampNs / 1e6;
    if (msg.shm) {
      return new ShmInput(id, msg.kind, metadata, timestamp, msg.shm.name, msg.shm.length);
    }
    // The read buffer is reused: keep our own copy.
    const value = decodeValue(msg.kind, msg.payload.slice());
    return { type: "INPUT", id, value, metadata, timestamp };
  }

  /** Reads a shared-memory payload and tells the daemon the file may be reused. */
  #materialize(input: ShmInput): Event {
    let bytes: Uint8Array;
    try {
      if (!this.#shmReader) throw new Error("the node has no shared-memory folder");
      bytes = this.#shmReader.read(input.name, input.length);
    } catch (err) {
      // One unreadable payload is reported, not fatal to the connection.
      return {
        type: "ERROR",
        error: `could not read the payload of input '${input.id}' from shared memory: ${
          (err as Error).message
        }`,
      };
    } finally {
      if (!this.#disconnected) {
        this.#conn.batch.text(Frame.RELEASE, input.name);
        this.#conn.flush();
      }
    }
    try {
      const value = decodeValue(input.kind, bytes);
      return {
        type: "INPUT",
        id: input.id,
        value,
        metadata: input.metadata,
        timestamp: input.timestamp,
      };
    } catch (err) {
      return {
        type: "ERROR",
        error: `could not decode the payload of input '${input.id}': ${(err as Error).message}`,
      };
    }
  }

  #push(event: Event | ShmInput): void {
    this.#readyOutstanding = false;
    this.#queue.push(event);
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  /** The connection is gone: the event stream ends once queued events are consumed. */
  #onDisconnect(error?: unknown): void {
    this.#disconnected = true;
    if (!this.#ended && !this.#closing && !this.#stopQueued) {
      const why = error instanceof Error ? `: ${error.message}` : "";
      console.error(`dora: lost the connection to the daemon${why}; ending the event stream`);
    }
    this.#ended = true;
    // Payloads not yet handed out are read now, while their files still exist.
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i]!;
      if (entry instanceof ShmInput) this.#queue[i] = this.#materialize(entry);
    }
    this.#shmWriter?.close();
    this.#shmReader?.close();
    this.#wake();
  }

  /**
   * The next event; `null` when the stream has ended or `timeoutMs` passed first. Without a
   * timeout it waits as long as it takes.
   */
  async next(timeoutMs?: number): Promise<Event | null> {
    const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
    for (;;) {
      const event = this.#shift();
      if (event) return event;
      if (this.#ended) return null;
      if (!this.#readyOutstanding) {
        this.#readyOutstanding = true;
        this.#conn.batch.empty(Frame.READY);
        this.#conn.flush();
      }
      if (deadline !== undefined && performance.now() >= deadline) return null;
      await this.#wait(deadline);
    }
  }

  #shift(): Event | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const entry = this.#queue[this.#head++]!;
    const event = entry instanceof ShmInput ? this.#materialize(entry) : entry;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (event.type === "STOP") this.#ended = true;
    return event;
  }

  #wait(deadline: number | undefined): Promise<void> {
    // Only while someone waits does the socket keep the process alive: a node that is done
    // and returns from its main code exits without having to close the node.
    this.#unix.ref();
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.#waiter = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.#unix.unref();
        resolve();
      };
      if (deadline !== undefined) {
        timer = setTimeout(() => this.#wake(), Math.max(0, deadline - performance.now()));
      }
    });
  }

  /** Iterates until STOP or the end of the stream (STOP is yielded, then iteration ends). */
  [Symbol.asyncIterator](): AsyncIterator<Event> {
    // A plain iterator rather than an async generator: one promise per event instead of several.
    return {
      next: () =>
        this.next().then((event): IteratorResult<Event> =>
          event === null ? { done: true, value: undefined } : { done: false, value: event }
        ),
    };
  }

  /**
   * Sends `value` on output `outputId` to every input mapped to it. Throws when the output is
   * not declared in the dataflow or the daemon connection is closed. Resolves once the message
   * is queued for the socket (or, for large messages that are not copied, once written).
   */
  async sendOutput(outputId: string, value?: Value, metadata?: Parameters): Promise<void> {
    if (!this.#outputs.has(outputId)) {
      const declared = this.outputs.length ? this.outputs.join(", ") : "none";
      throw new Error(
        `output '${outputId}' is not declared for node '${this.id}' (declared outputs: ${declared}); ` +
          `add it to the node's 'outputs' in the dataflow file`,
      );
    }
    if (this.#disconnected || this.#closing) {
      throw new Error(
        `cannot send on output '${outputId}': the connection to the dora daemon is closed`,
      );
    }
    if (metadata !== undefined) checkParameters(metadata);
    const encoded = encodeValue(value);
    const params = encodeParameters(metadata);
    const batch = this.#conn.batch;
    let sent = false;
    let copied = true;
    if (this.#shmWriter && encoded.bytes.length >= this.#shmThreshold) {
      try {
        const shm = { name: this.#shmWriter.write(encoded.bytes), length: encoded.bytes.length };
        batch.message(Frame.OUTPUT, outputId, encoded.kind, nowNs(), params, EMPTY, shm);
        sent = true;
      } catch (err) {
        // E.g. no write permission on /dev/shm: the socket still works, only slower.
        console.error(
          `dora: shared memory unavailable (${(err as Error).message}); sending inline`,
        );
        this.#shmWriter = null;
      }
    }
    if (!sent) {
      batch.message(Frame.OUTPUT, outputId, encoded.kind, nowNs(), params, encoded.bytes);
      copied = encoded.bytes.length < 64 * 1024;
    }
    const flushed = this.#conn.flush();
    if (!copied || batch.size > HIGH_WATER) await flushed;
  }

  /** Flushes queued messages and closes the connection. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.#conn.closeAfterFlush();
    await this.#conn.ended;
  }
}

const EMPTY = new Uint8Array(0);

interface Handler {
  frame(type: number, body: Uint8Array): void;
  disconnect(error?: unknown): void;
}

interface Welcome {
  conn: FrameConn;
  shmPrefix: string | null;
  /** Routes later frames and the disconnect to the node. */
  attach(handler: Handler): void;
}

/** Sends HELLO and waits for WELCOME (which comes once the startup barrier has passed). */
function handshake(config: NodeConfig, unix: Deno.UnixConn): Promise<Welcome> {
  return new Promise((resolve, reject) => {
    let node: Handler | null = null;
    let settled = false;
    const early: Array<[number, Uint8Array]> = [];
    const conn: FrameConn = new FrameConn(unix, (type, body) => {
      if (node) return node.frame(type, body);
      if (!settled && type === Frame.WELCOME) {
        settled = true;
        const info = JSON.parse(decodeText(body)) as { shm_prefix?: string };
        unix.unref();
        resolve({
          conn,
          shmPrefix: info.shm_prefix ?? null,
          attach(handler: Handler) {
            node = handler;
            for (const [t, b] of early.splice(0)) handler.frame(t, b);
            if (conn.closed) handler.disconnect();
          },
        });
      } else if (!settled && type === Frame.REFUSED) {
        settled = true;
        reject(new Error(`the dora daemon refused node '${config.node_id}': ${decodeText(body)}`));
      } else if (settled) {
        early.push([type, body.slice()]);
      }
    }, (error) => {
      if (node) return node.disconnect(error);
      if (!settled) {
        settled = true;
        reject(new Error(`the dora daemon closed the connection of node '${config.node_id}'`));
      }
    });
    conn.batch.text(
      Frame.HELLO,
      JSON.stringify({
        protocol: PROTOCOL_VERSION,
        dataflow_id: config.dataflow_id,
        node_id: config.node_id,
        token: config.token,
      }),
    );
    conn.flush();
  });
}
