/**
 * The data plane's side of inspection (lib/taps): a `PlaneHook` the owner of taps hands to
 * `createDataPlane`, and the `PlanePort` the plane gives back. The broker calls
 * `hook.published` for each routed message only while `hook.active` is true, so a dataflow
 * nobody taps pays one property read per message and nothing else: no copy, no extra hop.
 * Everything here runs on the data plane's event loop.
 */
import type { PlaneSnapshot } from "../api/inspect.ts";

export type { PlaneInput, PlaneNode, PlaneSnapshot } from "../api/inspect.ts";

/** What the owner of taps gives the data plane (one per dataflow; it outlives plane swaps). */
export interface PlaneHook {
  /** True while at least one tap listens to this dataflow. Read once per routed message. */
  readonly active: boolean;
  /**
   * A message routed on `node/output` (sent by the node, injected, or a `send_stdout_as`
   * line). `message` is the encoded message (docs/protocol.md §5), owned by the broker and
   * never changed: it may be kept. A shared-memory payload (`shm` set) is valid only during
   * this call: read what is needed with `PlanePort.readShm` before returning.
   */
  published(node: string, output: string, message: Uint8Array, shm: string | undefined): void;
  /** The plane is up: this is how to reach it. A hot reload attaches a new plane. */
  attach(port: PlanePort): void;
  /** The plane is closing. */
  detach(port: PlanePort): void;
}

/** What a data plane offers to inspection. */
export interface PlanePort {
  /**
   * Routes `message` (encoded, inline) on `node/output` as if the node had sent it. Returns a
   * problem (unknown node, undeclared output), or undefined when routed.
   */
  inject(node: string, output: string, message: Uint8Array): string | undefined;
  /** The first `max` bytes of a shared-memory payload of `length` bytes (during `published`). */
  readShm(name: string, length: number, max: number): Uint8Array;
  /** Counters and connections now. */
  snapshot(): PlaneSnapshot;
  /**
   * Queues a PARAM_UPDATE event (`body`: its JSON) for a node; returns whether the node is
   * connected (it gets the event with its next batch). Optional: a plane may not have it.
   */
  paramUpdate?(node: string, body: string): boolean;
}
