/**
 * `TapTransport` on the broker's fan-out (lib/dataplane): one `FlowTaps` per dataflow is the
 * `PlaneHook` its data plane calls for each routed message while someone taps it. Subscriptions
 * belong to the `FlowTaps`, not to a plane, so they survive a hot reload that rebuilds the plane.
 */
import type { PlaneHook, PlanePort, PlaneSnapshot } from "../dataplane/hook.ts";
import { decodeMessage, encodeMessage, nowNs } from "../../node/ts/frames.ts";
import {
  type OutgoingMessage,
  TapError,
  type TappedMessage,
  type TapSink,
  type TapTransport,
  type TopicRef,
} from "./types.ts";

const EMPTY: Uint8Array = new Uint8Array(0);

/** The taps of one dataflow; its data plane calls `published` while `active`. */
class FlowTaps implements PlaneHook {
  active = false;
  #port: PlanePort | undefined;
  #byTopic = new Map<string, Map<string, Set<TapSink>>>();
  #all = new Set<TapSink>();
  #count = 0;

  get port(): PlanePort | undefined {
    return this.#port;
  }

  /** Open subscriptions. */
  get count(): number {
    return this.#count;
  }

  attach(port: PlanePort): void {
    this.#port = port;
  }

  detach(port: PlanePort): void {
    if (this.#port === port) this.#port = undefined;
  }

  add(topics: TopicRef[] | "all", sink: TapSink): () => void {
    const sets: Set<TapSink>[] = [];
    if (topics === "all") sets.push(this.#all);
    else {
      for (const { node, output } of topics) {
        let outputs = this.#byTopic.get(node);
        if (!outputs) this.#byTopic.set(node, outputs = new Map());
        let set = outputs.get(output);
        if (!set) outputs.set(output, set = new Set());
        sets.push(set);
      }
    }
    for (const set of sets) set.add(sink);
    this.#count++;
    this.active = true;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      for (const set of sets) set.delete(sink);
      this.#count--;
      this.active = this.#count > 0;
    };
  }

  /** Ends every subscription (the dataflow is gone). */
  end(reason: string): void {
    const sinks = new Set(this.#all);
    for (const outputs of this.#byTopic.values()) {
      for (const set of outputs.values()) for (const sink of set) sinks.add(sink);
    }
    this.#all.clear();
    this.#byTopic.clear();
    this.#count = 0;
    this.active = false;
    for (const sink of sinks) sink.end(reason);
  }

  published(node: string, output: string, message: Uint8Array, shm: string | undefined): void {
    const topic = this.#byTopic.get(node)?.get(output);
    if ((!topic || topic.size === 0) && this.#all.size === 0) return;
    let wire;
    try {
      wire = decodeMessage(message);
    } catch {
      return; // malformed parameters: the receivers' libraries report it, a tap shows nothing
    }
    let max = 0;
    const sinks = topic ? [...topic, ...this.#all] : [...this.#all];
    for (const sink of sinks) max = Math.max(max, sink.maxBytes);
    const size = wire.shm ? wire.shm.length : wire.payload.length;
    let payload = EMPTY;
    if (max > 0 && wire.shm && shm !== undefined && this.#port) {
      try {
        // The broker still holds the file for routing: reading now delays no FREE.
        payload = this.#port.readShm(wire.shm.name, size, max);
      } catch {
        payload = EMPTY;
      }
    } else if (max > 0) {
      // A view keeps the whole message alive in the clients' queues: copy the prefix of a
      // message larger than what the clients want (shared memory off, or a big inline value).
      payload = size > max ? wire.payload.slice(0, max) : wire.payload;
    }
    const tapped: TappedMessage = {
      node,
      output,
      kind: wire.kind,
      timestampNs: wire.timestampNs,
      routedMs: performance.timeOrigin + performance.now(),
      size,
      shm: wire.shm !== undefined,
      params: wire.params,
      payload,
    };
    for (const sink of sinks) {
      if (sink.maxBytes >= payload.length) sink.message(tapped);
      else sink.message({ ...tapped, payload: payload.subarray(0, sink.maxBytes) });
    }
  }
}

/** Taps of every dataflow of one host, over the brokers' fan-out. */
export class BrokerTaps implements TapTransport {
  #flows = new Map<string, FlowTaps>();
  /** Tap streams (HTTP bodies) not finished yet: a host cuts them when it shuts down. */
  openStreams = 0;

  /** The hook to give `createDataPlane` for `dataflow` (the same one after a plane swap). */
  hook(dataflow: string): PlaneHook {
    let flow = this.#flows.get(dataflow);
    if (!flow) this.#flows.set(dataflow, flow = new FlowTaps());
    return flow;
  }

  /** The dataflow has ended: its taps end with `reason`. */
  forget(dataflow: string, reason = "the dataflow has ended"): void {
    const flow = this.#flows.get(dataflow);
    this.#flows.delete(dataflow);
    flow?.end(reason);
  }

  /** Counters and connections of the dataflow's plane, when it is up. */
  snapshot(dataflow: string): PlaneSnapshot | undefined {
    return this.#flows.get(dataflow)?.port?.snapshot();
  }

  /** Open taps of the dataflow. */
  taps(dataflow: string): number {
    return this.#flows.get(dataflow)?.count ?? 0;
  }

  /** Queues a PARAM_UPDATE event for a node; whether it is connected to get it. */
  paramUpdate(dataflow: string, node: string, body: string): boolean {
    return this.#flows.get(dataflow)?.port?.paramUpdate?.(node, body) ?? false;
  }

  #port(dataflow: string): { flow: FlowTaps; port: PlanePort } {
    const flow = this.#flows.get(dataflow);
    const port = flow?.port;
    if (!flow || !port) {
      throw new TapError("not_running", "The dataflow's data plane is not running");
    }
    return { flow, port };
  }

  /** Throws the `TapError` that `tap` would throw for these topics, if any. */
  check(dataflow: string, topics: TopicRef[] | "all"): void {
    const { port } = this.#port(dataflow);
    if (topics === "all") return;
    const nodes = new Map(port.snapshot().nodes.map((n) => [n.id, n]));
    for (const { node, output } of topics) {
      const known = nodes.get(node);
      if (!known || !(output in known.outputs)) throw unknownTopic(`${node}/${output}`, nodes);
    }
  }

  tap(dataflow: string, topics: TopicRef[] | "all", sink: TapSink): () => void {
    this.check(dataflow, topics);
    return this.#port(dataflow).flow.add(topics, sink);
  }

  inject(dataflow: string, node: string, output: string, message: OutgoingMessage): void {
    const { port } = this.#port(dataflow);
    const problem = port.inject(
      node,
      output,
      encodeMessage(message.kind, nowNs(), message.params, message.data),
    );
    if (problem) {
      throw unknownTopic(`${node}/${output}`, new Map(port.snapshot().nodes.map((n) => [n.id, n])));
    }
  }
}

function unknownTopic(
  topic: string,
  nodes: Map<string, { outputs: Record<string, unknown> }>,
): TapError {
  const known = [...nodes].flatMap(([id, n]) => Object.keys(n.outputs).map((o) => `${id}/${o}`));
  return new TapError(
    "not_found",
    `No topic '${topic}' in this dataflow (topics: ${known.join(", ") || "none"})`,
  );
}
