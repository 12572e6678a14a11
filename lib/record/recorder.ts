/**
 * The recorder: takes tapped messages (from an in-process tap in `dora run --record`, or from
 * the tap API in `dora record`) and streams them into an MCAP file.
 *
 * Memory stays bounded: messages wait in a queue of at most `DORA_RECORD_QUEUE_BYTES` (64 MiB)
 * while the file is written (past that the oldest are dropped and counted, never the
 * dataflow's), and the MCAP writer holds only the chunk it is building (512 KiB) before it goes
 * to disk. `close` writes the summary and footer; a recorder that is killed leaves a file that
 * reads up to its last complete chunk (`record --info` and `replay` read such files too).
 */
import { McapWriter } from "../../deps/mcap.ts";
import { type Arrow, loadArrow } from "../../node/ts/arrow.ts";
import { Kind } from "../../node/ts/values.ts";
import { VERSION } from "../config.ts";
import { errorMessage } from "../errors.ts";
import {
  arrowSchemaData,
  type ChannelSpec,
  encodeArrowMessage,
  type EncodedMessage,
  encodeJsonMessage,
  type Encoding,
  MESSAGE_ENCODING,
  type RecordInput,
  SCHEMA_ENCODING,
} from "./codec.ts";
import { FileWritable } from "./mcap_io.ts";

/** The MCAP header's profile for files `dora record` writes. */
export const PROFILE = "dora";
/** Metadata record names. */
export const DATAFLOW_METADATA = "dora.dataflow";
export const RECORDING_METADATA = "dora.recording";
/** Messages go to disk in chunks of about this size (`DORA_RECORD_CHUNK_BYTES`). */
export const CHUNK_BYTES = 512 * 1024;
/** The payload bytes a recorder asks a tap for: whole messages. */
export const RECORD_MAX_BYTES = 2 ** 31;

/** The dataflow being recorded, as the metadata describes it. */
export interface RecordedDataflow {
  name: string;
  uuid: string;
  /** The YAML file it was started from, and its text when it could be read. */
  file?: string;
  yaml?: string;
  /** `NODE/OUTPUT` asked for, or null for every output. */
  topics: string[] | null;
  /** `daemon` or `run`. */
  host: string;
}

/** Options of `Recorder.create`. */
export interface RecorderOptions {
  path: string;
  encoding: Encoding;
  dataflow: RecordedDataflow;
  /** Overwrite an existing file. */
  overwrite?: boolean;
  /** Problems worth a line on stderr (the first undecodable message...). */
  warn?: (message: string) => void;
}

/** What a finished recording holds. */
export interface RecordingSummary {
  path: string;
  messages: number;
  topics: number;
  bytes: number;
  /** Messages dropped because the file could not be written fast enough. */
  dropped: number;
  /** Messages that could not be recorded (cut short by the tap, undecodable). */
  skipped: number;
  /** From the first to the last message, ms. */
  durationMs: number;
}

/** `recording_20261121_060000.mcap`, in the current folder. */
export function defaultRecordingName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `recording_${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}_${
    p(now.getHours())
  }${p(now.getMinutes())}${p(now.getSeconds())}.mcap`;
}

function bytesSetting(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** An MCAP file being written; a `TapSink` too. */
export class Recorder {
  readonly maxBytes = RECORD_MAX_BYTES;
  #file: Deno.FsFile;
  #writer: McapWriter;
  #arrow: Arrow | undefined;
  #queue: RecordInput[] = [];
  #queuedBytes = 0;
  #budget = bytesSetting("DORA_RECORD_QUEUE_BYTES", 64 * 1024 * 1024);
  #pumping: Promise<void> | undefined;
  #channels = new Map<string, { id: number; seq: number }>();
  /** Per topic: messages and payload bytes written (for `record --info`). */
  #topics = new Map<string, { messages: number; bytes: number }>();
  #warned = new Set<string>();
  #closed: Promise<RecordingSummary> | undefined;
  #endReason: string | undefined;
  #onEnd: ((reason: string) => void) | undefined;
  #first = Infinity;
  #last = -Infinity;
  messages = 0;
  dropped = 0;
  skipped = 0;
  /** Resolves with the reason once the tap says no more messages will come. */
  readonly ended: Promise<string>;

  private constructor(
    readonly opts: RecorderOptions,
    file: Deno.FsFile,
    writer: McapWriter,
    arrow: Arrow | undefined,
  ) {
    this.#file = file;
    this.#writer = writer;
    this.#arrow = arrow;
    this.ended = new Promise((resolve) => this.#onEnd = resolve);
  }

  /** Opens the file and writes the header and the dataflow's metadata. */
  static async create(opts: RecorderOptions): Promise<Recorder> {
    const arrow = opts.encoding === "arrow" ? await loadArrow() : undefined;
    const file = await Deno.open(opts.path, {
      write: true,
      create: true,
      truncate: true,
      createNew: !opts.overwrite,
      mode: 0o600,
    });
    const writer = new McapWriter({
      writable: new FileWritable(file),
      chunkSize: bytesSetting("DORA_RECORD_CHUNK_BYTES", CHUNK_BYTES),
    });
    try {
      await writer.start({ profile: PROFILE, library: `dora ${VERSION}` });
      const d = opts.dataflow;
      const data = new Map<string, string>([
        ["name", d.name],
        ["uuid", d.uuid],
        ["host", d.host],
        ["encoding", opts.encoding],
        ["topics", d.topics === null ? "all" : d.topics.join(",")],
        ["started_at", new Date().toISOString()],
        ["recorded_with", `dora ${VERSION}`],
      ]);
      if (d.file !== undefined) data.set("file", d.file);
      if (d.yaml !== undefined) data.set("yaml", d.yaml);
      await writer.addMetadata({ name: DATAFLOW_METADATA, metadata: data });
    } catch (err) {
      file.close();
      throw err;
    }
    return new Recorder(opts, file, writer, arrow);
  }

  /** Queues a message (called on the tap's event loop: returns at once). */
  message(m: RecordInput & { size?: number }): void {
    if (this.#closed) return;
    if (m.size !== undefined && m.payload.length < m.size) {
      this.skipped++;
      this.#warnOnce("cut", `a message of ${m.node}/${m.output} was cut short by the tap; skipped`);
      return;
    }
    this.#queue.push(m);
    this.#queuedBytes += m.payload.length;
    while (this.#queuedBytes > this.#budget && this.#queue.length > 1) {
      this.#queuedBytes -= this.#queue.shift()!.payload.length;
      this.dropped++;
    }
    this.#pumping ??= this.#pump();
  }

  /** The tap's end (the dataflow ended). */
  end(reason: string): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    this.#onEnd?.(reason);
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.opts.warn?.(message);
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const m = this.#queue.shift()!;
        this.#queuedBytes -= m.payload.length;
        await this.#write(m);
      }
    } finally {
      this.#pumping = undefined;
    }
  }

  async #encode(m: RecordInput): Promise<EncodedMessage> {
    if (this.opts.encoding === "arrow") return encodeArrowMessage(this.#arrow!, m);
    if (m.kind === Kind.ARROW) this.#arrow ??= await loadArrow();
    return encodeJsonMessage(m, this.#arrow);
  }

  async #write(m: RecordInput): Promise<void> {
    let encoded: EncodedMessage;
    try {
      encoded = await this.#encode(m);
    } catch (err) {
      this.skipped++;
      this.#warnOnce(
        `bad:${m.node}/${m.output}`,
        `a message of ${m.node}/${m.output} could not be recorded: ${errorMessage(err)}`,
      );
      return;
    }
    const channel = await this.#channel(encoded);
    const logTime = BigInt(Math.round(m.routedMs * 1e6));
    const publishTime = m.timestampNs > 0 ? BigInt(Math.round(m.timestampNs)) : logTime;
    await this.#writer.addMessage({
      channelId: channel.id,
      sequence: channel.seq++,
      logTime,
      publishTime,
      data: encoded.data,
    });
    this.messages++;
    const topic = this.#topics.get(encoded.channel.topic);
    if (topic) {
      topic.messages++;
      topic.bytes += encoded.data.length;
    }
    this.#first = Math.min(this.#first, m.routedMs);
    this.#last = Math.max(this.#last, m.routedMs);
  }

  async #channel(encoded: EncodedMessage): Promise<{ id: number; seq: number }> {
    const spec: ChannelSpec = encoded.channel;
    const known = this.#channels.get(spec.key);
    if (known) return known;
    const encoding = this.opts.encoding;
    const schemaData = encoding === "arrow"
      ? arrowSchemaData(this.#arrow!, encoded.data)
      : spec.schemaData;
    const schemaId = await this.#writer.registerSchema({
      name: spec.schemaName,
      encoding: SCHEMA_ENCODING[encoding],
      data: schemaData,
    });
    const id = await this.#writer.registerChannel({
      topic: spec.topic,
      messageEncoding: MESSAGE_ENCODING[encoding],
      schemaId,
      metadata: spec.metadata,
    });
    const channel = { id, seq: 0 };
    this.#channels.set(spec.key, channel);
    if (!this.#topics.has(spec.topic)) this.#topics.set(spec.topic, { messages: 0, bytes: 0 });
    return channel;
  }

  /**
   * Writes what is queued, the recording's closing metadata, the summary and the footer, and
   * closes the file. `tapDropped`: messages the tap itself dropped (a remote tap's count).
   */
  close(tapDropped = 0): Promise<RecordingSummary> {
    this.#closed ??= (async () => {
      try {
        while (this.#pumping) await this.#pumping;
        this.dropped += tapDropped;
        await this.#writer.addMetadata({
          name: RECORDING_METADATA,
          metadata: new Map([
            ["ended_at", new Date().toISOString()],
            ["messages", String(this.messages)],
            ["dropped", String(this.dropped)],
            ["skipped", String(this.skipped)],
            ["end", this.#endReason ?? "stopped by the user"],
            ["topics", JSON.stringify(Object.fromEntries(this.#topics))],
          ]),
        });
        await this.#writer.end();
      } finally {
        this.#file.close();
      }
      const { size } = await Deno.stat(this.opts.path);
      return {
        path: this.opts.path,
        messages: this.messages,
        topics: this.#topics.size,
        bytes: size,
        dropped: this.dropped,
        skipped: this.skipped,
        durationMs: this.messages > 0 ? this.#last - this.#first : 0,
      };
    })();
    return this.#closed;
  }
}
