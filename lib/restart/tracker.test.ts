import assert from "node:assert/strict";
import {
  formatDelay,
  type RestartDecision,
  type RestartOptions,
  restartOptionsFromSettings,
  RestartTracker,
} from "./tracker.ts";
import { nodeRestartOptions } from "./node_options.ts";

/** A clock the test moves by hand. */
class FakeClock {
  constructor(public t = 1_000_000) {}
  now = () => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

/** Plays back the given values, then repeats the last one. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

const OPTS: RestartOptions = {
  baseDelayMs: 100,
  maxDelayMs: 1000,
  stableMs: 5000,
  maxFailures: 100,
  windowMs: 60_000,
  jitter: "none",
};

/** Runs the node for `runMs`, lets it exit, and returns the tracker's decision. */
function crashAfter(tracker: RestartTracker, clock: FakeClock, runMs: number): RestartDecision {
  const started = clock.t;
  const ended = clock.advance(runMs);
  const decision = tracker.onExit(started, ended);
  if (decision.action === "restart") {
    clock.advance(decision.delayMs);
    tracker.restarted();
  }
  return decision;
}

function delays(decisions: RestartDecision[]): number[] {
  return decisions.map((d) => d.action === "restart" ? d.delayMs : -1);
}

Deno.test("backoff doubles from the base delay up to the cap (no jitter)", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker(OPTS, { now: clock.now });
  const seen = Array.from({ length: 7 }, () => crashAfter(tracker, clock, 10));
  assert.deepEqual(delays(seen), [100, 200, 400, 800, 1000, 1000, 1000]);
  assert.deepEqual(
    seen.map((d) => d.action === "restart" && d.attempt),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.equal(tracker.restarts, 7);
});

Deno.test("full jitter: a random share of the exponential delay, still capped", () => {
  const clock = new FakeClock();
  const random = sequence(0.5, 0, 0.999, 0.25, 0.5);
  const tracker = new RestartTracker({ ...OPTS, jitter: "full" }, { now: clock.now, random });
  const seen = Array.from({ length: 5 }, () => crashAfter(tracker, clock, 10));
  // exponential: 100, 200, 400, 800, 1000 (capped)
  assert.deepEqual(delays(seen), [50, 0, 400, 200, 500]);
});

Deno.test("decorrelated jitter: between the base and 3x the previous delay, capped", () => {
  const clock = new FakeClock();
  const random = sequence(0, 1, 1, 1, 0.5, 0);
  const tracker = new RestartTracker({ ...OPTS, jitter: "decorrelated" }, {
    now: clock.now,
    random,
  });
  const seen = Array.from({ length: 6 }, () => crashAfter(tracker, clock, 10));
  // 100 + 0*(300-100) = 100; 100+1*(300-100) = 300; 100+1*(900-100) = 900; min(1000, 2700);
  // 100 + 0.5*(3000-100) = 1550 -> capped 1000; 100 + 0 = 100.
  assert.deepEqual(delays(seen), [100, 300, 900, 1000, 1000, 100]);
});

Deno.test("decorrelated jitter never goes below the base delay", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker({ ...OPTS, jitter: "decorrelated" }, {
    now: clock.now,
    random: () => 0,
  });
  for (let i = 0; i < 10; i++) {
    const d = crashAfter(tracker, clock, 10);
    assert.ok(d.action === "restart" && d.delayMs === 100, JSON.stringify(d));
  }
});

Deno.test("a base delay above the cap is held to the cap", () => {
  const clock = new FakeClock();
  for (const jitter of ["none", "full", "decorrelated"] as const) {
    const tracker = new RestartTracker({ ...OPTS, baseDelayMs: 5000, maxDelayMs: 700, jitter }, {
      now: clock.now,
      random: () => 0.999,
    });
    for (let i = 0; i < 3; i++) {
      const d = crashAfter(tracker, clock, 10);
      assert.ok(d.action === "restart" && d.delayMs <= 700, `${jitter}: ${JSON.stringify(d)}`);
    }
  }
});

Deno.test("a run that lasted the stable period resets the backoff", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker(OPTS, { now: clock.now });
  const before = [10, 10, 10].map((ms) => crashAfter(tracker, clock, ms));
  assert.deepEqual(delays(before), [100, 200, 400]);
  assert.equal(tracker.attempt, 3);
  // Just short of stable: the backoff keeps growing.
  assert.deepEqual(delays([crashAfter(tracker, clock, 4999)]), [800]);
  // Exactly stable: back to the base delay and attempt 1.
  const reset = crashAfter(tracker, clock, 5000);
  assert.deepEqual(reset.action === "restart" && [reset.delayMs, reset.attempt], [100, 1]);
  assert.deepEqual(delays([crashAfter(tracker, clock, 10)]), [200]);
  assert.equal(tracker.restarts, 6, "a reset does not forget how many restarts happened");
});

Deno.test("crash-loop guard: N failures within the window give up", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker({ ...OPTS, maxFailures: 4, windowMs: 10_000 }, {
    now: clock.now,
  });
  const seen = [1, 2, 3].map(() => crashAfter(tracker, clock, 100));
  assert.ok(seen.every((d) => d.action === "restart"));
  assert.equal(tracker.failuresInWindow, 3);
  const fourth = crashAfter(tracker, clock, 100);
  assert.deepEqual(fourth, {
    action: "give-up",
    reason: "gave up after 4 failures within 10s (crash-loop guard)",
  });
  assert.equal(tracker.gaveUp, fourth.action === "give-up" ? fourth.reason : "");
  assert.equal(tracker.nextRetryAt, null);
  assert.equal(tracker.restarts, 3);
  // Given up stays given up.
  assert.equal(crashAfter(tracker, clock, 60_000).action, "give-up");
});

Deno.test("crash-loop guard counts long runs too (a node dying after a few seconds is a loop)", () => {
  // pm2 #1496: a node that crashes after 2 s restarts forever. Here each run outlives the
  // stable period (so the backoff resets every time), yet the guard still trips.
  const clock = new FakeClock();
  const tracker = new RestartTracker(
    { ...OPTS, stableMs: 1000, maxFailures: 5, windowMs: 60_000 },
    { now: clock.now },
  );
  const seen = Array.from({ length: 5 }, () => crashAfter(tracker, clock, 2000));
  assert.deepEqual(delays(seen.slice(0, 4)), [100, 100, 100, 100]);
  assert.equal(seen[4]!.action, "give-up");
});

Deno.test("failures older than the window no longer count", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker({ ...OPTS, maxFailures: 3, windowMs: 10_000 }, {
    now: clock.now,
  });
  crashAfter(tracker, clock, 100);
  crashAfter(tracker, clock, 100);
  assert.equal(tracker.failuresInWindow, 2);
  clock.advance(10_001);
  assert.equal(tracker.failuresInWindow, 0);
  // Two old failures slid out: this is failure 1 of the new window, not 3.
  const after = crashAfter(tracker, clock, 100);
  assert.equal(after.action, "restart");
  assert.equal(tracker.failuresInWindow, 1);
});

Deno.test("a failure exactly one window after an earlier one does not count that one", () => {
  const tracker = new RestartTracker({ ...OPTS, maxFailures: 2, windowMs: 1000 }, {
    now: () => 0,
  });
  assert.equal(tracker.onExit(0, 500).action, "restart");
  assert.equal(tracker.onExit(600, 1500).action, "restart");
  assert.equal(tracker.onExit(1600, 1900).action, "give-up");
});

Deno.test("nextRetryAt is the clock time of the pending restart; restarted/cancel clear it", () => {
  const clock = new FakeClock(50_000);
  const tracker = new RestartTracker(OPTS, { now: clock.now });
  assert.equal(tracker.nextRetryAt, null);
  const decision = tracker.onExit(49_000, 50_000);
  assert.deepEqual(decision, { action: "restart", delayMs: 100, attempt: 1, retryAt: 50_100 });
  assert.equal(tracker.nextRetryAt, 50_100);
  tracker.restarted();
  assert.equal(tracker.nextRetryAt, null);
  assert.equal(tracker.restarts, 1);
  tracker.onExit(50_100, 50_200);
  assert.equal(tracker.nextRetryAt, 50_000 + 200);
  tracker.cancel();
  assert.equal(tracker.nextRetryAt, null);
  assert.equal(tracker.restarts, 1, "a cancelled restart is not counted");
});

Deno.test("reset forgets backoff, failures and a give-up, but keeps the restart count", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker({ ...OPTS, maxFailures: 3 }, { now: clock.now });
  crashAfter(tracker, clock, 10);
  crashAfter(tracker, clock, 10);
  assert.equal(crashAfter(tracker, clock, 10).action, "give-up");
  tracker.reset();
  assert.equal(tracker.gaveUp, null);
  assert.equal(tracker.failuresInWindow, 0);
  assert.equal(tracker.restarts, 2);
  const again = crashAfter(tracker, clock, 10);
  assert.deepEqual(again.action === "restart" && [again.delayMs, again.attempt], [100, 1]);
});

Deno.test("state survives toJSON and a new tracker", () => {
  const clock = new FakeClock();
  const first = new RestartTracker({ ...OPTS, maxFailures: 3 }, { now: clock.now });
  crashAfter(first, clock, 10);
  crashAfter(first, clock, 10);
  const saved = JSON.parse(JSON.stringify(first));
  const second = new RestartTracker({ ...OPTS, maxFailures: 3 }, { now: clock.now, state: saved });
  assert.equal(second.restarts, 2);
  assert.equal(second.attempt, 2);
  assert.equal(crashAfter(second, clock, 10).action, "give-up");
  assert.equal(first.gaveUp, null, "the saved state is a copy");
});

Deno.test("a clock going backwards counts as a zero-length run", () => {
  const tracker = new RestartTracker({ ...OPTS, stableMs: 0 }, { now: () => 0 });
  // stableMs 0: every run is stable, even a negative one, so the delay stays at the base.
  assert.deepEqual(delays([tracker.onExit(500, 100), tracker.onExit(500, 400)]), [100, 100]);
  const strict = new RestartTracker(OPTS, { now: () => 0 });
  assert.deepEqual(delays([strict.onExit(500, 100), strict.onExit(500, 400)]), [100, 200]);
});

Deno.test("options come from the DORA_RESTART_* variables", () => {
  const vars = {
    DORA_RESTART_DELAY_MS: "20",
    DORA_RESTART_MAX_DELAY_MS: "300",
    DORA_RESTART_STABLE_MS: "700",
    DORA_RESTART_MAX_FAILURES: "3",
    DORA_RESTART_WINDOW_MS: "4000",
  };
  const saved = Object.keys(vars).map((k) => [k, Deno.env.get(k)] as const);
  try {
    for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
    assert.deepEqual(restartOptionsFromSettings(), {
      baseDelayMs: 20,
      maxDelayMs: 300,
      stableMs: 700,
      maxFailures: 3,
      windowMs: 4000,
      jitter: "decorrelated",
    });
    const tracker = new RestartTracker({ jitter: "none" }, { now: () => 0 });
    assert.equal(tracker.options.baseDelayMs, 20);
    assert.equal(tracker.options.maxFailures, 3);
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});

Deno.test("formatDelay", () => {
  assert.equal(formatDelay(250), "250ms");
  assert.equal(formatDelay(1000), "1s");
  assert.equal(formatDelay(1500), "1.5s");
  assert.equal(formatDelay(60_000), "60s");
});

Deno.test("dora's restart_delay: exact doubling, capped by max_restart_delay, no stable reset", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker(
    nodeRestartOptions(OPTS, { delayMs: 1000, maxDelayMs: 10_000 }),
    { now: clock.now, random: () => 0.5 },
  );
  // Runs well past the stable period still double (dora counts attempts per window).
  const seen = Array.from({ length: 6 }, () => crashAfter(tracker, clock, 20_000));
  assert.deepEqual(delays(seen), [1000, 2000, 4000, 8000, 10_000, 10_000]);
});

Deno.test("dora's restart_delay without a cap keeps doubling (the exponent stops at 16)", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker(nodeRestartOptions(OPTS, { delayMs: 1 }), { now: clock.now });
  const seen = Array.from({ length: 20 }, () => crashAfter(tracker, clock, 1));
  assert.equal(delays(seen)[4], 16);
  assert.equal(delays(seen)[19], 65_536);
});

Deno.test("max_restarts: N restarts, then given up; it replaces the crash-loop guard", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker(
    nodeRestartOptions({ ...OPTS, maxFailures: 2 }, { maxRestarts: 3 }),
    { now: clock.now },
  );
  const seen = Array.from({ length: 4 }, () => crashAfter(tracker, clock, 10));
  assert.deepEqual(seen.slice(0, 3).map((d) => d.action), ["restart", "restart", "restart"]);
  assert.deepEqual(seen[3], {
    action: "give-up",
    reason: "gave up after 3 restarts (max_restarts: 3)",
  });
  // max_restarts: 0 is unlimited, and the guard (2 failures here) is off.
  const unlimited = new RestartTracker(
    nodeRestartOptions({ ...OPTS, maxFailures: 2 }, { maxRestarts: 0 }),
    { now: clock.now },
  );
  for (let i = 0; i < 50; i++) assert.equal(crashAfter(unlimited, clock, 10).action, "restart");
});

Deno.test("restart_window: the count starts over once the window since its first restart passed", () => {
  const clock = new FakeClock();
  const tracker = new RestartTracker(
    nodeRestartOptions(OPTS, { maxRestarts: 2, windowMs: 10_000, delayMs: 100 }),
    { now: clock.now },
  );
  assert.deepEqual(delays([crashAfter(tracker, clock, 10), crashAfter(tracker, clock, 10)]), [
    100,
    200,
  ]);
  clock.advance(10_000);
  // A new window: two more restarts, the delay from the start again.
  const again = [crashAfter(tracker, clock, 10), crashAfter(tracker, clock, 10)];
  assert.deepEqual(delays(again), [100, 200]);
  const third = crashAfter(tracker, clock, 10);
  assert.deepEqual(third, {
    action: "give-up",
    reason: "gave up after 2 restarts within 10s (max_restarts: 2)",
  });
});
