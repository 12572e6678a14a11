import assert from "node:assert/strict";
import type { NodeSpec } from "../descriptor/types.ts";
import { testNode } from "../descriptor/testing.ts";
import { nodeLimits, oomNote } from "./launcher.ts";

function node(limits?: NodeSpec["limits"]): NodeSpec {
  return testNode("n", { path: "n", ...(limits ? { limits } : {}) });
}

Deno.test("nodeLimits: the node's own limits win, the dataflow's fill the gaps", () => {
  assert.equal(nodeLimits(node()), undefined);
  assert.equal(nodeLimits(node(), {}), undefined);
  assert.deepEqual(nodeLimits(node(), { cpu: 2, memoryBytes: 4 }), { cpu: 2, memoryBytes: 4 });
  assert.deepEqual(nodeLimits(node({ cpu: 0.5 }), { cpu: 2, memoryBytes: 4 }), {
    cpu: 0.5,
    memoryBytes: 4,
  });
  assert.deepEqual(nodeLimits(node({ memoryBytes: 9 }), { cpu: 1 }), { cpu: 1, memoryBytes: 9 });
  assert.deepEqual(nodeLimits(node({ memoryBytes: 9 })), { memoryBytes: 9 });
});

Deno.test("oomNote names the limit", () => {
  assert.equal(
    oomNote({ memoryBytes: 64 * 1024 * 1024 }),
    "OOM-killed: the node exceeded its memory limit (64M)",
  );
  assert.equal(oomNote(undefined), "OOM-killed: the node exceeded its memory limit");
});
