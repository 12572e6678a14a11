import assert from "node:assert/strict";
import { cpuQuotaPercent, scopeUnit, systemdRunPrefix } from "./systemd.ts";

Deno.test("cpuQuotaPercent: whole percent of one CPU, at least 1", () => {
  assert.equal(cpuQuotaPercent(2), "200%");
  assert.equal(cpuQuotaPercent(0.25), "25%");
  assert.equal(cpuQuotaPercent(0.001), "1%");
});

Deno.test("scopeUnit: the group name, a random suffix, .scope", () => {
  const a = scopeUnit("dora-444455556666-camera");
  const b = scopeUnit("dora-444455556666-camera");
  assert.match(a, /^dora-444455556666-camera-[0-9a-f]{6}\.scope$/);
  assert.notEqual(a, b);
});

Deno.test("systemdRunPrefix: a user scope with the limits asked for, then --", () => {
  const limits = { memoryBytes: 4 * 1024 ** 3, cpu: 2 };
  assert.deepEqual(
    systemdRunPrefix("/usr/bin/systemd-run", "/run/user/1000", "u.scope", limits, [
      "memory",
      "cpu",
    ]),
    [
      "/usr/bin/env",
      "XDG_RUNTIME_DIR=/run/user/1000",
      "/usr/bin/systemd-run",
      "--user",
      "--scope",
      "--quiet",
      "--unit=u.scope",
      "-p",
      "MemoryMax=4294967296",
      "-p",
      "MemorySwapMax=0",
      "-p",
      "CPUQuota=200%",
      "--",
    ],
  );
  const cpuOnly = systemdRunPrefix("systemd-run", "/r", "u.scope", limits, ["cpu"]);
  assert.deepEqual(cpuOnly.slice(-3), ["-p", "CPUQuota=200%", "--"]);
  assert.ok(!cpuOnly.some((w) => w.startsWith("MemoryMax")));
});
