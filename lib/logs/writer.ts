/**
 * Appends a node's log records to `<logDir>/<node>.log`, rotating by size: `node.log` becomes
 * `node.log.1`, `.1` becomes `.2` and so on, keeping `keep` old files. Rotation renames and
 * reopens (a copy + truncate would lose lines written in between). Writing never throws and
 * never blocks the node: when the disk is full or the file cannot be written, lines are
 * counted as dropped, one warning is printed, and writing is retried a little later.
 */
import { settings } from "../config.ts";
import { errorMessage } from "../errors.ts";
import { formatLogRecord, type LogRecord } from "./format.ts";

/** Tuning of a `LogWriter`; defaults come from `settings`. */
export interface LogWriterOptions {
  /** Rotate before the file would grow past this many bytes (`DORA_LOG_MAX_BYTES`). */
  maxBytes?: number;
  /** Rotated files kept (`DORA_LOG_KEEP`). */
  keep?: number;
  /** After a failed write, lines are dropped for this long before the next attempt. */
  retryMs?: number;
  /** Where the one warning per outage goes (default: stderr). */
  onWarning?: (message: string) => void;
}

const encoder = new TextEncoder();

/** One node's log file. */
export class LogWriter {
  #file: Deno.FsFile | undefined;
  #size = 0;
  #failedUntil = 0;
  #warned = false;
  #droppedSinceFailure = 0;
  #dropped = 0;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #retryMs: number;
  readonly #warn: (message: string) => void;

  /** A writer for `path` (opened on the first `append`). */
  constructor(readonly path: string, opts: LogWriterOptions = {}) {
    this.#maxBytes = Math.max(1, opts.maxBytes ?? settings.logMaxBytes());
    this.#keep = Math.max(1, opts.keep ?? settings.logKeep());
    this.#retryMs = opts.retryMs ?? 1000;
    this.#warn = opts.onWarning ?? ((message) => console.error(`Warning: ${message}`));
  }

  /** Lines lost to write errors so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Appends records, in order. Never throws. */
  append(records: LogRecord[]): void {
    if (records.length === 0) return;
    if (Date.now() < this.#failedUntil) {
      this.#drop(records.length);
      return;
    }
    const note: LogRecord | undefined = this.#droppedSinceFailure > 0
      ? {
        time: Date.now(),
        stream: "dora",
        text: `${this.#droppedSinceFailure} log lines were dropped: the log could not be written`,
      }
      : undefined;
    const pending = note ? [note, ...records] : records;
    let flushed = 0;
    try {
      this.#open();
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      for (const [i, record] of pending.entries()) {
        const bytes = encoder.encode(formatLogRecord(record));
        const size = this.#size + batchBytes;
        if (size > 0 && size + bytes.length > this.#maxBytes) {
          this.#write(batch, batchBytes);
          flushed = i;
          batch = [];
          batchBytes = 0;
          this.#rotate();
        }
        batch.push(bytes);
        batchBytes += bytes.length;
      }
      this.#write(batch, batchBytes);
      flushed = pending.length;
    } catch (err) {
      if (note && flushed > 0) this.#recovered();
      this.#fail(err, pending.slice(flushed).filter((r) => r !== note).length);
      return;
    }
    if (note) this.#recovered();
  }

  /** The note about dropped lines is in the file: a new outage gets a new warning. */
  #recovered(): void {
    this.#droppedSinceFailure = 0;
    this.#warned = false;
  }

  /** Closes the file; a later `append` reopens it. */
  close(): void {
    try {
      this.#file?.close();
    } catch {
      // already closed
    }
    this.#file = undefined;
  }

  #open(): void {
    if (this.#file) return;
    const options = { append: true, create: true, mode: 0o600 } as const;
    try {
      this.#file = Deno.openSync(this.path, options);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      Deno.mkdirSync(this.path.slice(0, this.path.lastIndexOf("/")), {
        recursive: true,
        mode: 0o700,
      });
      this.#file = Deno.openSync(this.path, options);
    }
    this.#size = this.#file.statSync().size;
  }

  #write(chunks: Uint8Array[], total: number): void {
    if (total === 0) return;
    const data = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
    let done = 0;
    while (done < data.length) done += this.#file!.writeSync(data.subarray(done));
    this.#size += data.length;
  }

  #rotate(): void {
    this.close();
    for (let i = this.#keep - 1; i >= 1; i--) {
      renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameIfExists(this.path, `${this.path}.1`);
    this.#open();
  }

  #fail(err: unknown, lost: number): void {
    this.close();
    this.#failedUntil = Date.now() + this.#retryMs;
    this.#drop(lost);
    if (!this.#warned) {
      this.#warned = true;
      this.#warn(
        `cannot write ${this.path}: ${errorMessage(err)}; dropping log lines until it works again`,
      );
    }
  }

  #drop(count: number): void {
    this.#dropped += count;
    this.#droppedSinceFailure += count;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    Deno.renameSync(from, to);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
