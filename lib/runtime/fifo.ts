/**
 * Reads node output FIFOs without tying up a thread per FIFO: every watched FIFO is opened
 * non-blocking and one `poll` (on one worker thread) waits on all of them. Data is handed to the
 * watcher synchronously, in the order it was read.
 */
import {
  closeFd,
  makePipe,
  openNonBlockingRead,
  POLLERR,
  pollFds,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  readFd,
  writeFd,
} from "./libc.ts";

/** Bytes per read; also the largest chunk a watcher receives. */
const CHUNK = 64 * 1024;
/** Reads per FIFO per wake-up, so one flooding node cannot starve the others. */
const READS_PER_TURN = 4;

/** A watched FIFO. */
export interface FifoHandle {
  /** Reads and delivers everything buffered in the FIFO right now. */
  drain(): void;
  /** Stops watching and closes the descriptor (after a last `drain` if you need the data). */
  close(): void;
  readonly closed: boolean;
}

interface Entry {
  fd: number;
  onData: (chunk: Uint8Array) => void;
  onEnd: () => void;
  closed: boolean;
}

/** One poll loop for any number of FIFOs. Use the shared `fifoPoller`. */
export class FifoPoller {
  #entries = new Set<Entry>();
  #buffer = new Uint8Array(CHUNK);
  #wake: [number, number] | undefined;
  #polling = false;
  /** Descriptors whose close waits until the pending poll returns (fd numbers are reused). */
  #toClose: number[] = [];

  /**
   * Opens `path` (a FIFO) for reading and calls `onData` with each chunk read (the array is
   * only valid during the call) and `onEnd` once every writer has gone and the FIFO is empty.
   */
  watch(path: string, onData: (chunk: Uint8Array) => void, onEnd: () => void): FifoHandle {
    const entry: Entry = { fd: openNonBlockingRead(path), onData, onEnd, closed: false };
    this.#entries.add(entry);
    this.#kick();
    return {
      drain: () => {
        if (!entry.closed) this.#read(entry, Infinity);
      },
      close: () => this.#close(entry),
      get closed() {
        return entry.closed;
      },
    };
  }

  /** Reads up to `turns` chunks; returns false when the FIFO reached its end (then closed). */
  #read(entry: Entry, turns: number): boolean {
    for (let i = 0; i < turns; i++) {
      const n = readFd(entry.fd, this.#buffer);
      if (n > 0) {
        guard(() => entry.onData(this.#buffer.subarray(0, n)));
        if (entry.closed) return false;
        continue;
      }
      if (n === 0) {
        this.#close(entry);
        guard(entry.onEnd);
        return false;
      }
      return true; // EAGAIN: nothing more for now
    }
    return true;
  }

  #close(entry: Entry): void {
    if (entry.closed) return;
    entry.closed = true;
    this.#entries.delete(entry);
    if (this.#polling) {
      this.#toClose.push(entry.fd);
      this.#kick();
    } else {
      closeFd(entry.fd);
    }
  }

  #kick(): void {
    if (this.#polling) {
      if (this.#wake) writeFd(this.#wake[1], new Uint8Array([1]));
      return;
    }
    if (this.#entries.size > 0) {
      this.#loop().catch((err) => console.error(`Warning: output poller stopped: ${err}`));
    }
  }

  async #loop(): Promise<void> {
    this.#wake ??= makePipe();
    this.#polling = true;
    const wakeBuf = new Uint8Array(64);
    try {
      while (this.#entries.size > 0) {
        const list = [...this.#entries];
        const pollfds = new Uint8Array(8 * (list.length + 1));
        const view = new DataView(pollfds.buffer);
        list.forEach((entry, i) => {
          view.setInt32(8 * i, entry.fd, true);
          view.setInt16(8 * i + 4, POLLIN, true);
        });
        view.setInt32(8 * list.length, this.#wake[0], true);
        view.setInt16(8 * list.length + 4, POLLIN, true);
        const ready = await pollFds(pollfds, list.length + 1, -1);
        for (const fd of this.#toClose.splice(0)) closeFd(fd);
        if (ready < 0) {
          // EINTR and friends: try again shortly rather than spin.
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        while (readFd(this.#wake[0], wakeBuf) > 0) { /* emptied */ }
        list.forEach((entry, i) => {
          const revents = view.getInt16(8 * i + 6, true);
          if (entry.closed || revents === 0) return;
          if (revents & POLLNVAL) {
            this.#close(entry);
            guard(entry.onEnd);
            return;
          }
          if (revents & (POLLIN | POLLHUP | POLLERR)) this.#read(entry, READS_PER_TURN);
        });
      }
    } finally {
      this.#polling = false;
      for (const fd of this.#toClose.splice(0)) closeFd(fd);
    }
  }
}

/** Runs a watcher's callback; its failure must not end the loop that serves every FIFO. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    console.error(`Warning: output handler failed: ${err instanceof Error ? err.message : err}`);
  }
}

/** The process-wide poller. */
export const fifoPoller: FifoPoller = new FifoPoller();
