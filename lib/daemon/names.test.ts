import assert from "node:assert/strict";
import { generateName, nameProblem } from "./names.ts";

Deno.test("generated names are two readable words and avoid taken ones", () => {
  const taken = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const name = generateName(taken);
    assert.match(name, /^[a-z]+-[a-z]+(-\d+)?$|^dataflow-/);
    assert.ok(!taken.has(name));
    assert.equal(nameProblem(name), undefined);
    taken.add(name);
  }
});

Deno.test("names with spaces, slashes or UUID shape are refused", () => {
  assert.match(nameProblem("my robot")!, /spaces/);
  assert.match(nameProblem("a/b")!, /'\/'/);
  assert.match(nameProblem("-x")!, /not a valid name/);
  assert.match(nameProblem("019a0b1c-2d3e-7f40-8a5b-6c7d8e9f0a1b")!, /UUID/);
  assert.equal(nameProblem("my-robot_2.1"), undefined);
});
