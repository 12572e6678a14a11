// deno-lint-ignore-file no-regex-spaces
/**
 * `dora node list/info/restart/stop`, `dora param` and `dora restart` end to end, with the
 * NODE_RESTARTED and PARAM_UPDATE events they cause, received by the Python and the TypeScript
 * library (tests/fixtures/inspect), and on the robot example.
 */
import assert from "node:assert/strict";
import type { NodeInfo } from "../lib/api/types.ts";
import { dora, pollUntil } from "./helpers.ts";
import { grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import { ROBOT } from "./dashboard_helpers.ts";
import { daemonWith, INSPECT, jsonLines, nodesRunning, recordOf } from "./inspect_helpers.ts";

Deno.test("node and param: restart, stop, parameters and their events in both libraries", async () => {
  const { home, uuid } = await daemonWith(INSPECT, "fixture");
  const env = home.env;
  try {
    const list = await dora(["node", "list"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NODE\s+STATUS\s+PID\s+UPTIME\s+CPU%\s+MEM\s+RESTARTS\s+DATAFLOW\n/);
    for (const id of ["ticker", "listener", "watcher"]) {
      assert.match(
        list.stdout,
        new RegExp(`\\n${id}\\s+Running\\s+\\d+\\s+\\d\\d:\\d\\d:\\d\\d\\s+.*\\s0\\s+fixture\\n`),
      );
    }
    assert.equal(
      (await dora(["node", "list", "-d", uuid, "-q"], { env })).stdout,
      "ticker\nlistener\nwatcher\n",
    );
    const nodes = jsonLines((await dora(["node", "list", "-d", uuid, "--json"], { env })).stdout);
    assert.deepEqual(nodes.map((n) => [n.id, n.dataflow]), [
      ["ticker", uuid],
      ["listener", uuid],
      ["watcher", uuid],
    ]);

    // Parameters: set reaches the running Python node (PARAM_UPDATE, node.params).
    const set = await dora([
      "param",
      "set",
      "-d",
      "fixture",
      "listener",
      "threshold",
      '{"min": 0.5}',
    ], {
      env,
    });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, `✓ listener: threshold = {"min":0.5} (sent to the running node)\n`);
    await recordOf(
      home,
      uuid,
      "listener",
      "PARAM_UPDATE",
      (r) =>
        r.type === "PARAM_UPDATE" && r.key === "threshold" && r.deleted === false &&
        JSON.stringify(r.params) === '{"threshold":{"min":0.5}}',
    );
    await dora(["param", "set", "-d", uuid, "watcher", "gain", "2"], { env });
    await dora(["param", "set", "-d", uuid, "watcher", "mode", '"fast"'], { env });
    await recordOf(
      home,
      uuid,
      "watcher",
      "PARAM_UPDATE in TypeScript",
      (r) =>
        r.type === "PARAM_UPDATE" && r.key === "mode" && r.value === "fast" &&
        JSON.stringify(r.params) === '{"gain":2,"mode":"fast"}',
    );
    assert.equal(
      (await dora(["param", "get", "-d", uuid, "watcher", "gain"], { env })).stdout,
      "2\n",
    );
    const table = await dora(["param", "list", "-d", uuid, "watcher"], { env });
    assert.equal(table.stdout, 'KEY   VALUE\ngain  2\nmode  "fast"\n');
    const listed = JSON.parse(
      (await dora(["param", "list", "-d", uuid, "watcher", "--json"], { env })).stdout,
    );
    assert.deepEqual(listed, { node: "watcher", params: { gain: 2, mode: "fast" } });
    const deleted = await dora(["param", "delete", "-d", uuid, "watcher", "gain"], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
    await recordOf(
      home,
      uuid,
      "watcher",
      "a deletion",
      (r) =>
        r.type === "PARAM_UPDATE" && r.key === "gain" && r.deleted === true &&
        JSON.stringify(r.params) === '{"mode":"fast"}',
    );

    // Bad parameter requests.
    const absent = await dora(["param", "get", "-d", uuid, "watcher", "gain"], { env });
    assert.equal(absent.code, 1);
    assert.match(
      absent.stderr,
      /^Error: Node 'watcher' has no parameter 'gain'\nIts parameters: mode\n/,
    );
    const notJson = await dora(["param", "set", "-d", uuid, "watcher", "mode", "fast"], { env });
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /^Error: The value is not valid JSON[^]*'"1080p"'/);
    const noNode = await dora(["param", "list", "-d", uuid, "nobody"], { env });
    assert.equal(noNode.code, 1);
    assert.match(
      noNode.stderr,
      /^Error: Dataflow fixture has no node 'nobody'\nIts nodes: ticker, listener, watcher\n/,
    );
    const tooBig = await dora([
      "param",
      "set",
      "-d",
      uuid,
      "watcher",
      "big",
      JSON.stringify("x".repeat(70000)),
    ], {
      env,
    });
    assert.equal(tooBig.code, 1);
    assert.match(tooBig.stderr, /at most 65536 bytes/);
    assert.equal((await dora(["param", "frob", "watcher"], { env })).code, 2);

    // Restarting the TypeScript producer: STOP first, it comes back, the Python consumer gets
    // NODE_RESTARTED and keeps receiving; restarting the Python node: the TS watcher gets it,
    // and the restarted Python node starts with its parameters.
    const before = (await listJson(home))[0]!.nodes.find((n) => n.id === "ticker")!;
    const restarted = await dora(["node", "restart", "-d", uuid, "ticker", "--json"], { env });
    assert.equal(restarted.code, 0, restarted.stderr);
    const node = JSON.parse(restarted.stdout) as NodeInfo;
    assert.equal(node.status, "Running");
    assert.equal(node.restarts, 1);
    assert.notEqual(node.pid, before.pid);
    await recordOf(
      home,
      uuid,
      "listener",
      "NODE_RESTARTED from ticker",
      (r) => r.type === "NODE_RESTARTED" && r.id === "ticker",
    );
    const logs = await dora(["logs", uuid, "ticker"], { env });
    assert.match(
      logs.stdout,
      /restarting for user request[^]*stopped for user request: exited with code 0/,
    );
    const counted = (await listJson(home))[0]!.nodes.find((n) => n.id === "listener")!;
    await pollUntil("counts flowing again", async () => {
      const now = (await listJson(home))[0]!.nodes.find((n) => n.id === "listener")!;
      return now.inputs.count!.received > counted.inputs.count!.received + 20;
    });
    const text = await dora(["node", "restart", "-d", uuid, "listener"], { env });
    assert.match(text.stdout, /^✓ listener restarted \(pid \d+\)\n$/);
    assert.match(text.stderr, /^Restarting node listener of fixture\.\.\.\n$/);
    await recordOf(
      home,
      uuid,
      "watcher",
      "NODE_RESTARTED from listener",
      (r) => r.type === "NODE_RESTARTED" && r.id === "listener",
    );
    await recordOf(
      home,
      uuid,
      "listener",
      "a start with its parameters",
      (r) => r.start === true && JSON.stringify(r.params) === '{"threshold":{"min":0.5}}',
    );

    // node info: inputs with sources and rates, outputs with subscribers, parameters.
    const info = await dora(["node", "info", "-d", uuid, "listener"], { env });
    assert.equal(info.code, 0, info.stderr);
    assert.match(
      info.stdout,
      /^Node: listener\nDataflow: fixture \(.*\)\nStatus: Running \(pid \d+, up .*\), connected\nRestarts: 1\n/,
    );
    assert.match(info.stdout, /\n  count  ticker\/count\s+\d+\s+\d+\s+\d+\/10\s+[\d.]+\/s\n/);
    assert.match(info.stdout, /\n  wave   ticker\/wave\s+\d+\s+\d+\s+\d+\/2\s+/);
    assert.match(info.stdout, /\n  report  \d+\s+[\d.]+\/s\s+watcher\/report\n/);
    assert.match(info.stdout, /\nParameters:\n  threshold = \{"min":0\.5\}\n$/);
    const doc = JSON.parse(
      (await dora(["node", "info", "-d", uuid, "ticker", "--json"], { env })).stdout,
    );
    assert.equal(doc.id, "ticker");
    assert.equal(doc.connected, true);
    const rate = doc.outputs.find((o: { output: string }) => o.output === "count").rate_hz;
    assert.ok(rate > 20 && rate < 80, `count rate ${rate}`);

    // node stop: the rest runs on; its consumer's input closes.
    const stopped = await dora(["node", "stop", "-d", uuid, "watcher"], { env });
    assert.match(stopped.stdout, /^✓ watcher stopped \(code 0\)\n$/);
    const after = (await listJson(home))[0]!;
    assert.equal(after.status, "Running");
    assert.equal(
      after.nodes.find((n) => n.id === "watcher")!.status,
      "Stopped",
    );
    const again = await dora(["node", "restart", "-d", uuid, "watcher"], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\nError: Node 'watcher' has already ended\n/);
    const unknown = await dora(["node", "info", "-d", uuid, "nobody"], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^Error: Dataflow fixture has no node 'nobody'/);

    // dora restart: same name, new UUID, the parameters kept.
    const re = await dora(["restart", "fixture"], { env });
    assert.equal(re.code, 0, re.stderr);
    const fresh = grepUuids(re.stdout)[0]!;
    assert.notEqual(fresh, uuid);
    assert.match(re.stdout, /^Dataflow started: [0-9a-f-]{36}\n$/);
    await nodesRunning(home, fresh);
    const all = await listJson(home);
    assert.equal(
      all.find((d) => d.uuid === uuid)!.status,
      "Stopped",
    );
    assert.equal(
      all.find((d) => d.uuid === fresh)!.name,
      "fixture",
    );
    await recordOf(
      home,
      fresh,
      "listener",
      "its parameters after dora restart",
      (r) => r.start === true && JSON.stringify(r.params) === '{"threshold":{"min":0.5}}',
    );
    const kept = await dora(["param", "get", "-d", "fixture", "watcher", "mode"], { env });
    assert.equal(kept.stdout, '"fast"\n');
  } finally {
    await teardown(home);
  }
});

Deno.test("node restart on the robot example: the detector comes back and boxes flow", async () => {
  const { home, uuid } = await daemonWith(ROBOT, "robot", ["FRAMES=100000"]);
  const env = home.env;
  try {
    const res = await dora(["node", "restart", "-d", "robot", "detector", "--grace", "3s"], {
      env,
    });
    assert.equal(res.code, 0, res.stderr);
    const boxes = await dora([
      "topic",
      "echo",
      "-d",
      uuid,
      "detector/bbox",
      "--count",
      "2",
      "--json",
    ], {
      env,
    });
    assert.equal(jsonLines(boxes.stdout).length, 2);
    const info = (await listJson(home))[0]!;
    assert.equal(info.nodes.find((n) => n.id === "detector")!.restarts, 1);
    assert.ok(info.nodes.every((n) => n.status === "Running"));
  } finally {
    await teardown(home);
  }
});
