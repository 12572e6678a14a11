/**
 * Adoption: a supervisor process (tests/fixtures/runtime_host.ts, standing in for the daemon)
 * starts nodes and is killed with SIGKILL; a new runtime adopts the nodes from the stored
 * snapshot. Nothing the nodes printed meanwhile may be lost, no node may die of SIGPIPE, and
 * the adopted nodes must stop like any other.
 */
import assert from "node:assert/strict";
import { readLogs } from "../lib/logs/reader.ts";
import type { DataflowSnapshot, RuntimeOptions } from "../lib/runtime/mod.ts";
import { FIXTURES, killPid, pidAlive, pollUntil, readPidFile, ROOT } from "./helpers.ts";
import { nodeSpec, recordRuntime, runtimeOptions, tempRoot } from "./runtime_helpers.ts";

/**
 * Starts a host supervisor for `opts`; returns it once its nodes run. If the test fails early,
 * `root.cleanup()` kills the host and its nodes.
 */
async function startHost(root: Awaited<ReturnType<typeof tempRoot>>, opts: RuntimeOptions) {
  const dir = root.dir;
  const optionsFile = `${dir}/options.json`;
  const snapshotFile = `${dir}/snapshot.json`;
  await Deno.writeTextFile(optionsFile, JSON.stringify(opts));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${FIXTURES}/runtime_host.ts`, optionsFile, snapshotFile],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  root.defer(async () => {
    killPid(child.pid, "SIGKILL");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    const snap = await Deno.readTextFile(snapshotFile).then(JSON.parse, () => null);
    for (const node of (snap as DataflowSnapshot | null)?.nodes ?? []) {
      if (node.pid !== null) killPid(node.pid, "SIGKILL", true);
    }
  });
  const reader = child.stdout.getReader();
  const first = await reader.read();
  assert.equal(new TextDecoder().decode(first.value).trim(), "ready");
  reader.releaseLock();
  const snapshot = async () =>
    JSON.parse(await Deno.readTextFile(snapshotFile)) as DataflowSnapshot;
  return {
    child,
    snapshot,
    /** SIGKILL: the supervisor dies without a chance to clean up. */
    async kill() {
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

const counts = (texts: string[], prefix: string) =>
  texts.filter((t) => t.startsWith(prefix)).map((t) => Number(t.slice(prefix.length)));

Deno.test("adopted nodes lose no output written while unsupervised, and stop normally", async () => {
  const root = await tempRoot();
  try {
    const countFile = `${root.dir}/count`;
    const opts = runtimeOptions(root.dir, [
      nodeSpec("counter", "counter.py", [], { env: { INTERVAL: "5", COUNT_FILE: countFile } }),
      nodeSpec("done", "exit_code.py", ["0"]),
    ]);
    const host = await startHost(root, opts);
    const logDir = opts.logDir;
    const logged = async () =>
      (await readLogs(logDir, { node: "counter" })).filter((r) => r.stream === "stdout");
    await pollUntil("counter logging", async () => (await logged()).length >= 20);
    const before = await host.snapshot();
    const pid = before.nodes[0]!.pid!;
    assert.equal(before.nodes[0]!.status, "Running");

    // Freeze the node until the host has logged all it printed, so the only unread output is
    // what the node prints after the host is gone.
    killPid(-pid, "SIGSTOP");
    const frozenAt = Number(await Deno.readTextFile(countFile));
    // Drained: the node is frozen, so once both of its streams are logged the log stops
    // growing (stdout alone is not enough: a stderr chunk could still be in flight).
    let last = "";
    let stable = 0;
    await pollUntil(
      "host drained",
      async () => {
        const all = await readLogs(logDir, { node: "counter" });
        const now = `${all.length} ${all.at(-1)?.text}`;
        stable = now === last ? stable + 1 : 0;
        last = now;
        const out = counts(all.filter((r) => r.stream === "stdout").map((r) => r.text), "count ");
        return stable >= 3 && out.at(-1)! >= frozenAt;
      },
      20_000,
      100,
    );
    await host.kill();
    killPid(-pid, "SIGCONT");
    // Unsupervised: the node keeps printing into its FIFO (more than one line per read).
    await pollUntil(
      "node printing alone",
      async () => Number(await Deno.readTextFile(countFile)) >= frozenAt + 100,
    );
    assert.equal(pidAlive(pid), true, "the node survived its supervisor");

    const rec = await recordRuntime(opts, await host.snapshot());
    await pollUntil("backlog read", () => counts(rec.textOf("counter"), "count ").length > 100);
    assert.equal(rec.runtime.snapshot().nodes[0]!.status, "Running");
    assert.equal(rec.runtime.snapshot().nodes[0]!.pid, pid);
    assert.equal(rec.runtime.snapshot().nodes[1]!.status, "Succeeded");
    assert.deepEqual(rec.runtime.groups(), new Map([["counter", pid]]));

    await rec.runtime.stop({ graceMs: 5000 });
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Stopped");
    assert.equal(result.nodes[0]!.status, "Stopped");
    assert.equal(pidAlive(pid), false);

    // Every line exactly once and in order, across both supervisors, stdout and stderr.
    const all = await readLogs(logDir, { node: "counter" });
    const out = counts(all.filter((r) => r.stream === "stdout").map((r) => r.text), "count ");
    assert.ok(out.length > frozenAt + 100);
    assert.deepEqual(out, out.map((_, i) => i));
    const err = counts(all.filter((r) => r.stream === "stderr").map((r) => r.text), "err ");
    assert.deepEqual(err, err.map((_, i) => i * 10));
    const dora = all.filter((r) => r.stream === "dora").map((r) => r.text);
    assert.ok(dora.includes(`adopted (pid ${pid}) by a new supervisor`), dora.join("\n"));
  } finally {
    await root.cleanup();
  }
});

Deno.test("a node that fills its FIFO while unsupervised waits, unharmed, for the next one", async () => {
  const root = await tempRoot();
  try {
    const opts = runtimeOptions(root.dir, [nodeSpec("flood", "flood.py", ["forever"])]);
    const host = await startHost(root, opts);
    const logged = async () => (await readLogs(opts.logDir, { node: "flood" })).length;
    await pollUntil("flood logging", async () => (await logged()) > 1000);
    const pid = (await host.snapshot()).nodes[0]!.pid!;
    killPid(-pid, "SIGSTOP");
    // Stopped node: the host drains the FIFO, then the log stops growing.
    let last = -1;
    let stable = 0;
    await pollUntil(
      "host drained",
      async () => {
        const now = await logged();
        stable = now === last ? stable + 1 : 0;
        last = now;
        return stable >= 3;
      },
      20_000,
      100,
    );
    await host.kill();
    killPid(-pid, "SIGCONT");
    // With no reader the FIFO fills (64 KiB) and the node blocks in write: no SIGPIPE.
    await pollUntil(
      "node blocked on its full FIFO",
      async () => (await Deno.readTextFile(`/proc/${pid}/wchan`)).includes("pipe"),
    );
    assert.equal(pidAlive(pid), true);

    const rec = await recordRuntime(opts, await host.snapshot());
    await pollUntil("flowing again", () => rec.textOf("flood").length > 2000);
    await rec.runtime.stop({ graceMs: 5000 });
    assert.equal((await rec.runtime.finished).status, "Stopped");
    const out = (await readLogs(opts.logDir, { node: "flood" }))
      .filter((r) => r.stream === "stdout").map((r) => Number(r.text.slice(0, 8)));
    assert.ok(out.length > last + 2000);
    const gap = out.findIndex((n, i) => n !== i);
    assert.equal(gap, -1, `line ${gap} is ${out[gap]}`);
  } finally {
    await root.cleanup();
  }
});

Deno.test("a node that ended while unsupervised is marked, and its leftovers killed", async () => {
  const root = await tempRoot();
  try {
    const pidFile = `${root.dir}/grandchild.pid`;
    const opts = runtimeOptions(root.dir, [
      nodeSpec("forker", "forker.py", [], { env: { MODE: "group", PID_FILE: pidFile } }),
      nodeSpec("ticker", "ticker.py", ["t"]),
    ]);
    const host = await startHost(root, opts);
    const grandchild = await readPidFile(pidFile);
    await host.kill();
    const snapshot = await host.snapshot();
    const leader = snapshot.nodes[0]!.pid!;
    killPid(leader, "SIGKILL"); // the node dies while nobody watches; its grandchild lives on
    await pollUntil("leader gone", () => !pidAlive(leader));
    assert.equal(pidAlive(grandchild), true);

    const rec = await recordRuntime(opts, snapshot);
    await pollUntil("leftover killed", () => !pidAlive(grandchild), 10_000);
    const forker = await pollUntil("forker settled", () => {
      const node = rec.runtime.snapshot().nodes[0]!;
      return node.status === "Running" ? undefined : node;
    });
    // The exit is unknown, unless the dead leader was still a zombie when adopted.
    if (forker.status === "Unknown") {
      assert.equal(forker.reason, "ended while no supervisor was watching; exit code unknown");
    } else {
      assert.deepEqual([forker.status, forker.signal], ["Failed", "SIGKILL"]);
    }
    assert.equal(rec.runtime.snapshot().nodes[1]!.status, "Running");
    await rec.runtime.stop({ graceMs: 5000 });
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Failed", "a node lost while unsupervised is not a clean stop");
    assert.equal(result.nodes[1]!.status, "Stopped");
  } finally {
    await root.cleanup();
  }
});

Deno.test("a reused pid is not mistaken for the node, and is left alone", async () => {
  const root = await tempRoot();
  try {
    const opts = runtimeOptions(root.dir, [nodeSpec("cam", "ticker.py")]);
    const snapshot: DataflowSnapshot = {
      uuid: opts.uuid,
      name: opts.name,
      status: "Running",
      started_at: new Date().toISOString(),
      ended_at: null,
      stop_requested: false,
      state_dir: opts.stateDir!,
      nodes: [{
        id: "cam",
        status: "Running",
        pid: Deno.pid, // this test process: same pid, other start time
        start_time: 1,
        restarts: 0,
        exit_code: null,
        signal: null,
        started_at: new Date().toISOString(),
        ended_at: null,
        reason: null,
        last_stderr: [],
      }],
    };
    const rec = await recordRuntime(opts, snapshot);
    const result = await rec.runtime.finished;
    assert.equal(result.nodes[0]!.status, "Unknown");
    assert.equal(result.status, "Failed");
    assert.equal(pidAlive(Deno.pid), true);
  } finally {
    await root.cleanup();
  }
});
