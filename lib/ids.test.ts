import assert from "node:assert/strict";
import { isUuid, uuidv7 } from "./ids.ts";

Deno.test("uuidv7 carries version 7, variant 10 and the time in its first 48 bits", () => {
  const time = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const id = uuidv7(time);
  assert.ok(isUuid(id), id);
  assert.equal(id[14], "7");
  assert.ok("89ab".includes(id[19]!), id);
  assert.equal(parseInt(id.replaceAll("-", "").slice(0, 12), 16), time);
});

Deno.test("uuidv7 ids are unique and sort by creation time", () => {
  const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  assert.notEqual(uuidv7(5), uuidv7(5));
});

Deno.test("isUuid accepts canonical UUIDs only", () => {
  assert.ok(isUuid("550e8400-e29b-41d4-a716-446655440000"));
  assert.ok(!isUuid("550E8400-E29B-41D4-A716-446655440000"));
  assert.ok(!isUuid("550e8400e29b41d4a716446655440000"));
  assert.ok(!isUuid("abc-123-def"));
});
