/**
 * The queue between a tap and its client: bounded, dropping its oldest message when full (and
 * counting it), so a client that reads slowly loses its own messages and nothing else. The
 * transport pushes on its event loop; the client's stream takes when the client can read.
 * Pure apart from a promise to wait on.
 */
import type { TappedMessage, TapSink } from "./types.ts";

/** Messages held at most by default, per client. */
export const DEFAULT_TAP_QUEUE = 256;
/** Payload bytes held at most per client; past that the oldest messages go. */
export const TAP_QUEUE_BYTES = 16 * 1024 * 1024;

/** A bounded queue that is a `TapSink`. */
export class TapQueue implements TapSink {
  #items: TappedMessage[] = [];
  #head = 0;
  #bytes = 0;
  #wake: (() => void) | undefined;
  /** Messages dropped because the client did not keep up. */
  dropped = 0;
  /** Messages handed to the client. */
  taken = 0;
  /** Set once the transport said no more messages will come. */
  ended: string | undefined;

  constructor(
    readonly maxBytes: number,
    readonly capacity: number = DEFAULT_TAP_QUEUE,
    readonly byteBudget: number = TAP_QUEUE_BYTES,
  ) {}

  /** Messages waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  message(message: TappedMessage): void {
    if (this.ended !== undefined) return;
    this.#items.push(message);
    this.#bytes += message.payload.length;
    while (this.length > this.capacity || (this.#bytes > this.byteBudget && this.length > 1)) {
      const old = this.#items[this.#head++]!;
      this.#bytes -= old.payload.length;
      this.dropped++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#signal();
  }

  end(reason: string): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves once a message is waiting or the queue has ended (at once if so already). */
  wait(): Promise<void> {
    if (this.length > 0 || this.ended !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#wake = resolve);
  }

  /** Wakes a pending `wait` without a message (the client went away). */
  interrupt(): void {
    this.#signal();
  }

  /** Every waiting message, oldest first. */
  take(): TappedMessage[] {
    const out = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    this.taken += out.length;
    return out;
  }
}
