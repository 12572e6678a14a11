import assert from "node:assert/strict";
import { expandVars } from "./env_expand.ts";

const env = { HOME: "/home/robot", EMPTY: "", PORT: "8080" };

Deno.test("expandVars replaces $VAR and ${VAR}", () => {
  assert.equal(expandVars("$HOME/data", env), "/home/robot/data");
  assert.equal(expandVars("${HOME}data", env), "/home/robotdata");
  assert.equal(expandVars("host:$PORT", env), "host:8080");
  assert.equal(expandVars("$PORT$PORT", env), "80808080");
});

Deno.test("expandVars: unset variables become empty; defaults apply when unset or empty", () => {
  assert.equal(expandVars("[$NOPE]", env), "[]");
  assert.equal(expandVars("[${NOPE}]", env), "[]");
  assert.equal(expandVars("${NOPE:-fallback}", env), "fallback");
  assert.equal(expandVars("${EMPTY:-fallback}", env), "fallback");
  assert.equal(expandVars("${PORT:-1}", env), "8080");
  assert.equal(expandVars("${NOPE:-}", env), "");
});

Deno.test("expandVars keeps a $ that starts no variable, and \\$ as a literal $", () => {
  assert.equal(expandVars("cost: 5$", env), "cost: 5$");
  assert.equal(expandVars("$1 $- ${", env), "$1 $- ${");
  assert.equal(expandVars("${not valid}", env), "${not valid}");
  assert.equal(expandVars("\\$HOME", env), "$HOME");
  assert.equal(expandVars("plain text", env), "plain text");
});
