/**
 * End to end through the real data plane with real node processes: who gets INPUT_CLOSED and
 * STOP and when, the startup barrier, nodes that never connect or die early, undeclared
 * outputs in both libraries, restarts and dynamic nodes.
 */
import assert from "node:assert/strict";
import { records, startRun } from "./fixtures/dataplane/harness.ts";
import { pollUntil, ROOT } from "./helpers.ts";

type Ev = Record<string, unknown>;

Deno.test("lifecycle: STOP reaches nodes without inputs, in both languages", async () => {
  const run = await startRun(`
nodes:
  - { id: idle-py, path: $FIXTURES/idle.py, outputs: [out] }
  - { id: idle-ts, path: $FIXTURES/idle.ts, outputs: [out] }
  - id: receiver
    path: $FIXTURES/receiver.py
    inputs: { a: idle-py/out, b: idle-ts/out }
`);
  try {
    await pollUntil("both hellos", () => records(run.out("receiver")).length >= 2);
    const reached = run.plane.stopAll();
    assert.deepEqual([...reached].sort(), ["idle-py", "idle-ts", "receiver"]);
    const statuses = await run.waitAll();
    for (const [id, status] of statuses) {
      assert.equal(status.code, 0, `${id}: ${run.procs.get(id)!.stderr()}`);
    }
    for (const id of ["idle-py", "idle-ts"]) {
      assert.match(run.out(id), /event STOP\nidle stopped after \d+ empty polls/);
    }
    const events = records(run.out("receiver")) as Ev[];
    assert.deepEqual(events.map((e) => e.type), ["INPUT", "INPUT", "STOP"]);
    assert.deepEqual(events.slice(0, 2).map((e) => e.value).sort(), [{ text: "hello" }, {
      text: "hello",
    }]);
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: each exit closes the inputs it fed; the last one brings STOP", async () => {
  const run = await startRun(`
nodes:
  - { id: one, path: $FIXTURES/flood.py, args: "1", outputs: [out] }
  - { id: three, path: $FIXTURES/flood.py, args: "3", outputs: [out] }
  - id: receiver
    path: $FIXTURES/receiver.ts
    inputs: { a: one/out, b: three/out }
`);
  try {
    const statuses = await run.waitAll();
    for (const [id, status] of statuses) assert.equal(status.code, 0, id);
    const events = records(run.out("receiver")) as Ev[];
    const closed = events.filter((e) => e.type === "INPUT_CLOSED").map((e) => e.id).sort();
    assert.deepEqual(closed, ["a", "b"]);
    assert.equal(events.filter((e) => e.type === "INPUT").length, 4);
    assert.deepEqual(events.at(-1), { type: "STOP", id: "ALL_INPUTS_CLOSED" });
    // Nothing of an input comes after its INPUT_CLOSED.
    for (const id of ["a", "b"]) {
      const closedAt = events.findIndex((e) => e.type === "INPUT_CLOSED" && e.id === id);
      assert.ok(events.slice(closedAt).every((e) => e.type !== "INPUT" || e.id !== id));
    }
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: a restarting node does not close its consumers' inputs; they get NODE_RESTARTED", async () => {
  const run = await startRun(
    `
nodes:
  - { id: flaky, path: $FIXTURES/flood.py, args: "1", outputs: [out] }
  - { id: receiver, path: $FIXTURES/receiver.py, inputs: { in: flaky/out } }
`,
    { restarts: { flaky: 2 } },
  );
  try {
    await pollUntil("the receiver to finish", () => run.out("receiver").includes("receiver done"));
    const events = records(run.out("receiver")) as Ev[];
    assert.deepEqual(events.map((e) => e.type), [
      "INPUT",
      "NODE_RESTARTED",
      "INPUT",
      "NODE_RESTARTED",
      "INPUT",
      "INPUT_CLOSED",
      "STOP",
    ]);
    assert.deepEqual(events.filter((e) => e.type === "NODE_RESTARTED").map((e) => e.id), [
      "flaky",
      "flaky",
    ]);
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: sending on an undeclared output fails in both libraries, naming it", async () => {
  const run = await startRun(`
nodes:
  - { id: u-py, path: $FIXTURES/undeclared.py, outputs: [out] }
  - { id: u-ts, path: $FIXTURES/undeclared.ts, outputs: [out] }
  - { id: receiver, path: $FIXTURES/receiver.py, inputs: { a: u-py/out, b: u-ts/out } }
`);
  try {
    const statuses = await run.waitAll();
    for (const [id, status] of statuses) {
      assert.equal(status.code, 0, `${id}: ${run.procs.get(id)!.stderr()}`);
    }
    for (const id of ["u-py", "u-ts"]) {
      assert.match(
        run.out(id),
        new RegExp(
          `error: output 'nope' is not declared for node '${id}' \\(declared outputs: out\\)`,
        ),
      );
    }
    const values = (records(run.out("receiver")) as Ev[]).filter((e) => e.type === "INPUT").map((
      e,
    ) => e.value);
    assert.deepEqual(values, [{ text: "fine" }, { text: "fine" }]);
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: a node that never connects is named in a warning; the others start", async () => {
  const started = Date.now() / 1000;
  const run = await startRun(
    `
nodes:
  - { id: ghost, path: shell, args: "exec sleep 60", outputs: [out] }
  - id: ticker
    path: $FIXTURES/ticker.py
    args: "3"
    inputs: { tick: dora/timer/millis/20, ghost: ghost/out }
`,
    { env: { DORA_STARTUP_TIMEOUT: "1" } },
  );
  try {
    await pollUntil("the ticker to finish", () => run.out("ticker").includes("ticker done"));
    assert.deepEqual(run.warnings.length, 1);
    assert.match(run.warnings[0]!, /^ghost: node 'ghost' has not connected to the data plane/);
    const [ready, ...ticks] = records(run.out("ticker")) as Ev[];
    // The barrier held the ticker until the timeout, then timers started.
    assert.ok(
      (ready!.ready as number) - started >= 0.9,
      `ready after ${(ready!.ready as number) - started} s`,
    );
    assert.equal(ticks.length, 3);
    assert.ok(ticks.every((t) => t.id === "tick" && t.value === null));
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: inputs and timers start only once every node has connected", async () => {
  const run = await startRun(`
nodes:
  - { id: late, path: $FIXTURES/late.py, args: "1.5", outputs: [out] }
  - id: ticker
    path: $FIXTURES/ticker.py
    args: "2"
    inputs: { tick: dora/timer/millis/10, late: late/out }
`);
  try {
    await pollUntil("the ticker to finish", () => run.out("ticker").includes("ticker done"));
    const [late] = records(run.out("late")) as Ev[];
    const [ready, ...events] = records(run.out("ticker")) as Ev[];
    assert.ok(
      (ready!.ready as number) >= (late!.connecting as number),
      "the ticker started before late connected",
    );
    for (const e of events) assert.ok((e.at as number) >= (late!.connecting as number));
    assert.deepEqual(run.warnings, []);
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: a node that dies before connecting does not hold up the others", async () => {
  const started = Date.now() / 1000;
  const run = await startRun(
    `
nodes:
  - { id: crasher, path: shell, args: "exit 3", outputs: [out] }
  - id: ticker
    path: $FIXTURES/ticker.py
    args: "2"
    inputs: { tick: dora/timer/millis/10, crasher: crasher/out }
`,
    { env: { DORA_STARTUP_TIMEOUT: "60" } },
  );
  try {
    await pollUntil(
      "the ticker to finish",
      () => run.out("ticker").includes("ticker done"),
      20_000,
    );
    const [ready] = records(run.out("ticker")) as Ev[];
    assert.ok((ready!.ready as number) - started < 30, "waited for the startup timeout");
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: a dynamic node connects by id and its messages flow", async () => {
  const run = await startRun(`
nodes:
  - { id: dyn, path: dynamic, outputs: [out] }
  - { id: receiver, path: $FIXTURES/receiver.py, inputs: { in: dyn/out } }
`);
  try {
    const out = await new Deno.Command("python3", {
      args: [`${ROOT}/tests/fixtures/dataplane/dynamic.py`, "dyn"],
      env: { ...run.home.env, PYTHONPATH: `${ROOT}/node/python`, DORA_NODE_CONFIG: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    await pollUntil("the message", () => records(run.out("receiver")).length === 1);
    assert.deepEqual((records(run.out("receiver"))[0] as Ev).value, { text: "dynamic hello" });
    // A dynamic node may come back: its consumers keep waiting instead of closing.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(records(run.out("receiver")).length, 1);
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: a stop during the startup barrier still reaches connected nodes", async () => {
  const run = await startRun(
    `
nodes:
  - { id: ghost, path: shell, args: "exec sleep 60", outputs: [out] }
  - { id: idle, path: $FIXTURES/idle.py, outputs: [out] }
`,
    { env: { DORA_STARTUP_TIMEOUT: "60" } },
  );
  try {
    await pollUntil("idle connected", () => run.plane.isConnected("idle"));
    assert.deepEqual([...run.plane.stopAll()], ["idle"]);
    const status = await run.procs.get("idle")!.status;
    assert.equal(status.code, 0, run.procs.get("idle")!.stderr());
    assert.match(run.out("idle"), /event STOP\n/);
  } finally {
    await run.cleanup();
  }
});
