import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { effectivePolicy, isFailure, parseRestartPolicy, shouldRestart } from "./policy.ts";

Deno.test("parseRestartPolicy accepts the three policies, `no` and any case", () => {
  assert.equal(parseRestartPolicy("never"), "never");
  assert.equal(parseRestartPolicy("no"), "never");
  assert.equal(parseRestartPolicy("on-failure"), "on-failure");
  assert.equal(parseRestartPolicy(" Always "), "always");
  assert.equal(parseRestartPolicy("ON-FAILURE"), "on-failure");
});

Deno.test("parseRestartPolicy rejects anything else with a usage error naming the source", () => {
  assert.throws(() => parseRestartPolicy("sometimes", "DORA_RESTART_POLICY"), (err) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.exitCode, 2);
    assert.equal(
      err.message,
      "Invalid DORA_RESTART_POLICY 'sometimes': expected never, on-failure or always (no = never)",
    );
    return true;
  });
  assert.throws(
    () => parseRestartPolicy("on_failure", "--restart-policy"),
    /Invalid --restart-policy 'on_failure'.*\(did you mean 'on-failure'\?\)$/,
  );
  assert.throws(() => parseRestartPolicy(""), /Invalid restart policy ''/);
});

Deno.test("effectivePolicy: the override wins, then the node's policy, then never", () => {
  assert.equal(effectivePolicy(undefined, undefined), "never");
  assert.equal(effectivePolicy("on-failure", undefined), "on-failure");
  assert.equal(effectivePolicy("on-failure", "always"), "always");
  assert.equal(effectivePolicy("always", "no"), "never");
  assert.equal(effectivePolicy(undefined, "on-failure"), "on-failure");
  // An empty override (e.g. DORA_RESTART_POLICY="") means no override.
  assert.equal(effectivePolicy("always", "  "), "always");
  assert.throws(() => effectivePolicy("always", "bogus"), /Invalid --restart-policy 'bogus'/);
  assert.throws(
    () => effectivePolicy(undefined, "bogus", "DORA_RESTART_POLICY"),
    /Invalid DORA_RESTART_POLICY 'bogus'/,
  );
});

const ok = { code: 0, signal: null };
const crash = { code: 1, signal: null };
const killed = { code: null, signal: "SIGKILL" };
const unknown = { code: null, signal: null };

Deno.test("isFailure: non-zero code, a signal, or an unknown ending", () => {
  assert.equal(isFailure(ok), false);
  assert.equal(isFailure(crash), true);
  assert.equal(isFailure({ code: 137, signal: null }), true);
  assert.equal(isFailure(killed), true);
  assert.equal(isFailure(unknown), true);
});

Deno.test("shouldRestart: never never restarts", () => {
  for (const exit of [ok, crash, killed, unknown]) {
    assert.equal(shouldRestart("never", exit, false), false);
  }
});

Deno.test("shouldRestart: on-failure restarts on a non-zero code or a signal only", () => {
  assert.equal(shouldRestart("on-failure", ok, false), false);
  assert.equal(shouldRestart("on-failure", crash, false), true);
  assert.equal(shouldRestart("on-failure", killed, false), true);
  assert.equal(shouldRestart("on-failure", unknown, false), true);
});

Deno.test("shouldRestart: always restarts on any exit, clean ones included", () => {
  for (const exit of [ok, crash, killed, unknown]) {
    assert.equal(shouldRestart("always", exit, false), true);
  }
});

Deno.test("shouldRestart: a user's stop never restarts, whatever the policy and exit", () => {
  for (const policy of ["never", "on-failure", "always"] as const) {
    for (const exit of [ok, crash, killed, { code: null, signal: "SIGTERM" }, unknown]) {
      assert.equal(shouldRestart(policy, exit, true), false, `${policy} ${JSON.stringify(exit)}`);
    }
  }
});
