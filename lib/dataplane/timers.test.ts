import assert from "node:assert/strict";
import { GridTimer, planTick } from "./timers.ts";

Deno.test("timer plan: ticks sit on the grid start + k * interval", () => {
  assert.deepEqual(planTick(1000, 50, 0, 1020), { skipped: 0, next: 1, nextAt: 1050 });
  assert.deepEqual(planTick(1000, 50, 0, 1051), { fire: 1, skipped: 0, next: 2, nextAt: 1100 });
  // A late wake-up does not shift later ticks.
  assert.deepEqual(planTick(1000, 50, 1, 1149), { fire: 2, skipped: 0, next: 3, nextAt: 1150 });
});

Deno.test("timer plan: missed ticks are skipped, not burst", () => {
  const plan = planTick(0, 10, 2, 95);
  assert.deepEqual(plan, { fire: 9, skipped: 6, next: 10, nextAt: 100 });
  // Having fired, nothing more is due until the next grid point.
  assert.equal(planTick(0, 10, 9, 99).fire, undefined);
});

Deno.test("timer: fires at its rate without drift", async () => {
  const times: number[] = [];
  const start = performance.now();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => done = resolve);
  const timer = new GridTimer(20, () => {
    times.push(performance.now() - start);
    if (times.length === 25) done();
  }, start);
  await finished;
  timer.stop();
  // 25 ticks of 20 ms end near 500 ms; drift would push the last one further out.
  const last = times.at(-1)!;
  assert.ok(last >= 500 && last < 650, `25th tick at ${last.toFixed(1)} ms`);
  times.forEach((t, i) => assert.ok(t >= (i + 1) * 20 - 0.5, `tick ${i + 1} early at ${t}`));
});
