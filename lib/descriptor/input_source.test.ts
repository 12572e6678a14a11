import assert from "node:assert/strict";
import { parseInputSource } from "./input_source.ts";

Deno.test("parseInputSource: node/output, split at the first slash", () => {
  assert.deepEqual(parseInputSource("camera/image"), {
    ok: true,
    source: { kind: "node", node: "camera", output: "image" },
  });
  assert.deepEqual(parseInputSource("runtime-node/op/status"), {
    ok: true,
    source: { kind: "node", node: "runtime-node", output: "op/status" },
  });
});

Deno.test("parseInputSource: timers in secs, millis and hz", () => {
  const ms = (raw: string) => {
    const parsed = parseInputSource(raw);
    assert.ok(parsed.ok && parsed.source.kind === "timer", raw);
    return parsed.source.intervalMs;
  };
  assert.equal(ms("dora/timer/millis/50"), 50);
  assert.equal(ms("dora/timer/secs/2"), 2000);
  assert.equal(ms("dora/timer/secs/0.5"), 500);
  assert.equal(ms("dora/timer/hz/4"), 250);
  assert.equal(ms("dora/timer/hz/3"), 1000 / 3);
  assert.equal(ms("dora/timer/millis/0.5"), 0.5);
});

Deno.test("parseInputSource: zero and malformed timers", () => {
  assert.deepEqual(parseInputSource("dora/timer/millis/0"), {
    ok: false,
    error: "invalid timer 'dora/timer/millis/0': N must be greater than 0",
  });
  assert.deepEqual(parseInputSource("dora/timer/hz/0.0"), {
    ok: false,
    error: "invalid timer 'dora/timer/hz/0.0': N must be greater than 0",
  });
  const malformed = (raw: string) => ({
    ok: false,
    error: `invalid timer '${raw}': expected dora/timer/secs/N, dora/timer/millis/N or ` +
      `dora/timer/hz/N, with N a positive number`,
  });
  for (
    const raw of [
      "dora/timer/millis/abc",
      "dora/timer/millis/",
      "dora/timer/millis",
      "dora/timer/minutes/3",
      "dora/timer/millis/-5",
      "dora/timer/millis/1e3",
      "dora/timer/millis/5/extra",
      "dora/timer",
    ]
  ) assert.deepEqual(parseInputSource(raw), malformed(raw));
});

Deno.test("parseInputSource: dora/logs, all, from a level, from a level of one node", () => {
  assert.deepEqual(parseInputSource("dora/logs"), { ok: true, source: { kind: "logs" } });
  assert.deepEqual(parseInputSource("dora/logs/error"), {
    ok: true,
    source: { kind: "logs", minLevel: "error" },
  });
  assert.deepEqual(parseInputSource("dora/logs/WARNING/sensor"), {
    ok: true,
    source: { kind: "logs", minLevel: "warn", node: "sensor" },
  });
  assert.deepEqual(parseInputSource("dora/logs/loud"), {
    ok: false,
    error: "invalid log level 'loud' in 'dora/logs/loud': expected one of stdout, trace, " +
      "debug, info, warn, error",
  });
  for (const raw of ["dora/logs/", "dora/logs/info/", "dora/logs/info/a/b"]) {
    assert.deepEqual(parseInputSource(raw), {
      ok: false,
      error: `invalid log input '${raw}': expected dora/logs, dora/logs/<level> or ` +
        "dora/logs/<level>/<node>",
    });
  }
});

Deno.test("parseInputSource: other dora inputs and malformed sources", () => {
  assert.deepEqual(parseInputSource("dora/metrics"), {
    ok: false,
    error: "unknown dora input 'dora/metrics': the built-in inputs are timers " +
      "(dora/timer/secs/N, dora/timer/millis/N or dora/timer/hz/N) and logs (dora/logs, " +
      "dora/logs/<level> or dora/logs/<level>/<node>)",
  });
  const bad = (raw: string) => ({
    ok: false,
    error: `invalid input source '${raw}': expected '<node>/<output>' or a timer like ` +
      `'dora/timer/millis/100'`,
  });
  assert.deepEqual(parseInputSource("camera"), bad("camera"));
  assert.deepEqual(parseInputSource("/image"), bad("/image"));
  assert.deepEqual(parseInputSource("camera/"), bad("camera/"));
  assert.deepEqual(parseInputSource(""), bad(""));
});
