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
 * it by path or URL from anywhere; apache-arrow (deps/arrow.ts) is loaded only when an Arrow
 * value is received or sent. The wire format is in docs/protocol.md.
 */
import { arrowIfLoaded, encodeVector, loadArrow, type Vector } from "./arrow.ts";
import { FrameConn, HIGH_WATER } from "./conn.ts";
import { decodeInput, type Event, inputEvent, LazyInput } from "./events.ts";
import {
  decodeShort,
  decodeText,
  Frame,
  nowNs,
  PROTOCOL_VERSION,
  type StopCause,
} from "./frames.ts";
import { type LogFields, logLevel, writeLog } from "./log.ts";
import { ShmReader, ShmWriter } from "./shm.ts";
import {
  checkParameters,
  encodeParameters,
  encodeValue,
  isArrowVector,
  type JsonValue,
  Kind,
  type Parameters,
  type Value,
} from "./values.ts";
import { type NodeConfig, readConfig } from "./config.ts";

export type {
  ArrowRows,
  ArrowVectorLike,
  JsonValue,
  NumericArray,
  Parameter,
  Parameters,
  Value,
} from "./values.ts";
export type { NodeConfig } from "./config.ts";
export type { StopCause } from "./frames.ts";
export { type Arrow, loadArrow, plainArrow, type Vector } from "./arrow.ts";
export { LOG_LEVELS, type LogFields, type LogLevel } from "./log.ts";
export type { Event, InputEvent } from "./events.ts";

/** Options of `Node.init`. */
export interface NodeOptions {
  /** The node id, for a node started by hand (`path: dynamic`). */
  nodeId?: string;
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
  #queue: Array<Event | LazyInput> = [];
  #pollsOwed = 0;
  #config: NodeConfig;
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
    this.#config = config;
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
        this.#push(decodeInput(body));
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
        this.#push({ type: "STOP", id: (decodeShort(body) || "MANUAL") as StopCause });
        break;
      case Frame.POLLED:
        this.#pollsOwed = Math.max(0, this.#pollsOwed - 1);
        this.#readyOutstanding = false;
        this.#wake();
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

  /** Reads a shared-memory payload (and tells the daemon the file may be reused), decodes. */
  #materialize(input: LazyInput): Event {
    let bytes = input.bytes;
    if (input.shm) {
      try {
        if (!this.#shmReader) throw new Error("the node has no shared-memory folder");
        bytes = this.#shmReader.read(input.shm.name, input.shm.length);
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
          this.#conn.batch.text(Frame.RELEASE, input.shm.name);
          this.#conn.flush();
        }
      }
    }
    return inputEvent(input.id, input.kind, input.metadata, input.timestamp, bytes!);
  }

  #push(event: Event | LazyInput): void {
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
      if (entry instanceof LazyInput && entry.shm) this.#queue[i] = this.#materialize(entry);
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
    if (timeoutMs !== undefined && timeoutMs <= 0) return await this.tryRecv();
    const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
    for (;;) {
      if (this.#headNeedsArrow()) await loadArrow().catch(() => {});
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

  /**
   * The next event if one is waiting, here or at the daemon (one round trip to ask); `null`
   * otherwise. Never waits for a new event.
   */
  async tryRecv(): Promise<Event | null> {
    if (this.#head >= this.#queue.length) await this.#poll();
    if (this.#headNeedsArrow()) await loadArrow().catch(() => {});
    return this.#shift() ?? null;
  }

  /** Every event waiting now, here or at the daemon; never waits for a new one. */
  async drain(): Promise<Event[]> {
    await this.#poll();
    const out: Event[] = [];
    for (;;) {
      if (this.#headNeedsArrow()) await loadArrow().catch(() => {});
      const event = this.#shift();
      if (!event) return out;
      out.push(event);
    }
  }

  /** Asks the daemon for the events waiting now and waits for its answer (POLL … POLLED). */
  async #poll(): Promise<void> {
    if (this.#ended || this.#disconnected || this.#closing) return;
    this.#pollsOwed++;
    this.#conn.batch.empty(Frame.POLL);
    this.#conn.flush();
    while (this.#pollsOwed > 0 && !this.#disconnected) await this.#wait(undefined);
  }

  /** Whether the next queued event is Arrow data and apache-arrow is not loaded yet. */
  #headNeedsArrow(): boolean {
    const entry = this.#queue[this.#head];
    return entry instanceof LazyInput && entry.kind === Kind.ARROW && !arrowIfLoaded();
  }

  #shift(): Event | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const entry = this.#queue[this.#head++]!;
    const event = entry instanceof LazyInput ? this.#materialize(entry) : entry;
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
  async sendOutput(
    outputId: string,
    value?: Value | Vector,
    metadata?: Parameters,
  ): Promise<void> {
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
    const encoded = isArrowVector(value)
      ? encodeVector(await loadArrow(), value as Vector)
      : encodeValue(value);
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

  /** A structured log entry on stderr (level error, warn, info, debug or trace). */
  log(level: string, message: string, target?: string, fields?: LogFields): void {
    writeLog(logLevel(level), message, target, fields);
  }
  logError(message: string): void {
    writeLog("error", message);
  }
  logWarn(message: string): void {
    writeLog("warn", message);
  }
  logInfo(message: string): void {
    writeLog("info", message);
  }
  logDebug(message: string): void {
    writeLog("debug", message);
  }
  logTrace(message: string): void {
    writeLog("trace", message);
  }

  /** How many times the restart policy has restarted this node (0 on the first run). */
  get restartCount(): number {
    return this.#config.restart_count ?? 0;
  }

  /** Whether this process is a restart after an earlier exit or failure. */
  get isRestart(): boolean {
    return this.restartCount > 0;
  }

  /** The dataflow file, parsed. */
  async dataflowDescriptor(): Promise<unknown> {
    if ("descriptor" in this.#config) return structuredClone(this.#config.descriptor);
    const file = this.#config.descriptor_file;
    if (!file) throw new Error("the dora daemon did not hand this node the dataflow descriptor");
    return JSON.parse(await Deno.readTextFile(file));
  }

  /** This node's entry of the dataflow file. */
  get nodeConfig(): Record<string, unknown> {
    return structuredClone(this.#config.node_config ?? { id: this.id, outputs: this.outputs });
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
