/**
 * A node's output: its two FIFOs (created before the spawn, reopened on adoption), split into
 * lines, timestamped as read, appended to the node's log file and handed to a sink.
 */
import { type LogStream, nodeLogFile } from "../logs/format.ts";
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

/** Where the lines of a node go once logged. */
export type LineSink = (stream: LogStream, lines: string[], time: number) => void;

/** One node's output streams and log file. */
export class NodeOutput {
  #streams: Stream[] = [];
  #log: LogWriter;

  constructor(
    private readonly id: string,
    private readonly stateDir: string,
    logDir: string,
    private readonly sink: LineSink,
    onWarning: (message: string) => void,
  ) {
    this.#log = new LogWriter(nodeLogFile(logDir, id), { onWarning });
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

  /** Logs `lines` (all stamped now) and passes them on. */
  write(stream: LogStream, lines: string[]): void {
    if (lines.length === 0) return;
    const time = Date.now();
    this.#log.append(lines.map((text) => ({ time, stream, text })));
    this.sink(stream, lines, time);
  }

  /** Releases the log file. */
  closeLog(): void {
    this.#log.close();
  }
}
