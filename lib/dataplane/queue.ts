/**
 * The events waiting for one node, in arrival order. Messages count against their input's
 * capacity (its `queue_size`, or ten times that for `queue_policy: backpressure`): when an input
 * is full its oldest message is dropped (and counted), so a slow node always gets the freshest
 * data. Control events (INPUT_CLOSED, INPUT_RECOVERED, STOP, ERROR) are never dropped. Pure: no
 * I/O.
 */

/** One waiting event. */
export interface QueueEntry {
  /** Frame type (INPUT, INPUT_CLOSED, STOP, ERROR). */
  type: number;
  /** The input it belongs to (INPUT, INPUT_CLOSED). */
  input?: string;
  /** The input id, UTF-8 encoded once per route (INPUT). */
  idBytes?: Uint8Array;
  /** Encoded message (INPUT). */
  message?: Uint8Array;
  /** Text body (INPUT_CLOSED id, ERROR message). */
  text?: string;
  /** Shared-memory file the message refers to, for reference counting. */
  shm?: string;
  /** Set when the entry was dropped while still in the arrival list. */
  dropped?: boolean;
}

/** Per-input counters. */
export interface InputCounters {
  received: number;
  dropped: number;
  queueSize: number;
}

class InputLane {
  entries: QueueEntry[] = [];
  head = 0;
  counters: InputCounters;
  constructor(queueSize: number, readonly capacity: number) {
    this.counters = { received: 0, dropped: 0, queueSize };
  }
  get length(): number {
    return this.entries.length - this.head;
  }
  shift(): QueueEntry | undefined {
    if (this.head >= this.entries.length) return undefined;
    const entry = this.entries[this.head++];
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}

/** The waiting events of one node. */
export class EventQueue {
  #lanes = new Map<string, InputLane>();
  /** Arrival order; dropped entries stay in it (marked) until compacted. */
  #order: QueueEntry[] = [];
  #live = 0;

  /**
   * `inputs`: input id → queue size (at least 1), and optionally how many messages it may hold
   * (default: the queue size).
   */
  constructor(inputs: Iterable<[string, number] | [string, number, number]>) {
    for (const [id, size, capacity] of inputs) {
      const n = Math.max(1, size);
      this.#lanes.set(id, new InputLane(n, Math.max(n, capacity ?? n)));
    }
  }

  /** Events waiting (dropped ones excluded). */
  get length(): number {
    return this.#live;
  }

  /**
   * Queues an event. Returns the message dropped to make room for it, if any (so its
   * shared-memory reference can be released).
   */
  push(entry: QueueEntry): QueueEntry | undefined {
    let dropped: QueueEntry | undefined;
    if (entry.message !== undefined && entry.input !== undefined) {
      const lane = this.#lanes.get(entry.input);
      if (lane) {
        if (lane.length >= lane.capacity) {
          dropped = lane.shift();
          if (dropped) {
            dropped.dropped = true;
            lane.counters.dropped++;
            this.#live--;
          }
        }
        lane.entries.push(entry);
      }
    }
    this.#order.push(entry);
    this.#live++;
    // A node that never asks for events must not make the list grow without bound.
    if (this.#order.length > 1024 && this.#order.length > 4 * this.#live) {
      this.#order = this.#order.filter((e) => !e.dropped);
    }
    return dropped;
  }

  /** Removes and returns every waiting event, oldest first; delivered messages are counted. */
  takeAll(): QueueEntry[] {
    const out: QueueEntry[] = [];
    for (const entry of this.#order) {
      if (entry.dropped) continue;
      out.push(entry);
      if (entry.message !== undefined && entry.input !== undefined) {
        const lane = this.#lanes.get(entry.input);
        if (lane) {
          lane.shift();
          lane.counters.received++;
        }
      }
    }
    this.#order = [];
    this.#live = 0;
    return out;
  }

  /** Removes every waiting event without counting it as received (node gone, or purge). */
  clear(): QueueEntry[] {
    const out = this.#order.filter((e) => !e.dropped);
    this.#order = [];
    this.#live = 0;
    for (const lane of this.#lanes.values()) {
      lane.entries = [];
      lane.head = 0;
    }
    return out;
  }

  /** Removes waiting events of one frame type (e.g. a stale STOP before a restart). */
  removeType(type: number): void {
    for (const entry of this.#order) {
      if (entry.type === type && !entry.dropped && entry.message === undefined) {
        entry.dropped = true;
        this.#live--;
      }
    }
  }

  /** Entries held, dropped ones included (for tests of the compaction). */
  get held(): number {
    return this.#order.length;
  }

  /** Counters per input. */
  counters(): Record<string, InputCounters> {
    const out: Record<string, InputCounters> = {};
    for (const [id, lane] of this.#lanes) out[id] = { ...lane.counters };
    return out;
  }

  /** Messages of one input waiting now. */
  queued(id: string): number {
    return this.#lanes.get(id)?.length ?? 0;
  }

  /** Counters of one input (live object). */
  lane(id: string): InputCounters | undefined {
    return this.#lanes.get(id)?.counters;
  }
}
