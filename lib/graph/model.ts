/**
 * A dataflow as a graph to draw: its nodes, the timers that feed them, and one edge per input
 * (each input has exactly one source). Shared by `dora graph` (mermaid, HTML) and the
 * dashboard, which labels the same edges with live rates. Pure: no I/O, no environment values.
 */
import type { NodeKind, NodeSpec } from "../descriptor/types.ts";

/** The default `queue_size` of an input (lib/descriptor); edges show other sizes. */
export const DEFAULT_QUEUE_SIZE = 10;

/** A node of the dataflow. */
export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** The `path` as written (a program, `shell`, `dynamic`). */
  path: string;
  /** `source`: no inputs; `sink`: no outputs (dora's shapes in mermaid). */
  role: "source" | "sink" | "node";
  inputs: string[];
  outputs: string[];
}

/** A timer feeding one or more inputs, e.g. `dora/timer/millis/33`. */
export interface GraphTimer {
  /** The source as written in the YAML: also its id in the graph. */
  id: string;
  /** What is shown: the part after `dora/timer/` (`millis/33`). */
  label: string;
  intervalMs: number;
}

/** One input and where its messages come from. */
export interface GraphEdge {
  /** `<node>/<input>`: the input's name, unique in the dataflow (the API's counters use it). */
  key: string;
  /** The source node's id, or the timer's id. */
  from: string;
  /** The source node's output; null for a timer. */
  output: string | null;
  to: string;
  input: string;
  queueSize: number;
}

/** What `graphOf` returns. */
export interface DataflowGraph {
  nodes: GraphNode[];
  timers: GraphTimer[];
  edges: GraphEdge[];
}

/** Nodes and inputs in file order; timers sorted by interval, then as written. */
export function graphOf(specs: readonly NodeSpec[]): DataflowGraph {
  const timers = new Map<string, GraphTimer>();
  const edges: GraphEdge[] = [];
  const nodes = specs.map((spec): GraphNode => {
    const inputs = Object.keys(spec.inputs);
    for (const [input, { raw, source, queueSize }] of Object.entries(spec.inputs)) {
      const key = `${spec.id}/${input}`;
      if (source.kind === "timer") {
        if (!timers.has(raw)) {
          timers.set(raw, {
            id: raw,
            label: raw.replace(/^dora\/timer\//, ""),
            intervalMs: source.intervalMs,
          });
        }
        edges.push({ key, from: raw, output: null, to: spec.id, input, queueSize });
      } else if (source.kind === "logs") {
        // dora/logs[/level[/node]]: a built-in source like a timer, drawn after the timers.
        if (!timers.has(raw)) {
          timers.set(raw, { id: raw, label: raw.replace(/^dora\//, ""), intervalMs: Infinity });
        }
        edges.push({ key, from: raw, output: null, to: spec.id, input, queueSize });
      } else {
        edges.push({
          key,
          from: source.node,
          output: source.output,
          to: spec.id,
          input,
          queueSize,
        });
      }
    }
    return {
      id: spec.id,
      kind: spec.kind,
      path: spec.path,
      role: inputs.length === 0 ? "source" : spec.outputs.length === 0 ? "sink" : "node",
      inputs,
      outputs: [...spec.outputs],
    };
  });
  const sortedTimers = [...timers.values()].sort((a, b) =>
    (a.intervalMs === b.intervalMs ? 0 : a.intervalMs < b.intervalMs ? -1 : 1) ||
    a.id.localeCompare(b.id)
  );
  return { nodes, timers: sortedTimers, edges };
}

/**
 * What an edge says: `image` when output and input share a name, `image as frame` otherwise
 * (dora's wording), the timer input's name for timers, and `queue N` when not the default.
 */
export function edgeLabel(edge: GraphEdge): string {
  const data = edge.output === null || edge.output === edge.input
    ? edge.input
    : `${edge.output} as ${edge.input}`;
  return edge.queueSize === DEFAULT_QUEUE_SIZE ? data : `${data} (queue ${edge.queueSize})`;
}

/** A short stable fingerprint of a graph: the dashboard reloads a layout when it changes. */
export function graphKey(graph: DataflowGraph): string {
  const text = JSON.stringify(graph);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}
