/**
 * The runtime's hot reload operations with fixture processes: `restartNodes` (SIGTERM, SIGKILL
 * after the grace period, new spec, not a restart-policy restart, a stop winning) and `replace`.
 */
import assert from "node:assert/strict";
import { pidAlive, pollUntil } from "./helpers.ts";
import {
  dataflowOf,
  nodeSpec,
  recordRuntime,
  runtimeOptions,
  tempRoot,
} from "./runtime_helpers.ts";
import { policyRestartHook } from "../lib/runtime/mod.ts";

Deno.test("restartNodes: SIGTERM, new spec, the other node untouched, no restart counted", async () => {
  const root = await tempRoot();
  try {
    const ticker = nodeSpec("ticker", "ticker.py", ["old"], { restartPolicy: "always" });
    const other = nodeSpec("other", "ticker.py", ["other"]);
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [ticker, other], { restart: policyRestartHook() }),
    );
    await pollUntil(
      "both ticking",
      () => rec.textOf("ticker").length && rec.textOf("other").length,
    );
    const before = Object.fromEntries(rec.runtime.snapshot().nodes.map((n) => [n.id, n.pid]));
    const skipped = await rec.runtime.restartNodes([{ ...ticker, args: ["new"] }], {
      graceMs: 5000,
    });
    assert.deepEqual(skipped, []);
    const after = rec.runtime.snapshot().nodes;
    const t = after.find((n) => n.id === "ticker")!;
    assert.equal(t.status, "Running");
    assert.notEqual(t.pid, before.ticker);
    assert.equal(t.restarts, 0, "a reload is not a restart");
    assert.equal(after.find((n) => n.id === "other")!.pid, before.other);
    assert.ok(rec.textOf("ticker").includes("old bye"), "the old run got SIGTERM");
    await pollUntil("the new args", () => rec.textOf("ticker").some((l) => l.startsWith("new ")));
    assert.deepEqual(rec.runtime.dataflow.nodes[0]!.args, ["new"]);
    assert.ok(
      rec.textOf("ticker", "dora").includes("stopped for hot reload: exited with code 0"),
      rec.textOf("ticker", "dora").join("\n"),
    );
    await rec.runtime.stop({ graceMs: 5000 });
    assert.equal((await rec.runtime.finished).status, "Stopped");
  } finally {
    await root.cleanup();
  }
});

Deno.test("restartNodes: a node ignoring SIGTERM is killed after the grace period", async () => {
  const root = await tempRoot();
  try {
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [nodeSpec("stubborn", "stubborn.py")]),
    );
    await pollUntil("ready", () => rec.textOf("stubborn").includes("stubborn ready"));
    const old = rec.runtime.snapshot().nodes[0]!.pid!;
    const started = Date.now();
    await rec.runtime.restartNodes([nodeSpec("stubborn", "stubborn.py")], { graceMs: 600 });
    assert.ok(Date.now() - started >= 550, "it waited for the grace period");
    assert.ok(!pidAlive(old));
    const now = rec.runtime.snapshot().nodes[0]!;
    assert.equal(now.status, "Running");
    assert.notEqual(now.pid, old);
    assert.ok(
      rec.textOf("stubborn", "dora").includes(
        "stopped for hot reload: killed by SIGKILL after not responding for 0.6s",
      ),
      rec.textOf("stubborn", "dora").join("\n"),
    );
    await rec.runtime.stop({ force: true });
  } finally {
    await root.cleanup();
  }
});

Deno.test("a stop during a reload wins: nothing starts again", async () => {
  const root = await tempRoot();
  try {
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [nodeSpec("stubborn", "stubborn.py")]),
    );
    await pollUntil("ready", () => rec.textOf("stubborn").includes("stubborn ready"));
    const old = rec.runtime.snapshot().nodes[0]!.pid!;
    const reload = rec.runtime.restartNodes([nodeSpec("stubborn", "stubborn.py")], {
      graceMs: 30_000,
    });
    await rec.runtime.stop({ graceMs: 300 });
    await reload;
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Stopped");
    assert.equal(result.nodes[0]!.status, "Stopped");
    assert.ok(!pidAlive(old));
    const spawns = rec.textOf("stubborn", "dora").filter((l) => l.startsWith("started (pid"));
    assert.equal(spawns.length, 1, "never spawned again");
    // Nothing to restart once stopped.
    assert.deepEqual(await rec.runtime.restartNodes([nodeSpec("stubborn", "stubborn.py")]), []);
  } finally {
    await root.cleanup();
  }
});

Deno.test("restartNodes skips ended nodes; replace runs a new dataflow without ending", async () => {
  const root = await tempRoot();
  try {
    const once = nodeSpec("once", "exit_code.py", ["0"]);
    const ticker = nodeSpec("ticker", "ticker.py", ["a"]);
    const rec = await recordRuntime(runtimeOptions(root.dir, [once, ticker]));
    await pollUntil(
      "once ended",
      () => rec.runtime.snapshot().nodes.find((n) => n.id === "once")!.status === "Succeeded",
    );
    assert.deepEqual(await rec.runtime.restartNodes([once]), ["once"]);

    const swaps: string[][] = [];
    const next = dataflowOf([
      nodeSpec("ticker", "ticker.py", ["b"]),
      nodeSpec("new", "ticker.py", ["n"]),
    ]);
    await rec.runtime.replace(next, (old, dataflow) => {
      assert.equal(old, undefined);
      swaps.push(dataflow.nodes.map((n) => n.id));
      return Promise.resolve(undefined);
    }, { graceMs: 5000 });
    assert.deepEqual(swaps, [["ticker", "new"]]);
    assert.equal(rec.runtime.status, "Running");
    assert.deepEqual(rec.runtime.snapshot().nodes.map((n) => [n.id, n.status]), [
      ["ticker", "Running"],
      ["new", "Running"],
    ]);
    await pollUntil(
      "the new nodes' output",
      () => rec.textOf("new").length > 0 && rec.textOf("ticker").some((l) => l.startsWith("b ")),
    );
    assert.equal(rec.runtime.dataflow, next);
    await rec.runtime.stop({ graceMs: 5000 });
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Stopped");
    assert.deepEqual(result.nodes.map((n) => n.id), ["ticker", "new"]);
  } finally {
    await root.cleanup();
  }
});
