import assert from "node:assert/strict";
import * as cli from "../../output/format.ts";
import * as page from "./format.js";
import { type DataflowInfo, initialState, type State, update } from "./state.js";
import {
  actionPath,
  confirmText,
  dataflowHeader,
  edgeLabels,
  inputRows,
  levelOf,
  nodeRows,
  passesLevel,
  visibleLogs,
} from "./view.js";

function node(id: string, fields: Partial<DataflowInfo["nodes"][number]> = {}) {
  return {
    id,
    status: "Running",
    pid: 100,
    restarts: 0,
    exit_code: null,
    signal: null,
    started_at: "2026-01-01T00:00:00.000Z",
    ended_at: null,
    cpu_percent: 1.5,
    memory_bytes: 2 * 1024 * 1024,
    reason: null,
    inputs: {},
    ...fields,
  };
}

function robot(uuid: string, received: number, dropped = 0, status = "Running"): DataflowInfo {
  return {
    uuid,
    name: `robot-${uuid}`,
    status,
    file: "/x/dataflow.yml",
    started_at: "2026-01-01T00:00:00.000Z",
    ended_at: null,
    cpu_percent: 3,
    memory_bytes: 1024,
    nodes: [
      node("camera", { inputs: { tick: { received, dropped: 0, queue_size: 10 } } }),
      node("detector", { inputs: { image: { received, dropped, queue_size: 2 } } }),
    ],
  };
}

function feed(state: State, time: number, dataflows: DataflowInfo[]): State {
  return update(state, {
    type: "snapshot",
    snapshot: { time, dataflows, graphs: Object.fromEntries(dataflows.map((d) => [d.uuid, "k"])) },
  });
}

Deno.test("rates come from the counters of successive snapshots", () => {
  let state = feed(initialState(), 0, [robot("a", 0)]);
  assert.equal(state.selected, "a", "the running dataflow is shown");
  assert.equal(edgeLabels(state)["detector/image"]!.text, "…", "no rate from one sample");
  state = feed(state, 1000, [robot("a", 30)]);
  assert.equal(edgeLabels(state)["detector/image"]!.text, "30.0 msg/s");
  assert.ok(edgeLabels(state)["detector/image"]!.hot);
  state = feed(state, 2000, [robot("a", 90, 4)]);
  const label = edgeLabels(state)["detector/image"]!;
  assert.equal(label.text, "45.0 msg/s · 4 dropped", "over the window: 90 in 2 s");
  assert.ok(label.dropping);
  state = feed(state, 3000, [robot("a", 90, 4)]);
  assert.equal(edgeLabels(state)["detector/image"]!.text, "30.0 msg/s · 4 dropped");
  for (const time of [4000, 5000]) state = feed(state, time, [robot("a", 90, 4)]);
  assert.equal(edgeLabels(state)["detector/image"]!.text, "0.0 msg/s · 4 dropped");
  assert.ok(
    !edgeLabels(state)["detector/image"]!.hot && !edgeLabels(state)["detector/image"]!.dropping,
  );
  const inputs = inputRows(state, { "detector/image": "camera/image" });
  assert.deepEqual(inputs.find((r) => r.key === "detector/image"), {
    key: "detector/image",
    source: "camera/image",
    received: "90",
    dropped: "4",
    queue: "2",
    rate: "0.0",
  });
});

Deno.test("node rows: formatted metrics, series and the actions the state allows", () => {
  let state = feed(initialState(), Date.parse("2026-01-01T01:00:00.000Z"), [robot("a", 0)]);
  state = feed(state, Date.parse("2026-01-01T01:00:01.000Z"), [robot("a", 5)]);
  const [camera] = nodeRows(state);
  assert.equal(camera!.uptime, "01:00:01");
  assert.equal(camera!.cpu, "1.5");
  assert.equal(camera!.memory, "2M");
  assert.deepEqual(camera!.cpuSeries, [1.5, 1.5]);
  assert.equal(camera!.times.length, 2);
  assert.ok(camera!.canRestart && camera!.canStop);
  state = feed(state, Date.parse("2026-01-01T01:00:02.000Z"), [robot("a", 5, 0, "Stopped")]);
  assert.ok(!nodeRows(state)[0]!.canRestart, "nothing to restart in a finished dataflow");
  assert.deepEqual(
    [dataflowHeader(state)!.canStop, dataflowHeader(state)!.canRestart],
    [false, true],
  );
});

Deno.test("selection: kept while present, logs belong to the dataflow shown", () => {
  let state = feed(initialState(), 0, [robot("a", 0), robot("b", 0, 0, "Stopped")]);
  state = update(state, {
    type: "logs",
    dataflow: "a",
    records: [{ time: 0, node: "camera", stream: "stdout", text: "hello" }],
  });
  assert.equal(state.logs.length, 1);
  state = update(state, {
    type: "logs",
    dataflow: "b",
    records: [{ time: 0, node: "x", stream: "stdout", text: "late" }],
  });
  assert.equal(state.logs.length, 1, "records of another dataflow are ignored");
  state = update(state, { type: "select", uuid: "b" });
  assert.deepEqual([state.selected, state.logs.length], ["b", 0]);
  state = feed(state, 1000, [robot("a", 0)]);
  assert.equal(state.selected, "a", "a dataflow that went away gives way to a running one");
  state = update(state, { type: "done", ok: true, text: "restarted", select: "c" });
  assert.deepEqual([state.selected, state.busy, state.notice?.text], ["c", false, "restarted"]);
});

Deno.test("log levels: a record's own, else stdout or info; dora's filter rule", () => {
  assert.equal(levelOf({ time: 0, node: "n", stream: "stdout", text: "" }), "stdout");
  assert.equal(levelOf({ time: 0, node: "n", stream: "stderr", text: "" }), "stdout");
  assert.equal(levelOf({ time: 0, node: "n", stream: "dora", text: "" }), "info");
  assert.equal(levelOf({ time: 0, node: "n", stream: "stdout", level: "WARN", text: "" }), "warn");
  assert.ok(passesLevel("stdout", "stdout") && passesLevel("debug", "stdout"));
  assert.ok(!passesLevel("stdout", "info") && !passesLevel("debug", "info"));
  assert.ok(passesLevel("error", "info") && passesLevel("info", "info"));
  let state = feed(initialState(), 0, [robot("a", 0)]);
  state = update(state, {
    type: "logs",
    dataflow: "a",
    records: [
      { time: 0, node: "camera", stream: "stdout", text: "raw" },
      { time: 1, node: "camera", stream: "dora", text: "started (pid 1)" },
      { time: 2, node: "detector", stream: "stderr", level: "error", text: "boom" },
    ],
  });
  assert.deepEqual(visibleLogs(state).map((l) => l.text), [
    "raw",
    "[dora] started (pid 1)",
    "boom",
  ]);
  state = update(state, { type: "filter", level: "info" });
  assert.deepEqual(visibleLogs(state).map((l) => l.text), ["[dora] started (pid 1)", "boom"]);
  state = update(state, { type: "filter", node: "detector" });
  assert.deepEqual(visibleLogs(state).map((l) => [l.node, l.level]), [["detector", "error"]]);
  state = update(state, { type: "filter", level: "bogus" });
  assert.equal(state.filter.level, "info", "unknown levels are ignored");
});

Deno.test("actions ask first, then say what they send", () => {
  let state = feed(initialState(), 0, [robot("a", 0)]);
  const action = { kind: "restart" as const, uuid: "a", node: "detector" };
  state = update(state, { type: "ask", action });
  assert.match(confirmText(state)!, /^Restart node 'detector' of robot-a\?/);
  assert.equal(actionPath(action), "api/dataflows/a/nodes/detector/restart");
  assert.equal(actionPath({ kind: "stop", uuid: "a" }), "api/dataflows/a/stop");
  state = update(state, { type: "cancel" });
  assert.equal(confirmText(state), null);
  state = update(update(state, { type: "ask", action }), { type: "sent" });
  assert.ok(state.busy && confirmText(state) === null);
  assert.equal(update(state, { type: "ask", action }).confirm, null, "one action at a time");
});

Deno.test("the page formats numbers exactly as the CLI does", () => {
  for (const bytes of [null, 0, 1, 1023, 1024, 1536, 10 * 1024, 5.5 * 1024 ** 3, 3 * 1024 ** 5]) {
    assert.equal(page.formatBytes(bytes), cli.formatBytes(bytes), String(bytes));
  }
  for (const ms of [-1, 0, 999, 61_000, 3_600_000 * 123 + 5000, NaN]) {
    assert.equal(page.formatUptime(ms), cli.formatUptime(ms), String(ms));
  }
  for (const value of [null, 0, 12.345, 100]) {
    assert.equal(page.formatPercent(value), cli.formatPercent(value));
  }
});
