import assert from "node:assert/strict";
import { ChangeBatcher, type Clock } from "./batcher.ts";

/** A clock that only moves when told to, running due timers in order. */
class FakeClock implements Clock {
  time = 0;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();

  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.#timers.delete(id as number);
  };

  get timerCount(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

function setup(delayMs = 300, maxWaitMs?: number) {
  const clock = new FakeClock();
  const calls: string[][] = [];
  const errors: unknown[] = [];
  let gate: { promise: Promise<void>; resolve: () => void } | undefined;
  const batcher = new ChangeBatcher({
    delayMs,
    maxWaitMs,
    clock,
    onError: (err) => errors.push(err),
    run: async (paths) => {
      calls.push(paths);
      if (gate) await gate.promise;
    },
  });
  return {
    clock,
    calls,
    errors,
    batcher,
    hold: () => gate = deferred(),
    release: () => {
      const g = gate;
      gate = undefined;
      g?.resolve();
    },
  };
}

Deno.test("trailing debounce: runs once, after the last change has been quiet", async () => {
  const { clock, calls, batcher } = setup(300);
  batcher.add(["b.py"]);
  await clock.advance(200);
  batcher.add(["a.py", "b.py"]);
  await clock.advance(299);
  assert.deepEqual(calls, []);
  await clock.advance(1);
  assert.deepEqual(calls, [["a.py", "b.py"]], "deduplicated and sorted");
  await clock.advance(5000);
  assert.equal(calls.length, 1);
});

Deno.test("an empty change list does nothing", async () => {
  const { clock, calls, batcher } = setup();
  batcher.add([]);
  assert.equal(clock.timerCount, 0);
  await clock.advance(1000);
  assert.deepEqual(calls, []);
});

Deno.test("changes during a running action give exactly one more call afterwards", async () => {
  const { clock, calls, batcher, hold, release } = setup(300);
  hold();
  batcher.add(["a.py"]);
  await clock.advance(300);
  assert.deepEqual(calls, [["a.py"]]);
  assert.equal(batcher.running, true);
  for (const name of ["b.py", "c.py", "b.py", "d.yaml"]) {
    batcher.add([name]);
    await clock.advance(400);
  }
  assert.equal(calls.length, 1, "no overlap while the action runs");
  assert.equal(batcher.pendingCount, 3);
  release();
  await clock.advance(0);
  // The last change was 400 ms ago: already quiet, so the follow-up runs at once.
  assert.deepEqual(calls, [["a.py"], ["b.py", "c.py", "d.yaml"]]);
  await clock.advance(5000);
  assert.equal(calls.length, 2);
});

Deno.test("the follow-up call is still debounced from the last change", async () => {
  const { clock, calls, batcher, hold, release } = setup(300);
  hold();
  batcher.add(["a.py"]);
  await clock.advance(300);
  batcher.add(["b.py"]);
  await clock.advance(100);
  release();
  await clock.advance(0);
  assert.equal(calls.length, 1);
  await clock.advance(199);
  assert.equal(calls.length, 1);
  await clock.advance(1);
  assert.deepEqual(calls, [["a.py"], ["b.py"]]);
});

Deno.test("a file that never stops changing still triggers after maxWaitMs", async () => {
  const { clock, calls, batcher } = setup(300, 1000);
  for (let t = 0; t < 1500; t += 100) {
    batcher.add(["state.json"]);
    await clock.advance(100);
  }
  assert.deepEqual(calls, [["state.json"]]);
  assert.ok(clock.time >= 1000);
});

Deno.test("maxWaitMs defaults to ten times the delay, at least one second", async () => {
  const { clock, calls, batcher } = setup(50);
  for (let t = 0; t < 990; t += 30) {
    batcher.add(["x.py"]);
    await clock.advance(30);
  }
  assert.equal(calls.length, 0);
  for (let t = 0; t < 60; t += 30) {
    batcher.add(["x.py"]);
    await clock.advance(30);
  }
  assert.equal(calls.length, 1);
});

Deno.test("an action that throws is reported and the batcher carries on", async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  let n = 0;
  const batcher = new ChangeBatcher({
    delayMs: 10,
    clock,
    onError: (err) => errors.push(err),
    run: () => {
      n++;
      if (n === 1) throw new Error("boom");
    },
  });
  batcher.add(["a.py"]);
  await clock.advance(10);
  batcher.add(["b.py"]);
  await clock.advance(10);
  assert.equal(n, 2);
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "boom");
});

Deno.test("close drops pending changes, waits for a running action, ignores later ones", async () => {
  const { clock, calls, batcher, hold, release } = setup(300);
  batcher.add(["a.py"]);
  await clock.advance(100);
  const closedEarly = new ChangeBatcher({ delayMs: 1, clock, run: () => {} });
  await closedEarly.close();
  hold();
  await clock.advance(200);
  assert.equal(batcher.running, true);
  batcher.add(["b.py"]);
  let closed = false;
  const closing = batcher.close().then(() => closed = true);
  await settle();
  assert.equal(closed, false, "close waits for the running action");
  release();
  await closing;
  batcher.add(["c.py"]);
  await clock.advance(5000);
  assert.deepEqual(calls, [["a.py"]]);
  assert.equal(clock.timerCount, 0);
});
