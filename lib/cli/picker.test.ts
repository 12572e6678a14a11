import assert from "node:assert/strict";
import { onKey, pickerState, renderPicker, splitKeys } from "./picker.ts";

Deno.test("picker: arrows and j/k move (wrapping), Enter chooses, Esc/q/Ctrl-C cancel", () => {
  let state = pickerState("Stop which?", ["a", "b", "c"]);
  assert.deepEqual(renderPicker(state).slice(1), ["❯ a", "  b", "  c"]);
  for (const key of splitKeys("\x1b[B\x1b[Bj")) state = onKey(state, key);
  assert.equal(state.index, 0, "three downs wrap around");
  state = onKey(state, "\x1b[A");
  assert.equal(state.index, 2);
  state = onKey(state, "k");
  assert.equal(state.index, 1);
  state = onKey(state, "x");
  assert.equal(state.index, 1, "unknown keys change nothing");
  const chosen = onKey(state, "\r");
  assert.equal(chosen.outcome, "chosen");
  assert.equal(onKey(chosen, "\x1b[B").index, 1, "nothing moves after the choice");
  for (const key of ["\x1b", "q", "\x03"]) {
    assert.equal(onKey(state, key).outcome, "cancelled", JSON.stringify(key));
  }
  assert.match(renderPicker(state)[0]!, /^\? Stop which\?/);
});

Deno.test("picker: keys split out of one read", () => {
  assert.deepEqual(splitKeys("\x1b[Bq\r"), ["\x1b[B", "q", "\r"]);
  assert.deepEqual(splitKeys("\x1b"), ["\x1b"]);
});
