import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { chooseStrategies, type Facts, parseCgroupOverride } from "./choose.ts";

const no = (why: string) => ({ ok: false as const, why });

/** A modern distro: unified hierarchy, delegated memory and cpu, a user manager. */
const MODERN: Facts = {
  v2: {
    ok: true,
    base: "/sys/fs/cgroup/user.slice/app.slice",
    controllers: ["memory", "cpu", "pids"],
  },
  v1: { memory: no("memory controller not mounted"), cpu: no("cpu controller not mounted") },
  systemd: {
    ok: true,
    runtimeDir: "/run/user/1000",
    systemdRun: "/usr/bin/systemd-run",
    controllers: ["memory", "cpu", "pids"],
  },
};

/** This test machine: hybrid, v1 controllers mounted, no user manager. */
const HYBRID: Facts = {
  v2: { ok: true, base: "/sys/fs/cgroup/unified", controllers: [] },
  v1: {
    memory: { ok: true, base: "/sys/fs/cgroup/memory/x", hasMemsw: true },
    cpu: { ok: true, base: "/sys/fs/cgroup/cpu" },
  },
  systemd: no("no systemd user manager (/run/user/0/systemd/private not found)"),
};

/** A container with nothing usable. */
const NOTHING: Facts = {
  v2: no("not mounted"),
  v1: { memory: no("memory controller not mounted"), cpu: no("cpu controller not mounted") },
  systemd: no("systemd-run not found on PATH"),
};

Deno.test("a delegated v2 subtree comes first, then systemd-run", () => {
  const choice = chooseStrategies(MODERN, ["memory", "cpu"]);
  assert.deepEqual(choice.candidates.map((c) => c.strategy), ["v2", "systemd"]);
  assert.deepEqual(choice.candidates[0]!.covers, ["memory", "cpu"]);
  assert.deepEqual(choice.reasons, [
    "cgroup v1: memory controller not mounted, cpu controller not mounted",
  ]);
});

Deno.test("on a hybrid machine v1 is used; the reasons say why v2 and systemd are not", () => {
  const choice = chooseStrategies(HYBRID, ["memory", "cpu"]);
  assert.deepEqual(choice.candidates, [{ strategy: "v1", covers: ["memory", "cpu"] }]);
  assert.deepEqual(choice.reasons, [
    "cgroup v2: memory, cpu controllers not delegated to /sys/fs/cgroup/unified " +
    "(controllers given to its children: none)",
    "systemd-run: no systemd user manager (/run/user/0/systemd/private not found)",
  ]);
});

Deno.test("only the limits asked for matter", () => {
  const partialV2: Facts = { ...NOTHING, v2: { ok: true, base: "/b", controllers: ["memory"] } };
  assert.deepEqual(chooseStrategies(partialV2, ["memory"]).candidates, [
    { strategy: "v2", covers: ["memory"] },
  ]);
  assert.deepEqual(chooseStrategies(partialV2, ["memory"]).reasons.length, 2);
});

Deno.test("a strategy covering everything beats an earlier one covering part", () => {
  const facts: Facts = {
    ...HYBRID,
    v2: { ok: true, base: "/b", controllers: ["memory", "pids"] },
  };
  const choice = chooseStrategies(facts, ["memory", "cpu"]);
  assert.deepEqual(choice.candidates, [
    { strategy: "v1", covers: ["memory", "cpu"] },
    { strategy: "v2", covers: ["memory"] },
  ]);
  assert.match(choice.reasons[0]!, /^cgroup v2: cpu controller not delegated to \/b/);
});

Deno.test("partial coverage is still a candidate when nothing covers everything", () => {
  const facts: Facts = {
    v2: no("not mounted"),
    v1: { memory: { ok: true, base: "/m" }, cpu: no("cpu controller not mounted") },
    systemd: { ...MODERN.systemd, controllers: ["cpu"] } as Facts["systemd"],
  };
  const choice = chooseStrategies(facts, ["memory", "cpu"]);
  assert.deepEqual(choice.candidates, [
    { strategy: "v1", covers: ["memory"] },
    { strategy: "systemd", covers: ["cpu"] },
  ]);
  assert.deepEqual(choice.reasons, [
    "cgroup v2: not mounted",
    "cgroup v1: cpu controller not mounted",
    "systemd-run: the user manager cannot limit memory: cgroup v2 lacks that controller",
  ]);
});

Deno.test("nothing usable: no candidates, one reason per strategy", () => {
  const choice = chooseStrategies(NOTHING, ["memory"]);
  assert.deepEqual(choice.candidates, []);
  assert.deepEqual(choice.reasons, [
    "cgroup v2: not mounted",
    "cgroup v1: memory controller not mounted",
    "systemd-run: systemd-run not found on PATH",
  ]);
});

Deno.test("no limits asked: nothing to try and nothing to explain", () => {
  assert.deepEqual(chooseStrategies(NOTHING, []), {
    candidates: [],
    reasons: [],
    forced: undefined,
  });
});

Deno.test("a forced strategy is the only one tried", () => {
  assert.deepEqual(chooseStrategies(MODERN, ["memory"], "systemd").candidates, [
    { strategy: "systemd", covers: ["memory"] },
  ]);
  const v1 = chooseStrategies(MODERN, ["memory"], "v1");
  assert.deepEqual(v1.candidates, []);
  assert.deepEqual(v1.reasons, ["cgroup v1: memory controller not mounted"]);
  assert.deepEqual(chooseStrategies(HYBRID, ["memory"], "none"), {
    candidates: [],
    reasons: ["DORA_CGROUP=none"],
    forced: "none",
  });
});

Deno.test("parseCgroupOverride: v2, v1, systemd, none; empty or auto is no override", () => {
  assert.equal(parseCgroupOverride(undefined), undefined);
  assert.equal(parseCgroupOverride(""), undefined);
  assert.equal(parseCgroupOverride(" auto "), undefined);
  assert.equal(parseCgroupOverride("V1"), "v1");
  assert.equal(parseCgroupOverride("systemd"), "systemd");
  assert.equal(parseCgroupOverride("none"), "none");
  assert.throws(() => parseCgroupOverride("cgroup2"), (err) => {
    assert.ok(err instanceof UsageError);
    assert.equal(
      err.message,
      "Invalid DORA_CGROUP 'cgroup2': expected v2, v1, systemd, none or auto",
    );
    return true;
  });
});
