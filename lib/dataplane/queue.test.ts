import assert from "node:assert/strict";
import { Frame } from "../../node/ts/frames.ts";
import { EventQueue, type QueueEntry } from "./queue.ts";

const msg = (input: string, n: number): QueueEntry => ({
  type: Frame.INPUT,
  input,
  message: new Uint8Array([n]),
});
const ids = (entries: QueueEntry[]) =>
  entries.map((e) => e.message ? `${e.input}:${e.message[0]}` : `ctl:${e.type}`);

Deno.test("queue: a full input drops its oldest message and counts it", () => {
  const q = new EventQueue([["a", 2], ["b", 10]]);
  assert.equal(q.push(msg("a", 1)), undefined);
  q.push(msg("b", 1));
  q.push(msg("a", 2));
  const dropped = q.push(msg("a", 3));
  assert.deepEqual(dropped && ids([dropped]), ["a:1"]);
  assert.equal(q.length, 3);
  // Arrival order across inputs is kept; the dropped message is gone.
  assert.deepEqual(ids(q.takeAll()), ["b:1", "a:2", "a:3"]);
  assert.deepEqual(q.counters(), {
    a: { received: 2, dropped: 1, queueSize: 2 },
    b: { received: 1, dropped: 0, queueSize: 10 },
  });
  assert.equal(q.length, 0);
});

Deno.test("queue: control events are never dropped and keep their place", () => {
  const q = new EventQueue([["a", 1]]);
  q.push(msg("a", 1));
  q.push({ type: Frame.INPUT_CLOSED, input: "a" });
  q.push(msg("a", 2));
  q.push({ type: Frame.STOP });
  assert.deepEqual(ids(q.takeAll()), [`ctl:${Frame.INPUT_CLOSED}`, "a:2", `ctl:${Frame.STOP}`]);
});

Deno.test("queue: clear forgets without counting; removeType purges a stale STOP", () => {
  const q = new EventQueue([["a", 5]]);
  q.push(msg("a", 1));
  q.push({ type: Frame.STOP });
  q.removeType(Frame.STOP);
  assert.equal(q.length, 1);
  assert.deepEqual(ids(q.clear()), ["a:1"]);
  assert.deepEqual(q.counters(), { a: { received: 0, dropped: 0, queueSize: 5 } });
  q.push(msg("a", 2));
  assert.deepEqual(ids(q.takeAll()), ["a:2"]);
});

Deno.test("queue: a long-running queue stays bounded under constant overflow", () => {
  const q = new EventQueue([["a", 3]]);
  for (let i = 0; i < 10_000; i++) q.push(msg("a", i % 256));
  assert.equal(q.length, 3);
  assert.ok(q.held <= 1025, `${q.held} entries held for 3 live ones`);
  assert.equal(q.counters().a!.dropped, 9_997);
  assert.equal(q.takeAll().length, 3);
});
