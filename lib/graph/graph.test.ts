import assert from "node:assert/strict";
import { testNode } from "../descriptor/testing.ts";
import type { InputSpec, NodeSpec } from "../descriptor/types.ts";
import { layoutGraph } from "./layout.ts";
import { toMermaid } from "./mermaid.ts";
import { edgeLabel, graphKey, graphOf } from "./model.ts";
import { renderSvg } from "./svg.ts";

function fromNode(raw: string, queueSize = 10): InputSpec {
  const [node, output] = raw.split("/") as [string, string];
  return { raw, source: { kind: "node", node, output }, queueSize };
}

function timer(raw: string, intervalMs: number): InputSpec {
  return { raw, source: { kind: "timer", intervalMs }, queueSize: 10 };
}

const ROBOT: NodeSpec[] = [
  testNode("camera", {
    path: "./camera.py",
    kind: "python",
    inputs: { tick: timer("dora/timer/millis/33", 33) },
    outputs: ["image"],
  }),
  testNode("detector", {
    path: "./detector.ts",
    kind: "deno",
    inputs: { frame: fromNode("camera/image", 2) },
    outputs: ["bbox"],
  }),
  testNode("end", { inputs: { bbox: fromNode("detector/bbox") } }),
];

Deno.test("graphOf: one edge per input, timers apart, roles by inputs and outputs", () => {
  const graph = graphOf(ROBOT);
  assert.deepEqual(graph.nodes.map((n) => [n.id, n.role]), [
    ["camera", "node"],
    ["detector", "node"],
    ["end", "sink"],
  ]);
  assert.deepEqual(graph.timers, [
    { id: "dora/timer/millis/33", label: "millis/33", intervalMs: 33 },
  ]);
  assert.deepEqual(graph.edges.map((e) => [e.key, e.from, e.output, edgeLabel(e)]), [
    ["camera/tick", "dora/timer/millis/33", null, "tick"],
    ["detector/frame", "camera", "image", "image as frame (queue 2)"],
    ["end/bbox", "detector", "bbox", "bbox"],
  ]);
  assert.equal(graphKey(graph), graphKey(graphOf(ROBOT)));
  assert.notEqual(graphKey(graph), graphKey(graphOf(ROBOT.slice(0, 2))));
});

Deno.test("toMermaid: dora's shapes, safe ids for keywords and timers, quoted labels", () => {
  const source = testNode("src-1", { outputs: ["out"] });
  const text = toMermaid(graphOf([source, ...ROBOT]));
  assert.equal(
    text,
    [
      "flowchart TB",
      '  src_1[\\"`**src-1**`"/]',
      '  camera["`**camera**`"]',
      '  detector["`**detector**`"]',
      '  n_end[/"`**end**`"\\]',
      "subgraph ___dora___ [dora]",
      "  subgraph ___timer_timer___ [timer]",
      '    dora_timer_millis_33[\\"millis/33"/]',
      "  end",
      "end",
      '  dora_timer_millis_33 -- "tick" --> camera',
      '  camera -- "image as frame (queue 2)" --> detector',
      '  detector -- "bbox" --> n_end',
      "",
    ].join("\n"),
  );
});

Deno.test("layout and SVG: every node, timer and edge placed, left to right, escaped", () => {
  const nodes = [...ROBOT, testNode("<b>", { inputs: { x: fromNode("end/none") } })];
  nodes[2] = { ...nodes[2]!, outputs: ["none"] };
  const graph = graphOf(nodes);
  const layout = layoutGraph(graph, { liveLabels: true });
  for (const node of graph.nodes) assert.ok(layout.nodes[node.id], node.id);
  assert.ok(layout.timers["dora/timer/millis/33"]);
  const x = (id: string) => layout.nodes[id]!.x;
  assert.ok(layout.timers["dora/timer/millis/33"]!.x < x("camera"));
  assert.ok(x("camera") < x("detector") && x("detector") < x("end"));
  for (const edge of graph.edges) assert.ok(layout.edges[edge.key]!.points.length >= 2);
  const svg = renderSvg(graph, layout);
  assert.match(svg, /<g class="node kind-python role-node" data-node="camera">/);
  assert.match(svg, /data-edge="detector\/frame"/);
  assert.match(svg, /<text class="edge-rate"/);
  assert.ok(svg.includes("&#60;b&#62;") && !svg.includes("<b>"), "ids are escaped");
  assert.deepEqual(layoutGraph(graph, { liveLabels: true }), layout, "deterministic");
});
