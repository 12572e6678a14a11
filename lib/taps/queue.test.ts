import assert from "node:assert/strict";
import { TapQueue } from "./queue.ts";
import type { TappedMessage } from "./types.ts";

const message = (n: number, bytes = 0): TappedMessage => ({
  node: "a",
  output: "b",
  kind: 0,
  timestampNs: n,
  routedMs: n,
  size: bytes,
  shm: false,
  params: new Uint8Array(0),
  payload: new Uint8Array(bytes),
});

Deno.test("tap queue: a slow client drops its own oldest messages and counts them", async () => {
  const queue = new TapQueue(100, 3);
  for (let n = 1; n <= 5; n++) queue.message(message(n));
  assert.equal(queue.dropped, 2);
  assert.deepEqual(queue.take().map((m) => m.timestampNs), [3, 4, 5]);
  assert.equal(queue.length, 0);
  const waiting = queue.wait();
  queue.message(message(6));
  await waiting;
  assert.deepEqual(queue.take().map((m) => m.timestampNs), [6]);
  queue.end("gone");
  await queue.wait();
  queue.message(message(7));
  assert.equal(queue.length, 0, "nothing after the end");
  assert.equal(queue.ended, "gone");
});

Deno.test("tap queue: a byte budget bounds the payloads held", () => {
  const queue = new TapQueue(1000, 100, 2500);
  for (let n = 1; n <= 5; n++) queue.message(message(n, 1000));
  assert.equal(queue.length, 2);
  assert.equal(queue.dropped, 3);
});
