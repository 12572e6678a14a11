/**
 * dora 1.0's fault-tolerance keys end to end, through the real CLI: a health-check kill and the
 * restart it leads to, an input timeout and its recovery, `restart_delay` (timed generously),
 * `max_restarts` and `restart_window`, `finish_grace_secs`. The first two run both with
 * `dora run` and under the daemon, which share one code path.
 */
import assert from "node:assert/strict";
import { eventsIn, linesOf, runFlow, startFlow, withHome, writeFlow } from "./dora10_helpers.ts";

const HEALTH_FLOW = `health_check_interval: 0.2
nodes:
  - id: worker
    path: $FIX/hang.py
    env: { MARKER: marker }
    inputs: { tick: dora/timer/millis/100 }
    restart_policy: on-failure
    health_check_timeout: 1.0
`;

function checkHealthKill(lines: string[]): void {
  const text = lines.join("\n");
  assert.match(text, /hanging/);
  assert.match(
    text,
    /\[dora\] no activity for \d+(\.\d)?s \(health_check_timeout 1s\): killing it/,
  );
  assert.match(text, /\[dora\] killed by SIGKILL \(health_check_timeout\)/);
  assert.match(text, /\[dora\] restarting in \S+ \(restart 1\)/);
  assert.match(text, /second run done/);
}

Deno.test("health_check_timeout: a silent node is killed and restarted (dora run)", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, HEALTH_FLOW);
    const res = await runFlow(home, file);
    // The [dora] lines are on stderr, the node's on stdout.
    checkHealthKill([...linesOf(res.stdout, "worker"), ...linesOf(res.stderr, "worker")]);
  });
});

Deno.test("health_check_timeout: the same under the daemon", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, HEALTH_FLOW);
    const { info, logs } = await startFlow(home, file);
    assert.equal(info.status, "Succeeded");
    assert.equal(info.nodes[0]!.restarts, 1);
    checkHealthKill(linesOf(logs, "worker"));
  });
});

const TIMEOUT_FLOW = `health_check_interval: 0.1
nodes:
  - { id: sender, path: $FIX/pauser.py, args: "3 2.0", outputs: [out] }
  - id: receiver
    path: $FIX/events.py
    inputs:
      data: { source: sender/out, input_timeout: 0.5 }
`;

function checkTimeout(lines: string[]): void {
  const events = eventsIn(lines);
  const kinds = events.map((e) =>
    e.type === "INPUT" ? `INPUT ${(e.value as { i: number }).i}` : e.type
  );
  assert.deepEqual(kinds, [
    "INPUT 0",
    "INPUT 1",
    "INPUT 2",
    "INPUT_CLOSED", // the timeout: no message for 0.5 s
    "INPUT_RECOVERED", // the next message arrives...
    "INPUT 3", // ...right after
    "INPUT 4",
    "INPUT 5",
    "INPUT_CLOSED", // the sender exited
    "STOP",
  ]);
  const at = (i: number) => events[i]!.at;
  // Closed after about the timeout (checked every 0.1 s), well before the sender came back.
  assert.ok(at(3) - at(2) >= 0.45 && at(3) - at(2) < 1.8, `closed after ${at(3) - at(2)} s`);
  assert.ok(at(4) - at(3) > 0.3, "recovered only when a message came");
}

Deno.test("input_timeout: INPUT_CLOSED after the timeout, INPUT_RECOVERED with the next message", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, TIMEOUT_FLOW);
    const res = await runFlow(home, file);
    checkTimeout(linesOf(res.stdout, "receiver"));
    assert.match(res.stderr, /input 'data' of node 'receiver' got no message for 0\.5s/);
  });
});

Deno.test("input_timeout: the same under the daemon", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, TIMEOUT_FLOW);
    const { info, logs } = await startFlow(home, file);
    assert.equal(info.status, "Succeeded");
    checkTimeout(linesOf(logs, "receiver"));
  });
});

/** The times of `run N at <t>` lines. */
function runTimes(lines: string[]): number[] {
  return lines.flatMap((l) => {
    const m = /^run (\d+) at ([\d.]+)$/.exec(l);
    return m ? [Number(m[2])] : [];
  });
}

Deno.test("restart_delay doubles up to max_restart_delay; max_restarts gives up", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(
      home,
      `nodes:
  - id: flaky
    path: $FIX/crash_count.py
    args: "3"
    env: { COUNTER: count }
    restart_policy: on-failure
    max_restarts: 5
    restart_delay: 0.4
    max_restart_delay: 0.8
`,
    );
    const res = await runFlow(home, file);
    const times = runTimes(linesOf(res.stdout, "flaky"));
    assert.equal(times.length, 4, res.stdout);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 0.4 s, 0.8 s, then capped at 0.8 s; a slow machine only makes gaps longer.
    for (const [i, least] of [0.4, 0.8, 0.8].entries()) {
      assert.ok(gaps[i]! >= least * 0.9 && gaps[i]! < least + 3, `gap ${i}: ${gaps[i]} s`);
    }
    assert.match(res.stderr, /restarting in 400ms \(restart 1\)/);
    assert.match(res.stderr, /restarting in 800ms \(restart 2\)/);
    assert.match(res.stderr, /restarting in 800ms \(restart 3\)/);

    await Deno.remove(`${home.dir}/flow/count`);
    const limited = await writeFlow(
      home,
      `nodes:
  - id: doomed
    path: $FIX/crash_count.py
    args: "99"
    env: { COUNTER: count }
    restart_policy: always
    max_restarts: 2
    restart_delay: 0
`,
      {},
      "limited.yml",
    );
    const gaveUp = await runFlow(home, limited, [], 1);
    assert.equal(runTimes(linesOf(gaveUp.stdout, "doomed")).length, 3);
    assert.match(gaveUp.stderr, /not restarted: gave up after 2 restarts \(max_restarts: 2\)/);
  });
});

Deno.test("restart_window: the restart count starts over after the window", async () => {
  await withHome(async (home) => {
    // Each run lasts 0.4 s, longer than the window: every restart is the first of its window.
    const file = await writeFlow(
      home,
      `nodes:
  - id: flaky
    path: $FIX/crash_count.py
    args: "3 0.4"
    env: { COUNTER: count }
    restart_policy: on-failure
    max_restarts: 1
    restart_window: 0.3
    restart_delay: 0
`,
    );
    const res = await runFlow(home, file);
    assert.equal(runTimes(linesOf(res.stdout, "flaky")).length, 4, res.stderr);
  });
});

Deno.test("finish_grace_secs: a node that outstays its closed inputs is killed", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(
      home,
      `nodes:
  - { id: sender, path: $DP/flood.py, args: "2", outputs: [out] }
  - id: lingering
    path: $FIX/linger.py
    inputs: { data: sender/out }
    finish_grace_secs: 0.5
`,
    );
    const started = Date.now();
    const res = await runFlow(home, file, [], 1);
    assert.ok(Date.now() - started < 20_000, "killed long before its sleep ended");
    assert.match(
      res.stderr,
      /lingering \| \[dora\] still running 0\.5s after its inputs closed \(finish_grace_secs\)/,
    );
    assert.match(res.stderr, /killed by SIGKILL \(finish_grace_secs\)/);
  });
});
