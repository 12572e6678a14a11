/**
 * Resource limits on this machine, with real processes: a fixture allocating past a memory
 * limit is OOM-killed and reported so, a CPU spinner is held under its quota, the groups go
 * away afterwards, and without enforcement the node still runs with a warning. Each strategy
 * runs where the machine can enforce it and is skipped, with the reason, where it cannot.
 */
import assert from "node:assert/strict";
import {
  JOIN_FAILED_EXIT,
  type LimitPlan,
  limitsLauncher,
  planLimits,
  restorePlan,
  type Strategy,
  wrapArgv,
} from "../lib/limits/mod.ts";
import { CLK_TCK, readStat } from "../lib/runtime/proc.ts";
import { UsageError } from "../lib/errors.ts";
import type { ResourceLimits } from "../lib/descriptor/types.ts";
import { FIXTURES, killPid, pollUntil } from "./helpers.ts";
import { nodeSpec, recordRuntime, runtimeOptions, tempRoot } from "./runtime_helpers.ts";

const DIR = `${FIXTURES}/limits`;
const MiB = 1024 * 1024;

/** The real interpreter (pyenv shims are shell scripts that start slowly). */
const PYTHON = new TextDecoder().decode(
  (await new Deno.Command("python3", {
    args: ["-c", "import sys; print(sys.executable)"],
    stdout: "piped",
  }).output()).stdout,
).trim();

let dataflowCounter = 0;
/** A fresh dataflow id per test, so groups never collide between tests. */
function key(node: string) {
  dataflowCounter++;
  return { dataflow: crypto.randomUUID(), node: `${node}${dataflowCounter}` };
}

/** Why `strategy` cannot be tested here, or undefined when it can (tried for real). */
async function unavailable(strategy: Strategy): Promise<string | undefined> {
  const plan = await planLimits(key("probe"), { memoryBytes: 64 * MiB, cpu: 0.5 }, { strategy });
  await plan.cleanup();
  // Keep the cause only: "... not enforced: DORA_CGROUP=v2, but <cause>".
  return plan.warning?.replace(/^.* not enforced: DORA_CGROUP=\w+, but /, "");
}

const STRATEGIES = ["v2", "v1", "systemd"] as const;
const SKIP: Record<string, string | undefined> = {};
for (const s of STRATEGIES) SKIP[s] = await unavailable(s);

/** A node process, spawned like the runtime does (own process group), output collected. */
interface Running {
  pid: number;
  out(): string;
  err(): string;
  status: Promise<Deno.CommandStatus>;
  /** The status once the process has exited and its output is drained. */
  exited(): Deno.CommandStatus | undefined;
}

/** What a test started, killed and cleaned up when it ends, pass or fail. */
const started: Running[] = [];
const plans: LimitPlan[] = [];

/** `planLimits`, remembered for the final cleanup. */
async function tracked(
  k: { dataflow: string; node: string },
  limits: ResourceLimits,
  strategy?: Strategy,
): Promise<LimitPlan> {
  const made = await planLimits(k, limits, strategy === undefined ? {} : { strategy });
  plans.push(made);
  return made;
}

/** Runs a test body, then kills what it started and removes its groups whatever happened. */
function guarded(body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } finally {
      for (const node of started.splice(0)) {
        killPid(node.pid, "SIGKILL", true);
        await node.status;
      }
      for (const made of plans.splice(0)) await made.cleanup();
    }
  };
}

function spawnUnder(plan: LimitPlan, argv: string[], id: string): Running {
  const [command, ...args] = wrapArgv(plan, argv, id);
  const child = new Deno.Command(command!, {
    args,
    env: { PYTHON },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let out = "";
  let err = "";
  const drain = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const drained = Promise.all([
    drain(child.stdout, (s) => out += s),
    drain(child.stderr, (s) => err += s),
  ]);
  let final: Deno.CommandStatus | undefined;
  const status = drained.then(() => child.status).then((s) => final = s);
  const running = { pid: child.pid, out: () => out, err: () => err, status, exited: () => final };
  started.push(running);
  return running;
}

/** The cgroup paths of a live process, one per hierarchy line of /proc/PID/cgroup. */
function cgroupsOf(pid: number): string {
  return Deno.readTextFileSync(`/proc/${pid}/cgroup`);
}

/** Whether the process's cgroup lines mention the group folder (its last path segment). */
function inGroup(pid: number, groupDir: string): boolean {
  const name = groupDir.slice(groupDir.lastIndexOf("/") + 1);
  return cgroupsOf(pid).split("\n").some((line) => line.endsWith(`/${name}`));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

for (const strategy of STRATEGIES) {
  const skip = SKIP[strategy];
  const label = (what: string) =>
    `limits (${strategy}): ${what}` + (skip ? ` [skipped: ${skip}]` : "");

  Deno.test({
    name: label("a node allocating past its memory limit is OOM-killed and reported so"),
    ignore: skip !== undefined,
    fn: guarded(async () => {
      const k = key("hog");
      const plan = await tracked(k, { memoryBytes: 64 * MiB }, strategy);
      assert.equal(plan.warning, undefined);
      assert.deepEqual(plan.unenforced, []);
      const node = spawnUnder(plan, [PYTHON, `${DIR}/hog.py`, "256"], k.node);
      const status = await node.status;
      assert.equal(status.signal, "SIGKILL", `stdout:\n${node.out()}\nstderr:\n${node.err()}`);
      assert.match(node.out(), /allocated \d+ MiB/);
      assert.doesNotMatch(node.out(), /allocation finished/);
      const last = Number(/allocated (\d+) MiB\s*$/.exec(node.out())?.[1]);
      assert.ok(last <= 64, `allocated ${last} MiB under a 64 MiB limit`);
      assert.equal(await plan.wasOomKilled(), true);
      const usage = await plan.usage();
      if (usage.oomKills !== null) assert.ok(usage.oomKills >= 1);
      // A new run in the leftover group starts from the old counter: no stale OOM report.
      if (strategy !== "systemd") {
        const again = await tracked(k, { memoryBytes: 64 * MiB }, strategy);
        assert.deepEqual(again.record().groups, plan.record().groups);
        assert.equal(await again.wasOomKilled(), false);
      }
      assert.equal(await plan.cleanup(), undefined);
      for (const dir of plan.record().groups) assert.equal(await exists(dir), false, dir);
    }),
  });

  Deno.test({
    name: label("the whole process tree counts: a child of the node is limited and seen"),
    ignore: skip !== undefined,
    fn: guarded(async () => {
      const k = key("tree");
      const plan = await tracked(k, { memoryBytes: 64 * MiB }, strategy);
      const node = spawnUnder(plan, [`${DIR}/tree.sh`, "256"], k.node);
      const child = Number(
        (await pollUntil("the child's pid", () => /child (\d+)/.exec(node.out())))[1],
      );
      if (strategy !== "systemd") {
        const [memoryGroup] = plan.record().groups;
        // The node's shell joined before exec, so its child was born inside the group.
        assert.ok(inGroup(child, memoryGroup!), cgroupsOf(child));
        assert.ok(inGroup(node.pid, memoryGroup!), cgroupsOf(node.pid));
      }
      await pollUntil("the node in its cgroup's member list", async () => {
        const members = await plan.members();
        return members.includes(node.pid) && members.includes(child);
      });
      const status = await node.status;
      assert.equal(status.code, 137, `${node.out()}\n${node.err()}`);
      assert.match(node.out(), /child exited 137/);
      assert.equal(await plan.wasOomKilled(), true);
    }),
  });

  Deno.test({
    name: label("a CPU spinner limited to 0.2 CPU stays well under one core"),
    ignore: skip !== undefined,
    fn: guarded(async () => {
      const k = key("spin");
      const plan = await tracked(k, { cpu: 0.2 }, strategy);
      assert.equal(plan.warning, undefined);
      const node = spawnUnder(plan, [PYTHON, `${DIR}/spin.py`], k.node);
      await pollUntil("the spinner to start", () => node.out().includes("spinning"));
      const before = readStat(node.pid)!;
      const t0 = performance.now();
      // A measurement window, not a synchronisation: CPU share needs elapsed time.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = readStat(node.pid)!;
      const seconds = (performance.now() - t0) / 1000;
      const share = (after.cpuTicks - before.cpuTicks) / CLK_TCK / seconds;
      assert.ok(share < 0.5, `spinner used ${(share * 100).toFixed(0)}% of a core`);
      assert.ok(share > 0.02, `spinner barely ran: ${(share * 100).toFixed(1)}%`);
      if (strategy !== "systemd") {
        const cpuGroup = plan.record().groups.at(-1)!;
        const stat = await Deno.readTextFile(`${cpuGroup}/cpu.stat`);
        const throttled = Number(/nr_throttled (\d+)/.exec(stat)?.[1]);
        assert.ok(throttled > 0, `the kernel throttled the group:\n${stat}`);
      }
      assert.equal(await plan.wasOomKilled(), false);
      killPid(node.pid, "SIGKILL", true);
      await node.status;
      assert.equal(await plan.cleanup(), undefined);
      for (const dir of plan.record().groups) assert.equal(await exists(dir), false, dir);
    }),
  });
}

const cgroupSkip = SKIP.v1 !== undefined && SKIP.v2 !== undefined
  ? `no writable cgroup v1 or v2 here: ${SKIP.v1}; ${SKIP.v2}`
  : undefined;
const cgroupStrategy: Strategy = SKIP.v2 === undefined ? "v2" : "v1";

Deno.test({
  name: "limits: cleanup reports a group that still holds a process, and succeeds once it is gone" +
    (cgroupSkip ? ` [skipped: ${cgroupSkip}]` : ""),
  ignore: cgroupSkip !== undefined,
  fn: guarded(async () => {
    const k = key("stuck");
    const plan = await tracked(k, { memoryBytes: 256 * MiB }, cgroupStrategy);
    const node = spawnUnder(plan, [PYTHON, `${DIR}/spin.py`], k.node);
    try {
      await pollUntil("the spinner to start", () => node.out().includes("spinning"));
      assert.deepEqual(await plan.members(), [node.pid]);
      const warning = await plan.cleanup();
      assert.match(warning ?? "", /cgroup not removed: .*dora-.*stuck.* \(1 process still in it\)/);
    } finally {
      killPid(node.pid, "SIGKILL", true);
      await node.status;
    }
    await pollUntil("the group to empty", async () => (await plan.members()).length === 0);
    assert.equal(await plan.cleanup(), undefined);
    for (const dir of plan.record().groups) assert.equal(await exists(dir), false, dir);
  }),
});

Deno.test({
  name: "limits: a plan restored from its record still tells an OOM kill and cleans up" +
    (cgroupSkip ? ` [skipped: ${cgroupSkip}]` : ""),
  ignore: cgroupSkip !== undefined,
  fn: guarded(async () => {
    const k = key("restored");
    const plan = await tracked(k, { memoryBytes: 48 * MiB }, cgroupStrategy);
    const record = JSON.parse(JSON.stringify(plan.record()));
    const node = spawnUnder(plan, [PYTHON, `${DIR}/hog.py`, "256"], k.node);
    const status = await node.status;
    assert.equal(status.signal, "SIGKILL");
    const restored = restorePlan(record);
    assert.equal(restored.enforcement, plan.enforcement);
    assert.equal(await restored.wasOomKilled(), true);
    assert.equal(await restored.cleanup(), undefined);
    for (const dir of record.groups) assert.equal(await exists(dir), false, dir);
  }),
});

Deno.test({
  name: "limits: a node whose cgroup vanished before it started exits 125 and says why" +
    (cgroupSkip ? ` [skipped: ${cgroupSkip}]` : ""),
  ignore: cgroupSkip !== undefined,
  fn: guarded(async () => {
    const k = key("vanished");
    const plan = await tracked(k, { memoryBytes: 64 * MiB }, cgroupStrategy);
    assert.equal(await plan.cleanup(), undefined);
    const node = spawnUnder(plan, [PYTHON, `${DIR}/spin.py`], k.node);
    // A deadline: were the node to start anyway, it would spin forever.
    const status = await pollUntil("the node to exit", () => node.exited());
    assert.equal(status.code, JOIN_FAILED_EXIT);
    assert.match(node.err(), /dora: cannot move the node into its cgroup \/.*dora-.*vanished/);
    assert.doesNotMatch(node.out(), /spinning/);
  }),
});

Deno.test({
  name: "limits: as the runtime's launcher, an OOM kill becomes the node's reason" +
    (cgroupSkip ? ` [skipped: ${cgroupSkip}]` : ""),
  ignore: cgroupSkip !== undefined,
  async fn() {
    const root = await tempRoot();
    try {
      const uuid = crypto.randomUUID();
      const plans = new Map<string, LimitPlan>();
      const launcher = limitsLauncher(uuid, { memoryBytes: 64 * MiB }, {
        strategy: cgroupStrategy,
        onPlan: (node, _limits, plan) => plans.set(node.id, plan),
      });
      // `hog` gets the dataflow's 64M; `small` sets its own, larger limit and stays under it.
      const hog = nodeSpec("hog", `${DIR}/hog.py`, ["256"]);
      const small = nodeSpec("small", `${DIR}/hog.py`, ["16"], {
        limits: { memoryBytes: 512 * MiB },
      });
      const rec = await recordRuntime(
        runtimeOptions(root.dir, [hog, small], { uuid, launcher }),
      );
      const result = await rec.runtime.finished;
      const [hogEnd, smallEnd] = result.nodes;
      assert.equal(hogEnd!.status, "Failed");
      assert.equal(hogEnd!.signal, "SIGKILL");
      assert.equal(hogEnd!.reason, "OOM-killed: the node exceeded its memory limit (64M)");
      assert.equal(smallEnd!.status, "Succeeded", JSON.stringify(smallEnd));
      assert.equal(smallEnd!.reason, null);
      assert.deepEqual(rec.textOf("small").at(-1), "allocation finished");
      for (const [id, plan] of plans) {
        assert.equal(plan.warning, undefined, id);
        assert.deepEqual(plan.unenforced, [], id);
        for (const dir of plan.record().groups) assert.equal(await exists(dir), false, dir);
      }
      assert.equal(plans.get("small")!.record().memory_bytes, 512 * MiB);
    } finally {
      await root.cleanup();
    }
  },
});

Deno.test("limits: DORA_CGROUP=none starts the node anyway, with a warning naming why", async () => {
  const saved = Deno.env.get("DORA_CGROUP");
  Deno.env.set("DORA_CGROUP", "none");
  let plan: LimitPlan;
  try {
    plan = await planLimits(
      { dataflow: crypto.randomUUID(), node: "camera" },
      { memoryBytes: 4 * 1024 * MiB, cpu: 2 },
    );
  } finally {
    saved === undefined ? Deno.env.delete("DORA_CGROUP") : Deno.env.set("DORA_CGROUP", saved);
  }
  assert.equal(plan.enforcement, "none");
  assert.deepEqual(plan.unenforced, ["memory", "cpu"]);
  assert.equal(
    plan.warning,
    "memory limit 4G and cpu limit 2.0 for node 'camera' not enforced: DORA_CGROUP=none",
  );
  assert.equal(plan.shellPrefix, undefined);
  assert.equal(plan.commandPrefix, undefined);
  const node = spawnUnder(plan, [PYTHON, "-c", "print('running')"], "camera");
  const status = await node.status;
  assert.equal(status.code, 0);
  assert.equal(node.out(), "running\n");
  assert.equal(await plan.wasOomKilled(), false);
  assert.equal(await plan.cleanup(), undefined);
});

const lacking = STRATEGIES.find((s) => SKIP[s] !== undefined);

Deno.test({
  name: "limits: a forced strategy the machine lacks falls back to none, naming the cause" +
    (lacking === undefined ? " [skipped: every strategy works here]" : ""),
  ignore: lacking === undefined,
  fn: guarded(async () => {
    const plan = await planLimits(
      { dataflow: crypto.randomUUID(), node: "camera" },
      { memoryBytes: 64 * MiB },
      { strategy: lacking },
    );
    assert.equal(plan.enforcement, "none");
    assert.deepEqual(plan.unenforced, ["memory"]);
    const label = { v2: "cgroup v2", v1: "cgroup v1", systemd: "systemd-run" }[lacking!];
    const prefix =
      `memory limit 64M for node 'camera' not enforced: DORA_CGROUP=${lacking}, but ${label}: `;
    assert.ok(plan.warning?.startsWith(prefix), plan.warning);
    assert.ok((plan.warning ?? "").length > prefix.length + 5, plan.warning);
    const node = spawnUnder(plan, [PYTHON, "-c", "print('running')"], "camera");
    assert.equal((await node.status).code, 0);
    assert.equal(node.out(), "running\n");
  }),
});

Deno.test("limits: no limits, no enforcement and no warning", async () => {
  for (const limits of [undefined, {}]) {
    const plan = await planLimits({ dataflow: crypto.randomUUID(), node: "plain" }, limits);
    assert.equal(plan.enforcement, "none");
    assert.equal(plan.warning, undefined);
    assert.deepEqual(wrapArgv(plan, ["a", "b"], "plain"), ["a", "b"]);
    assert.equal(await plan.cleanup(), undefined);
  }
});

Deno.test("limits: an invalid DORA_CGROUP is a usage error", async () => {
  const saved = Deno.env.get("DORA_CGROUP");
  Deno.env.set("DORA_CGROUP", "v3");
  try {
    await assert.rejects(
      () => planLimits({ dataflow: "x", node: "n" }, { cpu: 1 }),
      (err) =>
        err instanceof UsageError &&
        err.message === "Invalid DORA_CGROUP 'v3': expected v2, v1, systemd, none or auto",
    );
  } finally {
    saved === undefined ? Deno.env.delete("DORA_CGROUP") : Deno.env.set("DORA_CGROUP", saved);
  }
});

Deno.test("limits: automatic detection on this machine picks the first strategy that works", async () => {
  const plan = await planLimits(key("auto"), { memoryBytes: 64 * MiB, cpu: 1 });
  try {
    const first = STRATEGIES.find((s) => SKIP[s] === undefined);
    const expected = first === undefined
      ? "none"
      : { v2: "cgroup v2", v1: "cgroup v1", systemd: "systemd-run" }[first];
    assert.equal(plan.enforcement, expected, plan.warning);
  } finally {
    await plan.cleanup();
  }
});
