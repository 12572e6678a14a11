/**
 * The process runtime with real node processes: output, exit codes, spawn failures, the stop
 * ladder, process groups (grandchildren), and CPU/memory sampling.
 */
import assert from "node:assert/strict";
import { readLogs } from "../lib/logs/reader.ts";
import { sampleGroups, type StopEvent } from "../lib/runtime/mod.ts";
import { pidAlive, pollUntil, readPidFile } from "./helpers.ts";
import { nodeSpec, recordRuntime, runtimeOptions, tempRoot } from "./runtime_helpers.ts";

Deno.test("output reaches onLine and the logs; exit codes settle the result", async () => {
  const root = await tempRoot();
  try {
    const rec = await recordRuntime(runtimeOptions(root.dir, [
      nodeSpec("good", "exit_code.py", ["0"]),
      nodeSpec("bad", "exit_code.py", ["3"]),
    ]));
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Failed");
    const [good, bad] = result.nodes;
    assert.equal(good!.status, "Succeeded");
    assert.equal(good!.exit_code, 0);
    assert.equal(bad!.status, "Failed");
    assert.equal(bad!.exit_code, 3);
    assert.equal(bad!.signal, null);
    // The last 10 of its 12 stderr lines, for the failure report.
    assert.deepEqual(
      bad!.last_stderr,
      Array.from({ length: 10 }, (_, i) => `problem line ${i + 3}`),
    );
    assert.deepEqual(rec.textOf("bad"), ["working, will exit 3"]);
    assert.ok(bad!.pid! > 0 && bad!.start_time! > 0 && bad!.started_at && bad!.ended_at);

    const logged = await readLogs(`${root.dir}/logs`, { node: "bad" });
    const byStream = (s: string) => logged.filter((r) => r.stream === s).map((r) => r.text);
    assert.deepEqual(byStream("stdout"), ["working, will exit 3"]);
    assert.equal(byStream("stderr").length, 12);
    assert.match(byStream("dora")[0]!, /^started \(pid \d+\): python3 \S*exit_code\.py 3$/);
    assert.equal(byStream("dora").at(-1), "exited with code 3");
    assert.equal((await Deno.stat(`${root.dir}/logs`)).mode! & 0o777, 0o700);
    // The FIFOs and their folder are gone with the dataflow.
    await assert.rejects(Deno.stat(`${root.dir}/state`), Deno.errors.NotFound);
  } finally {
    await root.cleanup();
  }
});

Deno.test("a node that cannot start is Failed with a reason; the others run", async () => {
  const root = await tempRoot();
  try {
    const script = `${root.dir}/legacy`;
    await Deno.writeTextFile(script, "#!/nonexistent/interpreter\necho never\n", { mode: 0o755 });
    const rec = await recordRuntime(runtimeOptions(root.dir, [
      nodeSpec("missing", "no-such-program"),
      nodeSpec("legacy", script),
      nodeSpec("ok", "exit_code.py", ["0"]),
    ]));
    const snap = rec.runtime.snapshot();
    assert.equal(snap.nodes[0]!.status, "Failed");
    assert.match(snap.nodes[0]!.reason!, /^program not found: .*no-such-program$/);
    assert.equal(
      snap.nodes[1]!.reason,
      `interpreter /nonexistent/interpreter not found (named by the #! line of ${script})`,
    );
    assert.equal(snap.nodes[0]!.pid, null);
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Failed");
    assert.equal(result.nodes[2]!.status, "Succeeded");
    const logged = await readLogs(`${root.dir}/logs`, { node: "missing" });
    assert.match(logged[0]!.text, /^failed to start: program not found/);
  } finally {
    await root.cleanup();
  }
});

Deno.test("a program that only exec finds unrunnable fails to start with exec's reason", async () => {
  const root = await tempRoot();
  try {
    // The interpreter exists (so the check before spawning passes) but is not executable:
    // execve fails with EACCES inside the wrapper.
    const interpreter = `${root.dir}/interp`;
    await Deno.writeTextFile(interpreter, "", { mode: 0o644 });
    const script = `${root.dir}/tool`;
    await Deno.writeTextFile(script, `#!${interpreter}\n`, { mode: 0o755 });
    const rec = await recordRuntime(runtimeOptions(root.dir, [nodeSpec("tool", script)]));
    const result = await rec.runtime.finished;
    assert.equal(result.nodes[0]!.status, "Failed");
    assert.equal(result.nodes[0]!.exit_code, 126);
    assert.match(result.nodes[0]!.reason!, /^cannot execute .*tool: Permission denied$/);
    const dora = (await readLogs(`${root.dir}/logs`)).filter((r) => r.stream === "dora");
    assert.match(dora.at(-1)!.text, /^failed to start: cannot execute/);
  } finally {
    await root.cleanup();
  }
});

Deno.test("stop: polite nodes stop, a stubborn one is killed after the grace period", async () => {
  const root = await tempRoot();
  try {
    const rec = await recordRuntime(runtimeOptions(root.dir, [
      nodeSpec("ticker", "ticker.py", ["t"]),
      nodeSpec("stubborn", "stubborn.py"),
    ]));
    await pollUntil(
      "both nodes up",
      () => rec.textOf("ticker").length > 0 && rec.textOf("stubborn").includes("stubborn ready"),
    );
    const pids = [...rec.runtime.groups().values()];
    assert.equal(pids.length, 2);
    const events: StopEvent[] = [];
    const started = Date.now();
    await rec.runtime.stop({ graceMs: 1500 }, (e) => events.push(e));
    const took = Date.now() - started;
    assert.ok(took >= 1400 && took < 10_000, `stop took ${took} ms`);
    assert.deepEqual(events, [
      { type: "stopping", node: "ticker" },
      { type: "stopping", node: "stubborn" },
      { type: "stopped", node: "ticker", killed: false },
      { type: "not-responding", node: "stubborn", waitedMs: 1500 },
      { type: "force-stopping", node: "stubborn" },
      { type: "stopped", node: "stubborn", killed: true },
    ]);
    for (const pid of pids) assert.equal(pidAlive(pid), false);
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Stopped");
    assert.deepEqual(result.nodes.map((n) => [n.status, n.exit_code, n.signal]), [
      ["Stopped", 0, null],
      ["Stopped", null, "SIGKILL"],
    ]);
    assert.equal(rec.textOf("ticker").at(-1), "t bye");
    const dora = (await readLogs(`${root.dir}/logs`, { node: "stubborn" }))
      .filter((r) => r.stream === "dora").map((r) => r.text);
    assert.equal(dora.at(-1), "killed by SIGKILL after not responding for 1.5s");
  } finally {
    await root.cleanup();
  }
});

Deno.test("force stop kills at once; a second stop with force escalates a graceful one", async () => {
  const root = await tempRoot();
  try {
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [nodeSpec("stubborn", "stubborn.py")]),
    );
    await pollUntil("stubborn up", () => rec.textOf("stubborn").length > 0);
    const events: StopEvent[] = [];
    const started = Date.now();
    const graceful = rec.runtime.stop({ graceMs: 60_000 }, (e) => events.push(e));
    await rec.runtime.stop({ force: true });
    await graceful;
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(events, [
      { type: "stopping", node: "stubborn" },
      { type: "force-stopping", node: "stubborn" },
      { type: "stopped", node: "stubborn", killed: true },
    ]);
    assert.equal((await rec.runtime.finished).status, "Stopped");
  } finally {
    await root.cleanup();
  }
});

for (const mode of ["group", "escape"]) {
  Deno.test(`stop kills grandchildren too (grandchild ${mode === "group" ? "in the group" : "in its own group"})`, async () => {
    const root = await tempRoot();
    try {
      const pidFile = `${root.dir}/grandchild.pid`;
      const rec = await recordRuntime(runtimeOptions(root.dir, [
        nodeSpec("forker", "forker.py", [], { env: { MODE: mode, PID_FILE: pidFile } }),
      ]));
      const grandchild = await readPidFile(pidFile);
      await pollUntil("forker up", () => rec.textOf("forker").length > 0);
      // The grandchild ignores SIGTERM, the node does not: the group is not empty until the
      // grandchild is killed at the end of the grace period.
      const events: StopEvent[] = [];
      await rec.runtime.stop({ graceMs: 1000 }, (e) => events.push(e));
      assert.equal(pidAlive(grandchild), false);
      assert.ok(events.some((e) => e.type === "stopped"));
      assert.equal((await rec.runtime.finished).status, "Stopped");
    } finally {
      await root.cleanup();
    }
  });
}

Deno.test("when a node exits, what it left behind is killed (no orphans)", async () => {
  const root = await tempRoot();
  try {
    const pidFile = `${root.dir}/grandchild.pid`;
    const rec = await recordRuntime(runtimeOptions(root.dir, [
      nodeSpec("forker", "forker.py", [], { env: { MODE: "exit", PID_FILE: pidFile } }),
    ]));
    const grandchild = await readPidFile(pidFile);
    const result = await rec.runtime.finished;
    assert.equal(result.nodes[0]!.status, "Succeeded");
    assert.equal(pidAlive(grandchild), false);
    const dora = (await readLogs(`${root.dir}/logs`)).filter((r) => r.stream === "dora");
    assert.ok(
      dora.some((r) => r.text === "1 leftover process killed (SIGKILL) after the node exited"),
    );
  } finally {
    await root.cleanup();
  }
});

Deno.test("a flood of output arrives complete and in order, in the log and through onLine", async () => {
  const root = await tempRoot();
  try {
    const count = 100_000;
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [nodeSpec("flood", "flood.py", [String(count)])]),
    );
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Succeeded");
    const seen = rec.textOf("flood");
    assert.equal(seen.length, count);
    for (let i = 0; i < count; i += 997) {
      assert.ok(seen[i]!.startsWith(`${String(i).padStart(8, "0")} `));
    }
    assert.ok(seen.every((line, i) => Number(line.slice(0, 8)) === i));
    const logged = (await readLogs(`${root.dir}/logs`)).filter((r) => r.stream === "stdout");
    assert.equal(logged.length, count);
    assert.equal(logged.at(-1)!.text.slice(0, 8), String(count - 1).padStart(8, "0"));
  } finally {
    await root.cleanup();
  }
});

Deno.test("stop is prompt while a node floods stdout", async () => {
  const root = await tempRoot();
  try {
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [nodeSpec("flood", "flood.py", ["forever"])]),
    );
    await pollUntil("flooding", () => rec.textOf("flood").length > 10_000);
    const started = Date.now();
    await rec.runtime.stop({ graceMs: 5000 });
    assert.ok(Date.now() - started < 4000, `stop took ${Date.now() - started} ms`);
    const seen = rec.textOf("flood");
    assert.ok(seen.every((line, i) => Number(line.slice(0, 8)) === i), "lines in order, none lost");
  } finally {
    await root.cleanup();
  }
});

Deno.test("sampleGroups measures CPU and memory of a node's group", async () => {
  const root = await tempRoot();
  try {
    const rec = await recordRuntime(runtimeOptions(root.dir, [nodeSpec("spin", "spin.py")]));
    const pgid = rec.runtime.groups().get("spin")!;
    await sampleGroups([pgid]);
    const usage = await pollUntil(
      "CPU measured",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const sample = (await sampleGroups([pgid])).get(pgid);
        return sample && sample.cpuPercent > 30 ? sample : undefined;
      },
      10_000,
      0,
    );
    assert.ok(usage.memoryBytes > 1024 * 1024, `${usage.memoryBytes} bytes`);
    await rec.runtime.stop({ graceMs: 2000 });
    assert.equal((await sampleGroups([pgid])).has(pgid), false);
  } finally {
    await root.cleanup();
  }
});
