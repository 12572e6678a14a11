/**
 * Reference counts of shared-memory payload files. A sender's file is referenced by every
 * queue entry and every receiver that has been handed it but not yet released it; at zero the
 * sender is told it may reuse the file (FREE), or, if the sender is gone, the file is deleted.
 */
import type { FrameConn } from "../../node/ts/conn.ts";
import { decodeMessage, Frame } from "../../node/ts/frames.ts";

interface Ref {
  owner: FrameConn;
  count: number;
}

/** Shared-memory bookkeeping for one dataflow. */
export class SharedFiles {
  /** The private folder holding the files, or null when shared memory is off. */
  readonly dir: string | null;
  #refs = new Map<string, Ref>();
  #prefixes = new Map<FrameConn, string>();
  #held = new Map<FrameConn, Map<string, number>>();

  constructor(dir: string | null) {
    this.dir = dir;
  }

  /** Gives a new connection its file-name prefix (null when shared memory is off). */
  registerConnection(nodeId: string, conn: FrameConn): string | null {
    if (!this.dir) return null;
    const existing = this.#prefixes.get(conn);
    if (existing) return existing;
    const rand = crypto.getRandomValues(new Uint8Array(4));
    const prefix = `${nodeId}@${[...rand].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    this.#prefixes.set(conn, prefix);
    return prefix;
  }

  /**
   * A sender put a file into a message: checks it owns the name and holds one reference while
   * the message is routed (see `unclaimed`). Returns the name, or undefined if not allowed.
   */
  claim(conn: FrameConn, message: Uint8Array): string | undefined {
    const prefix = this.#prefixes.get(conn);
    if (!prefix) return undefined;
    const name = decodeMessage(message).shm?.name;
    if (!name || !name.startsWith(`${prefix}.`) || name.includes("/")) return undefined;
    if (this.#refs.has(name)) return undefined; // reused before FREE: a client bug
    this.#refs.set(name, { owner: conn, count: 1 });
    return name;
  }

  /** Routing is done: drops the reference `claim` took. */
  unclaimed(name: string): void {
    this.#decrement(name);
  }

  /** A queue entry now refers to the file. */
  retain(name: string): void {
    const ref = this.#refs.get(name);
    if (ref) ref.count++;
  }

  /** The queue entry was sent to `receiver`, which now holds the reference until RELEASE. */
  delivered(name: string, receiver: FrameConn): void {
    let held = this.#held.get(receiver);
    if (!held) this.#held.set(receiver, held = new Map());
    held.set(name, (held.get(name) ?? 0) + 1);
  }

  /** Drops one reference: a dropped queue entry, or (with `receiver`) a RELEASE frame. */
  release(name: string, receiver?: FrameConn): void {
    if (receiver) {
      const held = this.#held.get(receiver);
      const n = held?.get(name);
      if (!held || n === undefined) return; // not ours to release
      if (n <= 1) held.delete(name);
      else held.set(name, n - 1);
    }
    this.#decrement(name);
  }

  #decrement(name: string): void {
    const ref = this.#refs.get(name);
    if (!ref || --ref.count > 0) return;
    this.#refs.delete(name);
    if (!ref.owner.closed) {
      ref.owner.batch.text(Frame.FREE, name);
      ref.owner.flush();
    } else {
      this.#unlink(name);
    }
  }

  /** A connection ended: what it held is released, files it owned and no one reads go away. */
  connectionClosed(conn: FrameConn): void {
    const held = this.#held.get(conn);
    this.#held.delete(conn);
    if (held) {
      for (const [name, n] of held) for (let i = 0; i < n; i++) this.#decrement(name);
    }
    const prefix = this.#prefixes.get(conn);
    this.#prefixes.delete(conn);
    if (!prefix || !this.dir) return;
    try {
      for (const entry of Deno.readDirSync(this.dir)) {
        if (entry.name.startsWith(`${prefix}.`) && !this.#refs.has(entry.name)) {
          this.#unlink(entry.name);
        }
      }
    } catch {
      // the folder is gone already
    }
  }

  #unlink(name: string): void {
    if (!this.dir) return;
    try {
      Deno.removeSync(`${this.dir}/${name}`);
    } catch {
      // already gone
    }
  }

  /** Removes the folder and everything in it. */
  async close(): Promise<void> {
    this.#refs.clear();
    this.#held.clear();
    this.#prefixes.clear();
    if (this.dir) await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
