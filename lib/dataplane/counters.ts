/**
 * What the broker counts for inspection (lib/taps, `dora topic list`, `top`): messages routed
 * per output, and the plane's snapshot (connections, per-output and per-input counters).
 */
import type { PlaneNode, PlaneSnapshot } from "./hook.ts";
import type { NodeState } from "./routes.ts";

/** Messages routed per node and output. */
export class OutputCounts {
  #sent = new Map<string, Map<string, number>>();

  /** One more message on `node/output` (once per routed message: keep it cheap). */
  count(node: string, output: string): void {
    const sent = this.#sent.get(node);
    if (sent) sent.set(output, (sent.get(output) ?? 0) + 1);
    else this.#sent.set(node, new Map([[output, 1]]));
  }

  /** Messages routed on `node/output` so far. */
  get(node: string, output: string): number {
    return this.#sent.get(node)?.get(output) ?? 0;
  }
}

/** The plane's state now. */
export function planeSnapshot(
  nodes: Map<string, NodeState>,
  counts: OutputCounts,
  started: boolean,
): PlaneSnapshot {
  const out: PlaneNode[] = [];
  for (const [id, node] of nodes) {
    const outputs: PlaneNode["outputs"] = {};
    for (const output of node.outputs) outputs[output] = { messages: counts.get(id, output) };
    const inputs: PlaneNode["inputs"] = {};
    for (const [inputId, counters] of Object.entries(node.queue.counters())) {
      inputs[inputId] = {
        source: node.spec.inputs[inputId]?.raw ?? "",
        received: counters.received,
        dropped: counters.dropped,
        queued: node.queue.queued(inputId),
        queue_size: counters.queueSize,
      };
    }
    out.push({ id, connected: node.conn !== null && !node.conn.closed, outputs, inputs });
  }
  return { started, nodes: out };
}
