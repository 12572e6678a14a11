/**
 * Nodes written against dora 1.0's Python API run unmodified under the real `dora run` and the
 * daemon: the Quick Start node shape (pyarrow values, StructArray, logging, metadata passed on,
 * is_restart), every receiving call (next with and without a timeout, try_recv, is_empty,
 * drain, recv_async), log entries at every level as structured lines in the node's log, and
 * Python operators (single, several, STOP, STOP_ALL).
 */
import assert from "node:assert/strict";
import { dora, FIXTURES, makeHome, nodeRecords, pollUntil, type TestHome } from "./helpers.ts";
import { listJson, teardown } from "./daemon_helpers.ts";
import { readLogs } from "../lib/logs/reader.ts";
import { arrowPythonBinDir, ignoreWithout } from "./tools.ts";

const binDir = arrowPythonBinDir();
const noArrow = ignoreWithout("a Python with pyarrow", binDir);

/** The environment of a test home with the pyarrow Python first on PATH. */
function arrowEnv(home: TestHome, extra: Record<string, string> = {}): Record<string, string> {
  return { ...home.env, PATH: `${binDir}:${Deno.env.get("PATH")}`, ...extra };
}

/**
 * The structured log records of a node as its log files store them (lib/logs/format.ts: level,
 * message, target, fields; the time is the daemon's, so the line's own timestamp is not kept).
 */
async function logEntries(home: TestHome, node: string): Promise<Record<string, unknown>[]> {
  const entries: Record<string, unknown>[] = [];
  for await (const dataflow of Deno.readDir(`${home.doraHome}/logs`)) {
    if (!dataflow.isDirectory || dataflow.name === "build") continue;
    for (const r of await readLogs(`${home.doraHome}/logs/${dataflow.name}`, { node })) {
      if (r.level) {
        entries.push({ level: r.level, message: r.text, target: r.target, fields: r.fields });
      }
    }
  }
  return entries;
}

/** The entry with this message, with its level checked. */
function entry(entries: Record<string, unknown>[], level: string, message: string) {
  const found = entries.find((e) => e.message === message);
  assert.ok(found, `no log entry '${message}' in ${JSON.stringify(entries, null, 1)}`);
  assert.equal(String(found.level).toLowerCase(), level, message);
  return found;
}

Deno.test({
  name: "dora 1.0 API: the Quick Start node shape and every receiving call run unmodified",
  ignore: noArrow,
  async fn() {
    const home = await makeHome();
    try {
      const env = arrowEnv(home, { DORA_RESTART_DELAY_MS: "100" });
      const res = await dora(["run", `${FIXTURES}/dora10/dataflow.yml`], { env });
      assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
      const records = nodeRecords(res.stdout, "checker");
      const inputs = records.filter((r) => r.row);
      const hows = new Set(inputs.map((r) => r.how));
      for (const how of ["next(timeout)", "next(timeout=0)", "try_recv", "drain", "recv_async"]) {
        assert.ok(hows.has(how), `no input through ${how}: ${JSON.stringify(records)}`);
      }
      for (const r of inputs) {
        // The StructArray keeps its fields; the sender's metadata was passed on by transformer.
        assert.deepEqual(r.fields, ["doubled", "description"]);
        const row = r.row as { doubled: number; description: string };
        assert.equal(row.description, `Message #${row.doubled / 2}`);
        const meta = r.meta as Record<string, unknown>;
        assert.deepEqual(meta, { seq: row.doubled / 2, tags: ["a", "b"], ratio: 0.5, flag: true });
        assert.equal(r.sent_before_received, true);
      }
      // The same non-waiting receives in TypeScript, on the same StructArrays.
      const [ts] = nodeRecords(res.stdout, "ts-checker") as {
        received: number[];
        hows: string[];
      }[];
      for (const how of ["drain", "next(0)", "next(timeout)", "tryRecv"]) {
        assert.ok(ts!.hows.includes(how), `TypeScript: no input through ${how}`);
      }
      assert.deepEqual([...ts!.received].sort((a, b) => a - b), ts!.received);
      assert.equal(ts!.received.at(-1), 40);
      const stop = records.find((r) => r.type === "STOP");
      assert.deepEqual(stop, { how: "recv_async", type: "STOP", id: "ALL_INPUTS_CLOSED" });
      const summary = records.at(-1) as { received: number[]; after_stop: unknown };
      assert.equal(summary.after_stop, null);
      // In order; the messages the crashed transformer had fetched but not handled are lost.
      assert.deepEqual([...summary.received].sort((a, b) => a - b), summary.received);
      assert.deepEqual(summary.received.slice(0, 3), [1, 2, 3]);
      assert.equal(summary.received.at(-1), 40);
      // The transformer crashed once, was restarted, and knew it.
      const logs = await logEntries(home, "transformer");
      entry(logs, "error", "crashing on purpose after 3 messages");
      entry(logs, "info", "restarted (restart 1)");
      const transformed = entry(logs, "info", "Transformed message 1");
      assert.equal(transformed.target, "root");
      assert.match(
        String((transformed.fields as Record<string, unknown>).file),
        /transformer\.py$/,
      );
      entry(logs, "info", "Node stopping");
    } finally {
      await home.cleanup();
    }
  },
});

Deno.test("logging: every level reaches the node's log as structured lines", async () => {
  const home = await makeHome();
  try {
    const res = await dora(["run", `${FIXTURES}/logging/dataflow.yml`], { env: home.env });
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    const py = await logEntries(home, "py-logger");
    for (
      const [level, message] of [
        ["debug", "py debug 1"],
        ["info", "py info two"],
        ["warn", "py warning"],
        ["error", "py error"],
        ["error", "py critical"],
        ["trace", "py trace level"],
        ["debug", "named logger debug"],
        ["warn", "api warning alias"],
        ["error", "api error"],
        ["warn", "api warn"],
        ["info", "api info short"],
        ["debug", "api debug"],
        ["trace", "api trace"],
      ]
    ) entry(py, level!, message!);
    const named = entry(py, "info", "named logger info");
    assert.equal(named.target, "vision");
    assert.equal((named.fields as Record<string, unknown>).sensor, "lidar");
    const api = entry(py, "info", "api info");
    assert.equal(api.target, "vision");
    assert.deepEqual(api.fields, { sensor: "lidar", retry: "3" });
    const caught = py.find((e) => String(e.message).startsWith("caught an exception"));
    assert.equal(caught?.level, "error");
    assert.match(String(caught.message), /ValueError: boom/);
    assert.ok(!py.some((e) => e.message === "never written"));
    assert.match(res.stdout, /py-logger\s+\| refused: log level 'loud'/);
    assert.match(res.stdout, /py-logger\s+\| plain print line/);
    const configured = await logEntries(home, "py-configured");
    assert.deepEqual(configured.map((e) => [e.level, e.message, e.target]), [
      ["info", "configured info", "root"],
      ["warn", "configured warning", "planner"],
    ]);
    const ts = await logEntries(home, "ts-logger");
    const tsInfo = entry(ts, "info", "ts info");
    assert.equal(tsInfo.target, "planner");
    assert.deepEqual(tsInfo.fields, { step: 3, ok: true });
    for (
      const [level, message] of [
        ["warn", "ts warning alias"],
        ["error", "ts error"],
        ["warn", "ts warn"],
        ["info", "ts info short"],
        ["debug", "ts debug"],
        ["trace", "ts trace"],
      ]
    ) entry(ts, level!, message!);
    assert.match(res.stdout, /ts-logger\s+\| refused: log level 'loud'/);
  } finally {
    await home.cleanup();
  }
});

Deno.test({
  name: "operators: single and several Python operators, STOP and STOP_ALL (dora run)",
  ignore: noArrow,
  async fn() {
    const home = await makeHome();
    try {
      const res = await dora(["run", `${FIXTURES}/operators/dataflow.yml`], {
        env: arrowEnv(home),
      });
      assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
      assert.match(
        res.stdout,
        /doubler\s+\| doubler sees the dataflow's nodes: source,doubler,pipeline/,
      );
      assert.match(res.stdout, /pipeline\.watcher\s+\| watcher got \[3, 5, 7, 9, 11\]/);
      assert.match(
        res.stdout,
        /pipeline\.plus_one\s+\| WARN\s+plus_one got STOP \(ALL_INPUTS_CLOSED\)/,
      );
      assert.match(res.stdout, /source\s+\| source stopped by MANUAL after \d+ values/);
      assert.match(res.stderr, /Node 'pipeline\.watcher' asked to stop the dataflow/);
      entry(await logEntries(home, "pipeline.watcher"), "info", "watcher got [3, 5, 7, 9, 11]");
      // plus_one's own min_log_level and send_logs_as: its info records are dropped at the
      // source, its warnings reach the log and, as LogMessage JSON, the watcher.
      const sends = [3, 5, 7, 9, 11].map((n) => `warn plus_one sends ${n}`);
      sends.push("warn plus_one got STOP (ALL_INPUTS_CLOSED)");
      const repr = `[${sends.map((line) => `'${line}'`).join(", ")}]`;
      assert.ok(res.stdout.includes(`watcher got records ${repr}`), res.stdout);
      const plusOne = await logEntries(home, "pipeline.plus_one");
      assert.deepEqual(plusOne.map((e) => `${e.level} ${e.message}`), sends);
      assert.doesNotMatch(res.stdout, /plus_one got \d/);
    } finally {
      await home.cleanup();
    }
  },
});

Deno.test({
  name: "operators: STOP_ALL stops a dataflow the daemon runs",
  ignore: noArrow,
  async fn() {
    const home = await makeHome();
    const env = arrowEnv(home);
    home.env.PATH = env.PATH!; // the daemon, started by `start`, runs the nodes
    try {
      const started = await dora(["start", `${FIXTURES}/operators/dataflow.yml`], { env });
      assert.equal(started.code, 0, started.stderr);
      const uuid = started.stdout.match(/[0-9a-f-]{36}/)![0];
      const done = await pollUntil("the dataflow to stop", async () => {
        const [info] = (await listJson(home)).filter((d) => d.uuid === uuid);
        return info && info.status !== "Running" && info.status !== "Stopping" ? info : undefined;
      }, 60_000);
      assert.equal(done.status, "Stopped", JSON.stringify(done));
      const logs = await dora(["logs", uuid, "pipeline.watcher"], { env });
      assert.match(logs.stdout, /watcher got \[3, 5, 7, 9, 11\]/);
    } finally {
      await teardown(home);
    }
  },
});
