import assert from "node:assert/strict";
import {
  failureReport,
  formatBuildDuration,
  type NodeOutcome,
  outcomeLine,
  progressText,
} from "./report.ts";

Deno.test("build durations read naturally", () => {
  assert.equal(formatBuildDuration(0), "0ms");
  assert.equal(formatBuildDuration(849.6), "850ms");
  assert.equal(formatBuildDuration(2149), "2.1s");
  assert.equal(formatBuildDuration(9999), "9.9s");
  assert.equal(formatBuildDuration(42_700), "42s");
  assert.equal(formatBuildDuration(185_000), "3m 05s");
  assert.equal(formatBuildDuration(-5), "0ms");
  assert.equal(formatBuildDuration(NaN), "0ms");
});

Deno.test("one line per node outcome", () => {
  assert.equal(outcomeLine({ id: "camera", status: "built", ms: 2100 }), "✓ camera built (2.1s)");
  assert.equal(outcomeLine({ id: "detector", status: "nothing" }), "- detector: nothing to build");
  assert.equal(
    outcomeLine({ id: "plot", status: "skipped" }),
    "= plot: up to date (skipped; --force rebuilds)",
  );
  assert.equal(
    outcomeLine({ id: "x", status: "failed", ms: 300, failure: { tail: [], log: "l" } }),
    "✗ x failed (300ms)",
  );
  assert.equal(outcomeLine({ id: "y", status: "not-built" }), undefined);
});

Deno.test("spinner text names the node, the line (shortened) and the step", () => {
  assert.equal(progressText("cam", 1, 1, "  make  "), "cam: make");
  assert.equal(progressText("cam", 2, 3, "make"), "cam: make (step 2/3)");
  const long = progressText("cam", 1, 1, `pip install ${"x".repeat(100)}`);
  assert.equal(long.length, "cam: ".length + 60);
  assert.ok(long.endsWith("..."));
});

Deno.test("failure report: command and exit code, last lines, log, nodes not built", () => {
  const outcome: Extract<NodeOutcome, { status: "failed" }> = {
    id: "camera",
    status: "failed",
    ms: 10,
    failure: { command: "make all", code: 2, tail: ["cc -c a.c", "a.c:1: error"], log: "/l/c.log" },
  };
  assert.deepEqual(failureReport(outcome, ["detector", "plot"]), {
    message: "Build of node 'camera' failed: `make all` exited with code 2",
    details: [
      "Last output lines:",
      "  | cc -c a.c",
      "  | a.c:1: error",
      "Full output: /l/c.log",
      "Not built because of this failure: detector, plot",
    ],
  });
});

Deno.test("failure report: a signal, a silent command, a reason with a hint", () => {
  const base = { id: "n", status: "failed" as const, ms: 1 };
  assert.deepEqual(
    failureReport(
      { ...base, failure: { command: "x", signal: "SIGKILL", tail: [], log: "L" } },
      [],
    ),
    {
      message: "Build of node 'n' failed: `x` was killed by SIGKILL",
      details: ["(the command printed nothing)", "Full output: L"],
    },
  );
  assert.deepEqual(
    failureReport({
      ...base,
      failure: { reason: "uv is missing", hint: "Get uv.", tail: [], log: "L" },
    }, []),
    { message: "Build of node 'n' failed: uv is missing", details: ["Get uv.", "Full output: L"] },
  );
});
