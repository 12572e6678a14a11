/**
 * Positions for drawing a `DataflowGraph`, computed by dagre (layered layout, left to right:
 * sources on the left, sinks on the right). Sizes come from the text each box holds, measured
 * with a fixed advance per character (the drawing uses a monospace font, so this holds).
 */
import { dagre } from "../../deps/dagre.ts";
import { type DataflowGraph, edgeLabel } from "./model.ts";

/** Width of one character at the label font size (monospace, 12 px). */
export const CHAR_WIDTH = 7.3;
/** Height of one line of text. */
export const LINE_HEIGHT = 15;

/** A box: its centre, width and height. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where everything goes. Keys: node ids, timer ids, edge keys. */
export interface GraphLayout {
  width: number;
  height: number;
  nodes: Record<string, Box>;
  timers: Record<string, Box>;
  edges: Record<string, { points: { x: number; y: number }[]; label: Box }>;
}

/** Options of `layoutGraph`. */
export interface LayoutOptions {
  /** Room for a second line under each edge label (the dashboard's live rate). */
  liveLabels?: boolean;
}

const MARGIN = 16;

/** What a node's box says under its id (its program, as written). */
export function nodeSubtitle(path: string): string {
  const name = path.split("/").filter(Boolean).pop() ?? path;
  return name.length > 28 ? `${name.slice(0, 27)}…` : name;
}

function textWidth(...lines: string[]): number {
  return Math.max(...lines.map((line) => line.length)) * CHAR_WIDTH;
}

/** Lays the graph out; pure (no I/O), deterministic for the same graph. */
export function layoutGraph(graph: DataflowGraph, opts: LayoutOptions = {}): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({
    rankdir: "LR",
    nodesep: 28,
    // Live labels are wide already: less room around them keeps the drawing on one screen.
    ranksep: opts.liveLabels ? 36 : 56,
    edgesep: 16,
    marginx: 0,
    marginy: 0,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    g.setNode(`n:${node.id}`, {
      width: Math.max(96, textWidth(node.id, nodeSubtitle(node.path)) + 28),
      height: 2 * LINE_HEIGHT + 18,
    });
  }
  for (const timer of graph.timers) {
    g.setNode(`t:${timer.id}`, {
      width: textWidth(`timer ${timer.label}`) + 24,
      height: LINE_HEIGHT + 12,
    });
  }
  const liveLine = opts.liveLabels ? "000.0 msg/s · 000 dropped" : "";
  for (const edge of graph.edges) {
    const from = edge.output === null ? `t:${edge.from}` : `n:${edge.from}`;
    const lines = opts.liveLabels ? 2 : 1;
    g.setEdge(from, `n:${edge.to}`, {
      width: textWidth(edgeLabel(edge), liveLine) + 8,
      height: lines * LINE_HEIGHT + 4,
      labelpos: "c",
    }, edge.key);
  }
  dagre.layout(g);
  const box = (name: string): Box => {
    const n = g.node(name);
    return { x: n.x! + MARGIN, y: n.y! + MARGIN, width: n.width, height: n.height };
  };
  const layout: GraphLayout = {
    width: (g.graph().width ?? 0) + 2 * MARGIN,
    height: (g.graph().height ?? 0) + 2 * MARGIN,
    nodes: {},
    timers: {},
    edges: {},
  };
  for (const node of graph.nodes) layout.nodes[node.id] = box(`n:${node.id}`);
  for (const timer of graph.timers) layout.timers[timer.id] = box(`t:${timer.id}`);
  for (const edge of graph.edges) {
    const from = edge.output === null ? `t:${edge.from}` : `n:${edge.from}`;
    const e = g.edge({ v: from, w: `n:${edge.to}`, name: edge.key });
    layout.edges[edge.key] = {
      points: ((e.points ?? []) as { x: number; y: number }[]).map((p) => ({
        x: p.x + MARGIN,
        y: p.y + MARGIN,
      })),
      label: {
        x: (e.x ?? 0) + MARGIN,
        y: (e.y ?? 0) + MARGIN,
        width: e.width ?? 0,
        height: e.height ?? 0,
      },
    };
  }
  return layout;
}
