import assert from "node:assert/strict";
import { closest, didYouMean, editDistance } from "./suggest.ts";

Deno.test("editDistance counts edits, swaps of neighbours cost one", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("inputs", "inputs"), 0);
  assert.equal(editDistance("input", "inputs"), 1);
  assert.equal(editDistance("inpust", "inputs"), 1);
  assert.equal(editDistance("camra", "camera"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
});

Deno.test("closest picks the nearest candidate within the limit", () => {
  const keys = ["id", "path", "args", "env", "inputs", "outputs", "restart_policy"];
  assert.equal(closest("input", keys), "inputs");
  assert.equal(closest("output", keys), "outputs");
  assert.equal(closest("Inputs", keys), "inputs");
  assert.equal(closest("pth", keys), "path");
  assert.equal(closest("restart-policy", keys), "restart_policy");
  assert.equal(closest("restart", keys), "restart_policy");
  assert.equal(closest("banana", keys), undefined);
  assert.equal(closest("x", []), undefined);
});

Deno.test("didYouMean formats a hint or nothing", () => {
  assert.equal(didYouMean("inpts", ["inputs", "outputs"]), " (did you mean 'inputs'?)");
  assert.equal(didYouMean("zzzzzz", ["inputs", "outputs"]), "");
});
