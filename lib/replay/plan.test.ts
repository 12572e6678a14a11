import assert from "node:assert/strict";
import { testNode } from "../descriptor/testing.ts";
import type { Dataflow } from "../descriptor/types.ts";
import { DoraError, UsageError } from "../errors.ts";
import { nodesToReplace, type RecordedOutputs, replayDataflow } from "./plan.ts";

const timer = {
  raw: "dora/timer/millis/33",
  source: { kind: "timer" as const, intervalMs: 33 },
  queueSize: 10,
};
const fromCamera = {
  raw: "camera/image",
  source: { kind: "node" as const, node: "camera", output: "image" },
  queueSize: 10,
};
const dataflow: Dataflow = {
  file: "/app/dataflow.yml",
  dir: "/app",
  nodes: [
    testNode("camera", { inputs: { tick: timer }, outputs: ["image"], env: { FPS: "30" } }),
    testNode("imu", { outputs: ["accel"] }),
    testNode("detector", { inputs: { image: fromCamera }, outputs: ["bbox"] }),
  ],
};
const recorded: RecordedOutputs = new Map([
  ["camera", new Map([["image", 0]])],
  ["detector", new Map([["bbox", 0]])],
]);

Deno.test("replay plan: by default the recorded nodes without inputs but timers", () => {
  assert.deepEqual(nodesToReplace(dataflow, recorded, undefined), ["camera"]);
});

Deno.test("replay plan: --replace is checked against the dataflow and the recording", () => {
  assert.deepEqual(nodesToReplace(dataflow, recorded, ["detector", "detector"]), ["detector"]);
  assert.throws(() => nodesToReplace(dataflow, recorded, ["nosuch"]), UsageError);
  assert.throws(() => nodesToReplace(dataflow, recorded, ["imu"]), DoraError);
  assert.throws(
    () => nodesToReplace(dataflow, new Map([["detector", new Map([["bbox", 0]])]]), undefined),
    /Nothing to replace/,
  );
});

Deno.test("replay plan: a played-back node runs the playback command, without inputs", () => {
  const replayed = replayDataflow(dataflow, recorded, ["camera"], (id) => ({
    command: "/usr/bin/dora",
    args: ["_playback", "/rec.mcap", "--node", id],
  }));
  const camera = replayed.nodes[0]!;
  assert.equal(camera.kind, "executable");
  assert.equal(camera.program, "/usr/bin/dora");
  assert.deepEqual(camera.args, ["_playback", "/rec.mcap", "--node", "camera"]);
  assert.deepEqual(camera.inputs, {});
  assert.deepEqual(camera.outputs, ["image"]);
  assert.deepEqual(camera.env, { FPS: "30" });
  assert.equal(replayed.nodes[2], dataflow.nodes[2]);
  assert.equal(replayed.file, dataflow.file);
});
