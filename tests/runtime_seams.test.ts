/**
 * The runtime's two plug-in points, with real node processes: the restart hook (restart
 * policies) and the data plane seam (lib/runtime/plane.ts). The plane here is a recording
 * stand-in that implements the documented interface: it checks what the runtime calls, when.
 */
import assert from "node:assert/strict";
import type { NodeSpec } from "../lib/descriptor/types.ts";
import { readLogs } from "../lib/logs/reader.ts";
import type { DataPlane, NodeExit, StopEvent } from "../lib/runtime/mod.ts";
import { pollUntil } from "./helpers.ts";
import { nodeSpec, recordRuntime, runtimeOptions, tempRoot } from "./runtime_helpers.ts";

Deno.test("restart hook: a failing node is started again, then given up", async () => {
  const root = await tempRoot();
  try {
    const calls: NodeExit[] = [];
    const { plane, calls: planeCalls } = recordingPlane(new Set());
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [nodeSpec("crash", "exit_code.py", ["3"])], {
        restart: (node, exit, run) => {
          assert.equal(node.id, "crash");
          assert.ok(run.endedAt >= run.startedAt);
          calls.push(exit);
          return calls.length <= 2 ? { restartInMs: 50 } : { giveUp: "gave up after 3 failures" };
        },
        plane,
      }),
    );
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Failed");
    const node = result.nodes[0]!;
    assert.deepEqual([node.status, node.restarts, node.exit_code], ["Failed", 2, 3]);
    assert.equal(node.reason, "gave up after 3 failures");
    assert.deepEqual(calls, Array(3).fill({ code: 3, signal: null }));
    assert.equal(rec.textOf("crash").length, 3, "three runs");
    // Consumers keep waiting through restarts; only the last exit closes the node's outputs.
    assert.deepEqual(planeCalls.filter((c) => c.startsWith("exited")), [
      "exited crash true",
      "exited crash true",
      "exited crash false",
    ]);
    assert.equal(planeCalls.filter((c) => c === "spawned crash").length, 3);
    const dora = (await readLogs(`${root.dir}/logs`)).filter((r) => r.stream === "dora")
      .map((r) => r.text);
    assert.equal(dora.filter((t) => t.startsWith("started (pid")).length, 3);
    assert.ok(dora.includes("restarting in 50ms (restart 1)"), dora.join("\n"));
    assert.equal(dora.at(-1), "not restarted: gave up after 3 failures");
  } finally {
    await root.cleanup();
  }
});

Deno.test("a stop cancels a pending restart, and a user's stop never asks for one", async () => {
  const root = await tempRoot();
  try {
    let asked = 0;
    const rec = await recordRuntime(runtimeOptions(root.dir, [
      nodeSpec("crash", "exit_code.py", ["1"]),
      nodeSpec("ticker", "ticker.py"),
    ], {
      restart: () => {
        asked++;
        return { restartInMs: 60_000 };
      },
    }));
    await pollUntil("restart scheduled", () => {
      const node = rec.runtime.snapshot().nodes[0]!;
      return node.status === "Restarting" && node.next_restart_at !== null;
    });
    assert.deepEqual(
      rec.runtime.groups(),
      new Map([["ticker", rec.runtime.snapshot().nodes[1]!.pid]]),
    );
    const events: StopEvent[] = [];
    await rec.runtime.stop({ graceMs: 5000 }, (e) => events.push(e));
    assert.equal(asked, 1, "the ticker's stop did not ask the hook");
    assert.deepEqual(
      events.filter((e) => e.node === "crash"),
      [{ type: "stopping", node: "crash" }, { type: "stopped", node: "crash", killed: false }],
    );
    const result = await rec.runtime.finished;
    assert.equal(result.status, "Stopped");
    assert.deepEqual(result.nodes.map((n) => n.status), ["Stopped", "Stopped"]);
  } finally {
    await root.cleanup();
  }
});

/** A data plane stand-in that records calls; `connected` nodes count as connected. */
function recordingPlane(connected: Set<string>) {
  const calls: string[] = [];
  const plane: DataPlane = {
    nodeEnv: (id, base) => {
      calls.push(`env ${id}`);
      return {
        DORA_NODE_CONFIG: `{"node":"${id}"}`,
        PYTHONPATH: `/plane:${base.PYTHONPATH ?? ""}`,
      };
    },
    nodeSpawned: (id) => calls.push(`spawned ${id}`),
    nodeExited: (id, willRestart) => calls.push(`exited ${id} ${willRestart}`),
    isConnected: (id) => connected.has(id),
    stopAll: () => {
      calls.push("stopAll");
      return new Set(connected);
    },
    stdoutLine: (id, line) => calls.push(`stdout ${id} ${line}`),
    stats: () => ({}),
    close: () => Promise.resolve(),
  };
  return { plane, calls };
}

function shellNode(id: string, line: string, extra: Partial<NodeSpec> = {}): NodeSpec {
  return { ...nodeSpec(id, "/bin/sh"), kind: "shell", program: "", args: [line], ...extra };
}

Deno.test("data plane: env before spawn, stdout lines for send_stdout_as, exits", async () => {
  const root = await tempRoot();
  try {
    const { plane, calls } = recordingPlane(new Set());
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [
        shellNode("talker", 'echo "config=$DORA_NODE_CONFIG"; echo "path=$PYTHONPATH"', {
          sendStdoutAs: "text",
          env: { PYTHONPATH: "/mine" },
        }),
        shellNode("quiet", "echo hidden", {}),
      ], { plane }),
    );
    await rec.runtime.finished;
    assert.deepEqual(rec.textOf("talker"), ['config={"node":"talker"}', "path=/plane:/mine"]);
    assert.ok(calls.indexOf("env talker") < calls.indexOf("spawned talker"));
    assert.deepEqual(calls.filter((c) => c.startsWith("stdout")), [
      'stdout talker config={"node":"talker"}',
      "stdout talker path=/plane:/mine",
    ]);
    assert.ok(calls.includes("exited talker false") && calls.includes("exited quiet false"));
  } finally {
    await root.cleanup();
  }
});

Deno.test("data plane: connected nodes get STOP first, SIGTERM only at half the grace", async () => {
  const root = await tempRoot();
  try {
    // The stand-in plane delivers nothing: the ticker ends on the SIGTERM sent at grace/2.
    const { plane, calls } = recordingPlane(new Set(["connected"]));
    const rec = await recordRuntime(runtimeOptions(root.dir, [
      nodeSpec("connected", "ticker.py", ["c"]),
      nodeSpec("plain", "ticker.py", ["p"]),
    ], { plane }));
    await pollUntil(
      "both ticking",
      () => rec.textOf("connected").length > 0 && rec.textOf("plain").length > 0,
    );
    const ended: Record<string, number> = {};
    const started = Date.now();
    await rec.runtime.stop({ graceMs: 3000 }, (e) => {
      if (e.type === "stopped") ended[e.node] = Date.now() - started;
    });
    assert.ok(calls.includes("stopAll"));
    assert.ok(ended.plain! < 1400, `plain got SIGTERM at once (${ended.plain} ms)`);
    assert.ok(ended.connected! >= 1400, `connected waited for grace/2 (${ended.connected} ms)`);
    assert.ok(ended.connected! < 2900, "and did not need SIGKILL");
    assert.equal((await rec.runtime.finished).status, "Stopped");
  } finally {
    await root.cleanup();
  }
});

Deno.test("launcher: wraps each spawn, its warning is logged, its note on the end is the reason", async () => {
  const root = await tempRoot();
  try {
    const launched: string[][] = [];
    const ended: string[] = [];
    const warnings: string[] = [];
    const rec = await recordRuntime(
      runtimeOptions(root.dir, [nodeSpec("n", "exit_code.py", ["2"])], {
        onWarning: (node, message) => warnings.push(`${node}: ${message}`),
        launcher: (node, argv) => {
          launched.push(argv);
          return Promise.resolve({
            // Like a cgroup join: a shell step that execs the node (same pid).
            argv: ["/bin/sh", "-c", 'echo "joined as $$" >&2; exec "$@"', node.id, ...argv],
            warning: "memory limit not enforced here",
            ended: () => {
              ended.push(node.id);
              return Promise.resolve("killed by the memory limit (OOM)");
            },
          });
        },
      }),
    );
    const result = await rec.runtime.finished;
    const node = result.nodes[0]!;
    assert.match(launched[0]!.join(" "), /python3 -u .*exit_code\.py 2$/);
    assert.deepEqual(ended, ["n"]);
    assert.deepEqual(warnings, ["n: memory limit not enforced here"]);
    assert.deepEqual([node.status, node.exit_code, node.reason], [
      "Failed",
      2,
      "killed by the memory limit (OOM)",
    ]);
    // The wrapper shell exec'd the node: the pid it printed is the node's pid.
    assert.deepEqual(rec.textOf("n", "stderr")[0], `joined as ${node.pid}`);
  } finally {
    await root.cleanup();
  }
});
