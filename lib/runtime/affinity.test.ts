import assert from "node:assert/strict";
import { chooseCores, formatCores } from "./affinity.ts";

Deno.test("chooseCores keeps the allowed cores and names the others", () => {
  assert.deepEqual(chooseCores("n", [1, 0], [0, 1]), { cores: [1, 0] });
  assert.deepEqual(chooseCores("n", [1, 7], [0, 1, 2, 3]), {
    cores: [1],
    warning: "cpu_affinity of node 'n': core 7 not available (this process may use 0-3); skipped",
  });
  assert.deepEqual(chooseCores("n", [8, 9], [0, 1]), {
    warning: "cpu_affinity of node 'n': cores 8, 9 not available (this process may use 0-1); " +
      "the node runs on every available core",
  });
});

Deno.test("formatCores writes ranges", () => {
  assert.equal(formatCores([0, 1, 2, 3, 6, 8, 9]), "0-3,6,8-9");
  assert.equal(formatCores([5]), "5");
  assert.equal(formatCores([]), "none");
});
