import assert from "node:assert/strict";
import { assignShortId, resolveRef } from "./resolve.ts";

const rec = (uuid: string, name: string, status = "Running", short_id?: string) => ({
  uuid,
  name,
  status,
  started_at: uuid,
  short_id: short_id ?? assignShortId(uuid, []),
});

Deno.test("short ids: the UUID's tail, longer when another dataflow has it", () => {
  const a = rec("0193aaaa-0000-7000-8000-00000000beef", "a");
  assert.equal(a.short_id, "beef");
  assert.equal(assignShortId("0193bbbb-0000-7000-8000-00000001beef", [a]), "1beef");
  assert.equal(assignShortId("0193bbbb-0000-7000-8000-00000001cafe", [a]), "cafe");
  const named = { ...a, name: "cafe" };
  assert.equal(assignShortId("0193bbbb-0000-7000-8000-00000001cafe", [named]), "1cafe");
});

Deno.test("refs: UUID, then name (running first), then short id, then a unique prefix", () => {
  const one = rec("0193aaaa-0000-7000-8000-000000000001", "robot", "Stopped");
  const two = rec("0193aaaa-0000-7000-8000-000000000002", "robot");
  const three = rec("0194bbbb-0000-7000-8000-00000000abcd", "vision");
  const all = [one, two, three];
  assert.equal(resolveRef(all, one.uuid), one);
  assert.equal(resolveRef(all, "robot"), two, "the running one");
  assert.equal(resolveRef(all, "abcd"), three);
  assert.equal(resolveRef(all, "0194"), three);
  assert.throws(() => resolveRef(all, "0193"), /matches 2 dataflows/);
  assert.throws(() => resolveRef(all, "nope"), /Dataflow nope not found/);
});
