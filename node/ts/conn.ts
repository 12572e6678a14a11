/**
 * A framed connection over a Deno stream socket: a read loop that hands out complete frames,
 * and a write side that coalesces every frame queued in the same turn into one write.
 * Used by the node library and by the daemon's broker.
 */
import { FrameBatch, parseFrames } from "./frames.ts";

const READ_CHUNK = 64 * 1024;
/** Above this many queued bytes, senders wait for the socket to drain. */
export const HIGH_WATER = 4 * 1024 * 1024;

/** What a framed connection needs from a socket. */
export interface ByteStream {
  read(buf: Uint8Array): Promise<number | null>;
  write(buf: Uint8Array): Promise<number>;
  close(): void;
}

/** Frames in, frames out. `body` views are only valid during the `onFrame` call. */
export class FrameConn {
  readonly batch = new FrameBatch();
  #stream: ByteStream;
  #flushing: Promise<void> | null = null;
  #closed = false;
  /** Resolves when the read side has ended (EOF, error or close()). */
  readonly ended: Promise<void>;

  constructor(
    stream: ByteStream,
    onFrame: (type: number, body: Uint8Array) => void,
    /** Called once, when the connection is gone (either side), with the reason when abnormal. */
    onClose: (error?: unknown) => void,
  ) {
    this.#stream = stream;
    this.ended = this.#readLoop(onFrame).then(
      () => this.#shutdown(onClose),
      (err) => this.#shutdown(onClose, err),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  #shutdown(onClose: (error?: unknown) => void, error?: unknown): void {
    this.close();
    onClose(error);
  }

  async #readLoop(onFrame: (type: number, body: Uint8Array) => void): Promise<void> {
    let buf = new Uint8Array(READ_CHUNK);
    let end = 0;
    let want = 0;
    const need = (total: number) => want = total;
    while (!this.#closed) {
      if (want > buf.length) {
        const bigger = new Uint8Array(want);
        bigger.set(buf.subarray(0, end));
        buf = bigger;
      }
      let n: number | null;
      try {
        n = await this.#stream.read(buf.subarray(end));
      } catch (err) {
        if (this.#closed) return;
        if (err instanceof Deno.errors.BadResource || err instanceof Deno.errors.ConnectionReset) {
          return;
        }
        throw err;
      }
      if (n === null) return;
      end += n;
      want = 0;
      const used = parseFrames(buf, end, onFrame, need);
      if (used > 0) {
        buf.copyWithin(0, used, end);
        end -= used;
        if (buf.length > 4 * READ_CHUNK && end <= READ_CHUNK && want <= READ_CHUNK) {
          // A large frame is done: give its memory back instead of keeping it forever.
          const small = new Uint8Array(READ_CHUNK);
          small.set(buf.subarray(0, end));
          buf = small;
        }
      }
    }
  }

  /** Writes everything queued in `batch` (once the current turn ends). */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#closed) return Promise.resolve();
    this.#flushing = (async () => {
      // Let the rest of this turn queue its frames too: one write instead of many. A few
      // microtask turns, so that the READY a node's loop sends right after `await sendOutput()`
      // travels in the same write as the OUTPUT (one wake-up of the daemon instead of two).
      for (let i = 0; i < 8; i++) await Promise.resolve();
      try {
        while (this.batch.pending && !this.#closed) {
          for (const chunk of this.batch.take()) await this.#writeAll(chunk);
        }
      } catch {
        this.close();
      } finally {
        this.#flushing = null;
      }
    })();
    return this.#flushing;
  }

  async #writeAll(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.length) at += await this.#stream.write(chunk.subarray(at));
  }

  /** Resolves when queued data has been written (or the connection closed). */
  async drained(): Promise<void> {
    while (this.#flushing && !this.#closed) await this.#flushing;
  }

  /** Closes both directions; the read loop ends and `onClose` runs. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#stream.close();
    } catch {
      // already closed
    }
  }

  /** Writes what is queued, then closes. */
  async closeAfterFlush(): Promise<void> {
    await this.flush();
    await this.drained();
    this.close();
  }
}
