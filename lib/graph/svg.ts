/**
 * Draws a laid-out graph as SVG text. Every element carries what a live view needs to find
 * it: `data-node="<id>"` on nodes, `data-edge="<node>/<input>"` on edges, with an empty
 * `.edge-rate` text line the dashboard fills in. Styles come from `GRAPH_CSS` (classes only,
 * so the dashboard can recolour nodes by status).
 */
import { type GraphLayout, LINE_HEIGHT, nodeSubtitle } from "./layout.ts";
import { type DataflowGraph, edgeLabel } from "./model.ts";

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const n = (value: number) => String(Math.round(value * 10) / 10);

/** A smooth path through dagre's points (quadratic curves through the midpoints). */
function pathThrough(points: { x: number; y: number }[]): string {
  if (points.length === 0) return "";
  const [first, ...rest] = points;
  let d = `M${n(first!.x)},${n(first!.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${n(p.x)},${n(p.y)} ${n((p.x + q.x) / 2)},${n((p.y + q.y) / 2)}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${n(last.x)},${n(last.y)}`;
  return d;
}

/** The SVG document (no XML declaration: it is meant to be inlined in HTML). */
export function renderSvg(graph: DataflowGraph, layout: GraphLayout): string {
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="dora-graph" role="img" ` +
      `viewBox="0 0 ${n(layout.width)} ${n(layout.height)}" width="${n(layout.width)}" ` +
      `height="${n(layout.height)}">`,
    `<defs><marker id="dora-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ` +
      `markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
  );
  for (const edge of graph.edges) {
    const place = layout.edges[edge.key];
    if (!place) continue;
    const kind = edge.output === null ? "edge timer-edge" : "edge";
    const { x, y, height } = place.label;
    const top = y - height / 2 + LINE_HEIGHT - 3;
    parts.push(
      `<g class="${kind}" data-edge="${escapeXml(edge.key)}" data-from="${escapeXml(edge.from)}" ` +
        `data-to="${escapeXml(edge.to)}">`,
      `<path d="${pathThrough(place.points)}" marker-end="url(#dora-arrow)"/>`,
      `<text class="edge-name" x="${n(x)}" y="${n(top)}">${escapeXml(edgeLabel(edge))}</text>`,
      `<text class="edge-rate" x="${n(x)}" y="${n(top + LINE_HEIGHT)}"></text>`,
      `</g>`,
    );
  }
  for (const timer of graph.timers) {
    const box = layout.timers[timer.id];
    if (!box) continue;
    parts.push(
      `<g class="timer" data-timer="${escapeXml(timer.id)}">`,
      `<rect x="${n(box.x - box.width / 2)}" y="${n(box.y - box.height / 2)}" ` +
        `width="${n(box.width)}" height="${n(box.height)}" rx="${n(box.height / 2)}"/>`,
      `<text x="${n(box.x)}" y="${n(box.y + 4)}">timer ${escapeXml(timer.label)}</text>`,
      `</g>`,
    );
  }
  for (const node of graph.nodes) {
    const box = layout.nodes[node.id];
    if (!box) continue;
    parts.push(
      `<g class="node kind-${node.kind} role-${node.role}" data-node="${escapeXml(node.id)}">`,
      `<title>${escapeXml(`${node.id}: ${node.path}`)}</title>`,
      `<rect x="${n(box.x - box.width / 2)}" y="${n(box.y - box.height / 2)}" ` +
        `width="${n(box.width)}" height="${n(box.height)}" rx="7"/>`,
      `<text class="node-id" x="${n(box.x)}" y="${n(box.y - 3)}">${escapeXml(node.id)}</text>`,
      `<text class="node-sub" x="${n(box.x)}" y="${n(box.y + LINE_HEIGHT - 2)}">` +
        `${escapeXml(nodeSubtitle(node.path))}</text>`,
      `</g>`,
    );
  }
  parts.push(`</svg>`);
  return parts.join("\n");
}

/** The graph's styles, for the static page and the dashboard alike. */
export const GRAPH_CSS = `
.dora-graph { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; max-width: 100%; height: auto; }
.dora-graph text { text-anchor: middle; fill: #1f2933; }
.dora-graph .node rect { fill: #eef4ff; stroke: #3d6fd9; stroke-width: 1.5; }
.dora-graph .node.role-source rect { fill: #eafaf1; stroke: #2f9e64; }
.dora-graph .node.role-sink rect { fill: #fff6e8; stroke: #d08a1c; }
.dora-graph .node .node-id { font-weight: 700; font-size: 13px; }
.dora-graph .node .node-sub { fill: #52606d; font-size: 11px; }
.dora-graph .timer rect { fill: #f4f4f6; stroke: #9aa5b1; stroke-dasharray: 3 2; }
.dora-graph .timer text { fill: #52606d; }
.dora-graph .edge path { fill: none; stroke: #7b8794; stroke-width: 1.5; }
.dora-graph .edge.timer-edge path { stroke-dasharray: 4 3; }
.dora-graph marker path { fill: #7b8794; }
.dora-graph .edge-name { font-size: 11px; fill: #323f4b; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.dora-graph .edge-rate { font-size: 11px; fill: #0b6e4f; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.dora-graph .edge.hot path { stroke: #0b6e4f; stroke-width: 2.5; }
.dora-graph .edge.dropping path { stroke: #c52a1a; }
.dora-graph .edge.dropping .edge-rate { fill: #c52a1a; }
.dora-graph .node.status-failed rect { fill: #fde8e8; stroke: #c52a1a; }
.dora-graph .node.status-restarting rect, .dora-graph .node.status-stopping rect { fill: #fff8db; stroke: #c99a06; }
.dora-graph .node.status-ended rect { fill: #f1f3f5; stroke: #9aa5b1; }
`;
