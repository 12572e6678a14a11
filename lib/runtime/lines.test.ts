import assert from "node:assert/strict";
import { LineSplitter } from "./lines.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("lines split across chunks are joined; CRLF and empty lines kept as text", () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push(bytes("hel")), []);
  assert.deepEqual(s.push(bytes("lo\nwor")), ["hello"]);
  assert.deepEqual(s.push(bytes("ld\r\n\nlast")), ["world", ""]);
  assert.deepEqual(s.flush(), ["last"]);
  assert.deepEqual(s.flush(), []);
});

Deno.test("a line without newline is cut at maxBytes, pieces in order", () => {
  const s = new LineSplitter(4);
  assert.deepEqual(s.push(bytes("abcdefghij")), ["abcd", "efgh"]);
  assert.deepEqual(s.push(bytes("k\nxy")), ["ijk"]);
  assert.deepEqual(s.push(bytes("zzzz\n")), ["xyzz", "zz"]);
});

Deno.test("the caller may reuse its chunk buffer", () => {
  const s = new LineSplitter();
  const buf = bytes("abc");
  s.push(buf);
  buf.set(bytes("XYZ"));
  assert.deepEqual(s.push(bytes("\n")), ["abc"]);
});

Deno.test("multi-byte characters split between chunks decode intact", () => {
  const s = new LineSplitter();
  const all = bytes("ünïcødé ✓\n");
  assert.deepEqual(s.push(all.subarray(0, 2)), []);
  assert.deepEqual(s.push(all.subarray(2)), ["ünïcødé ✓"]);
});
