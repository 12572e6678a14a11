import assert from "node:assert/strict";
import { testNode } from "../descriptor/testing.ts";
import { EventQueue } from "./queue.ts";
import {
  laneCapacity,
  type LogRoute,
  logWanted,
  type NodeState,
  timeoutCheckMs,
} from "./routes.ts";

const input = { raw: "a/b", source: { kind: "node", node: "a", output: "b" } as const };

Deno.test("laneCapacity: queue_size, or ten times it with backpressure", () => {
  assert.equal(laneCapacity({ ...input, queueSize: 5 }), 5);
  assert.equal(laneCapacity({ ...input, queueSize: 5, queuePolicy: "drop_oldest" }), 5);
  assert.equal(laneCapacity({ ...input, queueSize: 5, queuePolicy: "backpressure" }), 50);
});

Deno.test("timeoutCheckMs: the interval, or half the shortest timeout, never below 20 ms", () => {
  assert.equal(timeoutCheckMs([10_000]), 5000);
  assert.equal(timeoutCheckMs([3000, 800], 5000), 400);
  assert.equal(timeoutCheckMs([30_000], 200), 200);
  assert.equal(timeoutCheckMs([10]), 20);
});

Deno.test("logWanted: not its own records, the node filter, the level filter", () => {
  const node = { spec: testNode("viewer"), queue: new EventQueue([]) } as unknown as NodeState;
  const route = { node, input: "logs", idBytes: new Uint8Array() };
  const all: LogRoute = { route };
  const errors: LogRoute = { route, minLevel: "error" };
  const camera: LogRoute = { route, minLevel: "info", source: "camera" };
  assert.ok(logWanted(all, "camera", "stdout"));
  assert.ok(!logWanted(all, "viewer", "error"), "its own");
  assert.ok(!logWanted(errors, "camera", "warn"));
  assert.ok(logWanted(errors, "camera", "error"));
  assert.ok(!logWanted(errors, "camera", "stdout"));
  assert.ok(logWanted(camera, "camera", "warn"));
  assert.ok(!logWanted(camera, "lidar", "warn"));
});
