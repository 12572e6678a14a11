/**
 * The data plane at the protocol level, with a hand-driven client where a real node would not
 * misbehave: refused outputs, authentication, frames in flight when a node exits, unreadable
 * shared memory, and the daemon going away.
 */
import assert from "node:assert/strict";
import { Frame, nowNs } from "../node/ts/frames.ts";
import { Kind } from "../node/ts/values.ts";
import { records, type Run, startRun } from "./fixtures/dataplane/harness.ts";
import { rawHello } from "./fixtures/dataplane/raw_client.ts";
import { pollUntil } from "./helpers.ts";

type Ev = Record<string, unknown>;
const configOf = (run: Run, id: string) => JSON.parse(run.plane.nodeEnv(id, {}).DORA_NODE_CONFIG!);

Deno.test("lifecycle: the daemon refuses an undeclared output from a client that skips the check", async () => {
  const run = await startRun(`
nodes:
  - { id: rogue, path: dynamic, outputs: [out] }
  - { id: receiver, path: $FIXTURES/receiver.py, inputs: { in: rogue/out } }
`);
  try {
    const config = configOf(run, "rogue");
    const client = await rawHello(config, "rogue", config.token);
    await pollUntil("WELCOME", () => client.frames.some((f) => f.type === Frame.WELCOME));
    const text = new TextEncoder().encode("sneaky");
    client.conn.batch.message(Frame.OUTPUT, "nope", Kind.TEXT, nowNs(), new Uint8Array(), text);
    client.conn.batch.message(Frame.OUTPUT, "out", Kind.TEXT, nowNs(), new Uint8Array(), text);
    client.conn.batch.empty(Frame.READY);
    await client.conn.flush();
    const error = await pollUntil(
      "an ERROR event",
      () => client.frames.find((f) => f.type === Frame.ERROR),
    );
    assert.match(error.text, /output 'nope' is not declared for node 'rogue'/);
    assert.ok(
      run.warnings.some((w) => w.startsWith("rogue: output 'nope' is not declared")),
      run.warnings.join("\n"),
    );
    // The declared output still went through.
    await pollUntil(
      "the receiver to get the message",
      () => records(run.out("receiver")).length === 1,
    );
    await client.close();
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: a wrong token or a second connection for a node is refused", async () => {
  const run = await startRun(`
nodes:
  - { id: a, path: dynamic, outputs: [out] }
  - { id: b, path: dynamic, inputs: { in: a/out } }
`);
  try {
    const a = configOf(run, "a");
    const b = configOf(run, "b");
    const impostor = await rawHello(a, "a", b.token);
    await pollUntil("the refusal", () => impostor.closed());
    assert.deepEqual(impostor.frames, [{ type: Frame.REFUSED, text: "wrong token for node 'a'" }]);
    assert.equal(run.plane.isConnected("a"), false);
    assert.ok(run.warnings.some((w) => w.includes("(wrong token)")));
    const first = await rawHello(a, "a", a.token);
    await pollUntil("a connected", () => run.plane.isConnected("a"));
    const second = await rawHello(a, "a", a.token);
    await pollUntil("the second refusal", () => second.closed());
    assert.deepEqual(second.frames, [{
      type: Frame.REFUSED,
      text: "node 'a' is already connected",
    }]);
    assert.equal(run.plane.isConnected("a"), true);
    await first.close();
    await pollUntil("a disconnected", () => !run.plane.isConnected("a"));
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: when the daemon goes away, nodes' event streams end", async () => {
  const run = await startRun(
    `
nodes:
  - { id: src, path: dynamic, outputs: [out] }
  - { id: py, path: $FIXTURES/receiver.py, inputs: { in: src/out } }
  - { id: ts, path: $FIXTURES/receiver.ts, inputs: { in: src/out } }
`,
  );
  try {
    // Play the source by hand, so that both receivers are surely inside their event loops.
    const config = configOf(run, "src");
    const src = await rawHello(config, "src", config.token);
    await pollUntil("WELCOME", () => src.frames.some((f) => f.type === Frame.WELCOME));
    const text = new TextEncoder().encode("one");
    src.conn.batch.message(Frame.OUTPUT, "out", Kind.TEXT, nowNs(), new Uint8Array(), text);
    await src.conn.flush();
    await pollUntil(
      "both receivers to get it",
      () => records(run.out("py")).length === 1 && records(run.out("ts")).length === 1,
    );
    await run.plane.close();
    const statuses = await run.waitAll();
    for (const id of ["py", "ts"]) {
      assert.equal(statuses.get(id)!.code, 0, run.procs.get(id)!.stderr());
      assert.match(run.out(id), /receiver done/);
      assert.match(
        run.procs.get(id)!.stderr(),
        /lost the connection to the daemon; ending the event stream/,
      );
    }
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: what a node sent just before exiting arrives before INPUT_CLOSED", async () => {
  const run = await startRun(`
nodes:
  - { id: src, path: dynamic, outputs: [out] }
  - id: receiver
    path: $FIXTURES/receiver.py
    inputs: { in: { source: src/out, queue_size: 1000 } }
`);
  try {
    const config = configOf(run, "src");
    const src = await rawHello(config, "src", config.token);
    await pollUntil("WELCOME", () => src.frames.some((f) => f.type === Frame.WELCOME));
    for (let i = 0; i < 500; i++) {
      const bytes = new TextEncoder().encode(String(i));
      src.conn.batch.message(Frame.OUTPUT, "out", Kind.TEXT, nowNs(), new Uint8Array(), bytes);
    }
    await src.conn.flush();
    // The frames are in the socket, not yet read by the daemon, when the exit is reported.
    run.plane.nodeExited("src", false);
    await pollUntil("the receiver to finish", () => run.out("receiver").includes("receiver done"));
    const events = records(run.out("receiver")) as Ev[];
    assert.equal(events.length, 502);
    assert.deepEqual(
      events.slice(0, 500).map((e) => (e.value as { text: string }).text),
      [
        ...Array(500).keys(),
      ].map(String),
    );
    assert.deepEqual(events.slice(500).map((e) => e.type), ["INPUT_CLOSED", "STOP"]);
    await src.close();
  } finally {
    await run.cleanup();
  }
});

Deno.test("lifecycle: an unreadable shared-memory payload is an ERROR event, not the end", async () => {
  const run = await startRun(`
nodes:
  - { id: src, path: dynamic, outputs: [out] }
  - { id: py, path: $FIXTURES/receiver.py, inputs: { in: src/out } }
  - { id: ts, path: $FIXTURES/receiver.ts, inputs: { in: src/out } }
`);
  try {
    const config = configOf(run, "src");
    const src = await rawHello(config, "src", config.token);
    const welcome = await pollUntil(
      "WELCOME",
      () => src.frames.find((f) => f.type === Frame.WELCOME),
    );
    const prefix = JSON.parse(welcome.text).shm_prefix;
    const none = new Uint8Array();
    src.conn.batch.message(Frame.OUTPUT, "out", Kind.BYTES, nowNs(), none, none, {
      name: `${prefix}.never-written`,
      length: 100_000,
    });
    src.conn.batch.message(
      Frame.OUTPUT,
      "out",
      Kind.TEXT,
      nowNs(),
      none,
      new TextEncoder().encode("after"),
    );
    await src.conn.flush();
    for (const id of ["py", "ts"]) {
      await pollUntil(`${id} to get both`, () => records(run.out(id)).length === 2);
      const [error, after] = records(run.out(id)) as Ev[];
      assert.equal(error!.type, "ERROR");
      assert.match(
        error!.error as string,
        /could not read the payload of input 'in' from shared memory/,
      );
      assert.deepEqual(after!.value, { text: "after" });
    }
    await src.close();
  } finally {
    await run.cleanup();
  }
});
