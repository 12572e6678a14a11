/**
 * A node's output: its two FIFOs (created before the spawn, reopened on adoption), split into
 * lines, timestamped as read, parsed (a JSON line with `level` and `message` is a structured
 * record, anything else a plain line), filtered by the node's `min_log_level`, appended to the
 * node's log file (rotated at its `max_log_size`) and handed to a sink.
 */
import type { LogSettings } from "../descriptor/types.ts";
import { type LogRecord, type LogStream, nodeLogFile, recordLevel } from "../logs/format.ts";
import { passesLevel } from "../logs/levels.ts";
import { parseStructured } from "../logs/structured.ts";
import { LogWriter } from "../logs/writer.ts";
import { type FifoHandle, fifoPoller } from "./fifo.ts";
import { mkfifo } from "./libc.ts";
import { LineSplitter } from "./lines.ts";

interface Stream {
  stream: LogStream;
  path: string;
  handle: FifoHandle;
  splitter: LineSplitter;
}

/**
 * Where the lines of a node go once logged: the lines as read (for `send_stdout_as` and the
 * stderr tail, before any filter), and the records kept (parsed, past `min_log_level`).
 */
export type LineSink = (
  stream: LogStream,
  lines: string[],
  records: LogRecord[],
  time: number,
) => void;

/** One node's output streams and log file. */
export class NodeOutput {
  #streams: Stream[] = [];
  #log: LogWriter;
  #minLevel: LogSettings["minLevel"];

  constructor(
    private readonly id: string,
    private readonly stateDir: string,
    logDir: string,
    private readonly sink: LineSink,
    onWarning: (message: string) => void,
    logs: LogSettings = {},
  ) {
    this.#log = new LogWriter(nodeLogFile(logDir, id), {
      onWarning,
      maxBytes: logs.maxBytes,
      keep: logs.maxRotatedFiles,
    });
    this.#minLevel = logs.minLevel;
  }

  /** The FIFO paths: `[stdout, stderr]`. */
  get fifos(): [string, string] {
    return [`${this.stateDir}/${this.id}.stdout`, `${this.stateDir}/${this.id}.stderr`];
  }

  /** Starts reading the FIFOs; `create` makes fresh ones first (before a spawn). */
  open(create: boolean): void {
    const [stdout, stderr] = this.fifos;
    for (const [stream, path] of [["stdout", stdout], ["stderr", stderr]] as const) {
      if (create) {
        try {
          Deno.removeSync(path);
        } catch {
          // not there
        }
        mkfifo(path);
      }
      const splitter = new LineSplitter();
      const handle = fifoPoller.watch(
        path,
        (chunk) => this.write(stream, splitter.push(chunk)),
        () => this.write(stream, splitter.flush()),
      );
      this.#streams.push({ stream, path, handle, splitter });
    }
  }

  /** Reads and hands on every complete line buffered now (the FIFOs stay open). */
  drain(): void {
    for (const output of this.#streams) output.handle.drain();
  }

  /** Reads what is left, then stops reading and removes the FIFOs. */
  close(): void {
    for (const output of this.#streams.splice(0)) {
      output.handle.drain();
      this.write(output.stream, output.splitter.flush());
      output.handle.close();
      try {
        Deno.removeSync(output.path);
      } catch {
        // already gone
      }
    }
  }

  /** Parses, filters and logs `lines` (all stamped now) and passes them on. */
  write(stream: LogStream, lines: string[]): void {
    if (lines.length === 0) return;
    const time = Date.now();
    const records: LogRecord[] = [];
    for (const text of lines) {
      const structured = stream === "dora" ? undefined : parseStructured(text);
      const record: LogRecord = structured
        ? { time, stream, text: structured.message, level: structured.level }
        : { time, stream, text };
      if (structured?.target !== undefined) record.target = structured.target;
      if (structured?.fields !== undefined) record.fields = structured.fields;
      // Supervisor lines are never filtered: they say what happened to the node.
      if (
        stream !== "dora" && this.#minLevel && !passesLevel(recordLevel(record), this.#minLevel)
      ) {
        continue;
      }
      records.push(record);
    }
    this.#log.append(records);
    this.sink(stream, lines, records, time);
  }

  /** Releases the log file. */
  closeLog(): void {
    this.#log.close();
  }
}
