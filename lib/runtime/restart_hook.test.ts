import assert from "node:assert/strict";
import type { NodeSpec } from "../descriptor/types.ts";
import { UsageError } from "../errors.ts";
import { policyRestartHook } from "./restart_hook.ts";

const node = (id: string, restartPolicy?: NodeSpec["restartPolicy"]) =>
  ({ id, restartPolicy }) as NodeSpec;
const failed = { code: 1, signal: null };
const ok = { code: 0, signal: null };
const run = (t: number) => ({ startedAt: t, endedAt: t + 10 });
const options = { baseDelayMs: 100, maxDelayMs: 1000, maxFailures: 3, windowMs: 60_000 };

Deno.test("each node's policy decides; trackers are per node and give up", () => {
  const hook = policyRestartHook(undefined, "--restart-policy", options);
  assert.equal(hook(node("a"), failed, run(0)), undefined, "default is never");
  assert.equal(hook(node("b", "on-failure"), ok, run(0)), undefined);
  const first = hook(node("b", "on-failure"), failed, run(0));
  assert.ok(first && "restartInMs" in first && first.restartInMs >= 100, JSON.stringify(first));
  assert.ok("restartInMs" in hook(node("c", "always"), ok, run(0))!);
  assert.ok("restartInMs" in hook(node("b", "on-failure"), failed, run(20))!);
  assert.deepEqual(hook(node("b", "on-failure"), failed, run(40)), {
    giveUp: "gave up after 3 failures within 60s (crash-loop guard)",
  });
});

Deno.test("an override replaces every node's policy and is validated at once", () => {
  const never = policyRestartHook("never", "--restart-policy", options);
  assert.equal(never(node("b", "always"), failed, run(0)), undefined);
  const always = policyRestartHook("always", "--restart-policy", options);
  assert.ok("restartInMs" in always(node("a"), ok, run(0))!);
  assert.throws(() => policyRestartHook("sometimes", "DORA_RESTART_POLICY"), (err) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /^Invalid DORA_RESTART_POLICY 'sometimes'/);
    return true;
  });
});
