// deno-lint-ignore-file no-regex-spaces
import assert from "node:assert/strict";
import type { DataflowInfo, NodeInfo } from "../api/types.ts";
import type { PlaneInfo } from "../api/inspect.ts";
import { initialState, onKey, render, rowsOf, type Sample, sample, splitKeys } from "./model.ts";

function node(id: string, cpu: number, memory: number, restarts = 0): NodeInfo {
  return {
    id,
    status: "Running",
    pid: 100 + id.length,
    restarts,
    exit_code: null,
    signal: null,
    started_at: "2026-01-01T00:00:00.000Z",
    ended_at: null,
    cpu_percent: cpu,
    memory_bytes: memory,
    reason: null,
    inputs: {},
  };
}

function at(time: number, counts: { image: number; bbox: number; dropped: number }): Sample {
  const info: DataflowInfo = {
    uuid: "u1",
    name: "robot",
    short_id: "0001",
    status: "Running",
    file: "/x/dataflow.yml",
    started_at: "2026-01-01T00:00:00.000Z",
    ended_at: null,
    cpu_percent: null,
    memory_bytes: null,
    hot_reload: false,
    nodes: [
      node("camera", 5, 10 << 20),
      node("detector", 40, 50 << 20, 2),
      node("viz", 1, 5 << 20),
    ],
  };
  const input = (received: number, dropped = 0, queued = 0) => ({
    source: "x/y",
    received,
    dropped,
    queued,
    queue_size: 10,
  });
  const plane: PlaneInfo = {
    uuid: "u1",
    name: "robot",
    status: "Running",
    started: true,
    taps: 0,
    topics: [],
    nodes: [
      { id: "camera", connected: true, outputs: { image: { messages: counts.image } }, inputs: {} },
      {
        id: "detector",
        connected: true,
        outputs: { bbox: { messages: counts.bbox } },
        inputs: { image: input(counts.image - counts.dropped - 5, counts.dropped, 5) },
      },
      { id: "viz", connected: true, outputs: {}, inputs: { bbox: input(counts.bbox) } },
    ],
  };
  return { time, dataflows: [{ uuid: "u1", name: "robot", via: "daemon", info, plane }] };
}

const size = { columns: 120, rows: 20 };
const clock = (ms: number) => `t${ms}`;

Deno.test("top model: rates come from two samples; CPU sorts first", () => {
  let state = sample(initialState(1000), at(1000, { image: 100, bbox: 90, dropped: 0 }));
  assert.equal(state.rows[0]!.rate_in, null, "no rate from one sample");
  state = sample(state, at(3000, { image: 160, bbox: 150, dropped: 10 }));
  assert.deepEqual(state.rows.map((r) => r.node), ["detector", "camera", "viz"]);
  const detector = state.rows[0]!;
  assert.equal(detector.rate_out, 30);
  assert.equal(detector.rate_in, 25); // 50 delivered in 2 s (10 dropped)
  assert.equal(detector.dropped, 10);
  assert.equal(detector.drop_rate, 5);
  assert.equal(detector.queued, 5);
  assert.equal(detector.queue_fill, 0.5);
  assert.equal(state.rows[1]!.rate_out, 30);
  assert.deepEqual(rowsOf(undefined, at(0, { image: 1, bbox: 1, dropped: 0 }))[0]!.rate_out, null);
});

Deno.test("top model: keys sort, reverse, select and quit; the selection follows its node", () => {
  let state = sample(initialState(2000), at(1000, { image: 100, bbox: 90, dropped: 0 }));
  state = sample(state, at(2000, { image: 130, bbox: 120, dropped: 0 }));
  assert.equal(state.rows[state.selected]!.node, "detector");
  state = onKey(state, "\x1b[B");
  assert.equal(state.rows[state.selected]!.node, "camera");
  state = onKey(state, "n");
  assert.deepEqual(state.rows.map((r) => r.node), ["camera", "detector", "viz"]);
  assert.equal(state.rows[state.selected]!.node, "camera", "the selection stays on its node");
  state = onKey(state, "n");
  assert.deepEqual(state.rows.map((r) => r.node), ["viz", "detector", "camera"]);
  state = onKey(state, "m");
  assert.equal(state.rows[0]!.node, "detector");
  state = onKey(state, "k");
  state = onKey(state, "k");
  assert.equal(state.selected, 0);
  assert.equal(onKey(state, "r").refreshNow, true);
  assert.equal(onKey(state, "x"), state, "other keys change nothing");
  for (const key of ["q", "\x1b", "\x03"]) assert.equal(onKey(state, key).quit, true);
  assert.deepEqual(splitKeys("j\x1b[Aq\x1b"), ["j", "\x1b[A", "q", "\x1b"]);
});

Deno.test("top model: the screen has the title, keys, sorted column and a marked selection", () => {
  let state = sample(initialState(1000), at(1000, { image: 100, bbox: 90, dropped: 0 }));
  state = sample(state, at(2000, { image: 130, bbox: 120, dropped: 3 }));
  const lines = render(state, size, { color: false, clock });
  assert.equal(lines[0], "dora top — 1 dataflow, 3 nodes — t2000 — every 1s");
  assert.match(lines[1]!, /^q quit/);
  assert.match(
    lines[3]!,
    /^  NODE\s+DATAFLOW\s+STATUS\s+PID\s+CPU%▼\s+MEM\s+RST\s+QUEUE\s+DROPS\s+IN\/s\s+OUT\/s$/,
  );
  assert.match(
    lines[4]!,
    /^> detector\s+robot\s+Running\s+108\s+40\.0\s+50M\s+2\s+5\/10\s+3 \+3\.0\/s\s+\d/,
  );
  assert.match(lines[5]!, /^  camera\s+robot/);
  const colored = render(state, size, { color: true, clock });
  // deno-lint-ignore no-control-regex
  assert.match(colored[4]!, /^\x1b\[7m> detector/);
  const narrow = render(state, { columns: 30, rows: 6 }, { color: false, clock });
  assert.ok(narrow.every((l) => l.length <= 30));
  assert.equal(narrow.length, 6, "as many rows as fit");
  assert.match(render(initialState(1000), size, { color: false, clock }).at(-1)!, /No dataflow/);
});
