import assert from "node:assert/strict";
import { describeLimits, formatCpus, limitKinds, notEnforcedWarning } from "./describe.ts";

const G = 1024 ** 3;

Deno.test("formatCpus keeps one decimal for whole CPUs", () => {
  assert.equal(formatCpus(2), "2.0");
  assert.equal(formatCpus(0.5), "0.5");
  assert.equal(formatCpus(0.25), "0.25");
});

Deno.test("limitKinds lists memory then cpu, only those asked for", () => {
  assert.deepEqual(limitKinds(undefined), []);
  assert.deepEqual(limitKinds({}), []);
  assert.deepEqual(limitKinds({ cpu: 1, memoryBytes: 5 }), ["memory", "cpu"]);
  assert.deepEqual(limitKinds({ cpu: 1 }), ["cpu"]);
});

Deno.test("describeLimits: limits and how they are enforced", () => {
  const both = { cpu: 2, memoryBytes: 4 * G };
  assert.equal(describeLimits(undefined), "-");
  assert.equal(describeLimits({}, { enforcement: "cgroup v1" }), "-");
  assert.equal(describeLimits(both), "memory 4G, cpu 2.0");
  assert.equal(
    describeLimits(both, { enforcement: "cgroup v1" }),
    "memory 4G, cpu 2.0 — cgroup v1",
  );
  assert.equal(
    describeLimits({ memoryBytes: 512 * 1024 ** 2 }, {
      enforcement: "systemd-run",
      unenforced: [],
    }),
    "memory 512M — systemd-run",
  );
  assert.equal(
    describeLimits(both, { enforcement: "none", unenforced: ["memory", "cpu"] }),
    "memory 4G, cpu 2.0 — not enforced",
  );
  assert.equal(
    describeLimits(both, { enforcement: "cgroup v2", unenforced: ["cpu"] }),
    "memory 4G (cgroup v2), cpu 2.0 (not enforced)",
  );
  assert.equal(
    describeLimits({ cpu: 0.5 }, { enforcement: "cgroup v2", unenforced: ["cpu"] }),
    "cpu 0.5 — not enforced",
  );
});

Deno.test("notEnforcedWarning names the limits, the node and the cause", () => {
  assert.equal(
    notEnforcedWarning("camera", { memoryBytes: 4 * G }, ["memory"], "no usable cgroup (x)"),
    "memory limit 4G for node 'camera' not enforced: no usable cgroup (x)",
  );
  assert.equal(
    notEnforcedWarning(
      "camera",
      { memoryBytes: 64 * 1024 ** 2, cpu: 0.2 },
      ["memory", "cpu"],
      "why",
    ),
    "memory limit 64M and cpu limit 0.2 for node 'camera' not enforced: why",
  );
});
