/**
 * Turns a stream of changed paths into calls of a reload action: a trailing debounce (the
 * action runs once the paths have been quiet for `delayMs`), a cap (`maxWaitMs`) so a file
 * that never stops changing cannot starve real edits, and no overlap: paths that arrive while
 * the action runs are kept and produce exactly one more call after it. No I/O; the clock is
 * injectable so the state machine is tested without waiting.
 */
import { errorMessage } from "../errors.ts";

/** The time source and timers the batcher uses. */
export interface Clock {
  now(): number;
  /** Returns a handle that only `clearTimeout` needs to understand. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Options for `ChangeBatcher`. */
export interface BatcherOptions {
  /** Quiet time after the last change before the action runs, ms. */
  delayMs: number;
  /**
   * Longest a change waits while others keep arriving, ms; default ten times `delayMs`, at
   * least one second.
   */
  maxWaitMs?: number;
  /** The reload action; gets the changed paths, deduplicated and sorted. */
  run: (paths: string[]) => Promise<void> | void;
  /** Called with anything `run` throws (default: printed to stderr); the batcher carries on. */
  onError?: (err: unknown) => void;
  clock?: Clock;
}

/** Debounces and serialises reload actions; see the module comment. */
export class ChangeBatcher {
  readonly #opts: Required<BatcherOptions>;
  #pending = new Set<string>();
  #firstAt = 0;
  #lastAt = 0;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(opts: BatcherOptions) {
    this.#opts = {
      delayMs: opts.delayMs,
      maxWaitMs: opts.maxWaitMs ?? Math.max(1000, opts.delayMs * 10),
      run: opts.run,
      onError: opts.onError ??
        ((err) => console.error(`Error: hot reload failed: ${errorMessage(err)}`)),
      clock: opts.clock ?? systemClock,
    };
  }

  /** Records changed paths; the action runs once they have been quiet for `delayMs`. */
  add(paths: Iterable<string>): void {
    if (this.#closed) return;
    const now = this.#opts.clock.now();
    const wasEmpty = this.#pending.size === 0;
    let added = false;
    for (const path of paths) {
      this.#pending.add(path);
      added = true;
    }
    if (!added) return;
    if (wasEmpty) this.#firstAt = now;
    this.#lastAt = now;
    if (!this.#running) this.#schedule();
  }

  /** Paths waiting for the next call. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Whether the action is running now. */
  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Drops pending paths and stops the timer; resolves once a running action has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.clear();
    if (this.#timer !== undefined) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(): void {
    const { clock, delayMs, maxWaitMs } = this.#opts;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    const due = Math.min(this.#lastAt + delayMs, this.#firstAt + maxWaitMs);
    this.#timer = clock.setTimeout(() => this.#fire(), Math.max(0, due - clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#closed || this.#running || this.#pending.size === 0) return;
    const paths = [...this.#pending].sort();
    this.#pending.clear();
    const call = this.#call(paths);
    this.#running = call;
    call.then(() => {
      this.#running = undefined;
      // Changes seen during the action: one more call, still debounced from the last of them.
      if (!this.#closed && this.#pending.size > 0) this.#schedule();
    });
  }

  async #call(paths: string[]): Promise<void> {
    try {
      await this.#opts.run(paths);
    } catch (err) {
      this.#opts.onError(err);
    }
  }
}
