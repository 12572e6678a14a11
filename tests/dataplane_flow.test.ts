/**
 * End to end through the real data plane: drop-oldest queues with a slow consumer, timer
 * rates, fan-out, and `send_stdout_as`.
 */
import assert from "node:assert/strict";
import { records, startRun } from "./fixtures/dataplane/harness.ts";
import { pollUntil } from "./helpers.ts";

type Ev = Record<string, unknown>;

Deno.test("flow: a slow consumer gets the freshest messages; drops are counted per input", async () => {
  const run = await startRun(`
nodes:
  - { id: flood, path: $FIXTURES/flood.py, args: "300", outputs: [out] }
  - id: slow
    path: $FIXTURES/slow.py
    args: "0.02"
    inputs: { in: { source: flood/out, queue_size: 5 } }
  - id: fast
    path: $FIXTURES/receiver.ts
    inputs: { in: { source: flood/out, queue_size: 1000 } }
`);
  try {
    const statuses = await run.waitAll();
    for (const [id, status] of statuses) {
      assert.equal(status.code, 0, `${id}: ${run.procs.get(id)!.stderr()}`);
    }
    const got = records(run.out("slow")) as number[];
    const stats = run.plane.stats();
    assert.equal(stats.slow!.in!.received, got.length);
    assert.equal(stats.slow!.in!.received + stats.slow!.in!.dropped, 300);
    assert.ok(stats.slow!.in!.dropped > 0, "the slow consumer should have lost messages");
    assert.equal(stats.slow!.in!.queueSize, 5);
    // Oldest dropped first: what arrives is in order, and the last five always make it.
    assert.deepEqual(got, [...got].sort((a, b) => a - b));
    assert.deepEqual(got.slice(-5), [295, 296, 297, 298, 299]);
    assert.match(run.out("slow"), /INPUT_CLOSED in\nSTOP ALL_INPUTS_CLOSED\nslow done/);
    // Fan-out: the other consumer of the same output, with room enough, lost nothing.
    assert.deepEqual(stats.fast, { in: { received: 300, dropped: 0, queueSize: 1000 } });
  } finally {
    await run.cleanup();
  }
});

Deno.test("flow: timers tick at their rate (millis, hz, secs) without drift", async () => {
  const run = await startRun(`
nodes:
  - { id: millis, path: $FIXTURES/ticker.py, args: "15", inputs: { tick: dora/timer/millis/50 } }
  - { id: hz, path: $FIXTURES/ticker.py, args: "30", inputs: { tick: dora/timer/hz/50 } }
  - { id: secs, path: $FIXTURES/ticker.py, args: "2", inputs: { tick: dora/timer/secs/1 } }
`);
  try {
    const statuses = await run.waitAll();
    for (const [id, status] of statuses) assert.equal(status.code, 0, id);
    for (
      const [id, intervalMs, count] of [["millis", 50, 15], ["hz", 20, 30], [
        "secs",
        1000,
        2,
      ]] as const
    ) {
      const ticks = (records(run.out(id)) as Ev[]).slice(1);
      assert.equal(ticks.length, count, id);
      const sent = ticks.map((t) => (t.sent as number) * 1000);
      const span = sent.at(-1)! - sent[0]!;
      const ideal = (count - 1) * intervalMs;
      // Generous bounds for a shared machine; drift would only ever make the span longer.
      assert.ok(
        span >= ideal - intervalMs && span <= ideal * 1.5 + 100,
        `${id}: ${count} ticks over ${span.toFixed(0)} ms, ideal ${ideal}`,
      );
      for (let i = 1; i < sent.length; i++) {
        assert.ok(
          sent[i]! - sent[i - 1]! >= intervalMs * 0.5,
          `${id}: ticks ${i - 1} and ${i} came in a burst`,
        );
      }
    }
    assert.equal(run.plane.stats().hz!.tick!.queueSize, 10);
  } finally {
    await run.cleanup();
  }
});

Deno.test("flow: send_stdout_as turns each stdout line into a text message", async () => {
  const run = await startRun(`
nodes:
  - id: talker
    path: shell
    args: "echo 'line one'; echo 'line two ✓'"
    outputs: [out]
    send_stdout_as: out
  - { id: receiver, path: $FIXTURES/receiver.ts, inputs: { in: talker/out } }
`);
  try {
    await pollUntil("the receiver to finish", () => run.out("receiver").includes("receiver done"));
    const events = records(run.out("receiver")) as Ev[];
    assert.deepEqual(events.map((e) => e.type === "INPUT" ? e.value : e.type), [
      { text: "line one" },
      { text: "line two ✓" },
      "INPUT_CLOSED",
      "STOP",
    ]);
    assert.deepEqual(run.warnings, []);
  } finally {
    await run.cleanup();
  }
});
