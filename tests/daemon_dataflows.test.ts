/**
 * Daemon mode with real dataflows: start, list, logs, stop (every seed transcript), parallel
 * starts, names, nodes that ignore SIGTERM, --force, and failures to spawn.
 */
import assert from "node:assert/strict";
import {
  assertInOrder,
  dora,
  FIXTURES,
  makeHome,
  pidAlive,
  pollUntil,
  type TestHome,
} from "./helpers.ts";
import { grepUuids, listJson, teardown } from "./daemon_helpers.ts";

const D = `${FIXTURES}/daemon`;

async function startOk(home: TestHome, args: string[]): Promise<string> {
  const res = await dora(["start", ...args], { env: home.env });
  assert.equal(res.code, 0, res.stderr);
  const uuids = grepUuids(res.stdout);
  assert.equal(uuids.length, 1, `exactly one UUID on stdout:\n${res.stdout}`);
  return uuids[0]!;
}

async function runningPids(home: TestHome, uuid: string): Promise<number[]> {
  return await pollUntil("nodes running", async () => {
    const info = (await listJson(home)).find((d) => d.uuid === uuid);
    const pids = info?.nodes.map((n) => n.pid) ?? [];
    return pids.length && pids.every((p) => p !== null) ? pids as number[] : undefined;
  });
}

Deno.test("start brings the daemon up, prints one UUID and the hints; list, logs, stop", async () => {
  const home = await makeHome();
  try {
    const res = await dora(["start", `${D}/long.yml`, "--name", "my-robot"], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    const uuid = grepUuids(res.stdout)[0]!;
    assert.equal(res.stdout, `Dataflow started: ${uuid}\n`);
    assertInOrder(res.stderr, [
      `Use 'dora stop ${uuid}' to stop`,
      "Use 'dora list' to view status",
      `Use 'dora logs ${uuid}' to view logs`,
    ]);
    assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const pids = await runningPids(home, uuid);
    const list = await dora(["list"], { env: home.env });
    assert.equal(list.code, 0, list.stderr);
    const [head, row] = list.stdout.trimEnd().split("\n");
    assert.match(head!, /^UUID\s+ID\s+NAME\s+STATUS\s+UPTIME\s+NODES\s+CPU%\s+MEM$/);
    assert.match(
      row!,
      new RegExp(
        `^${uuid}\\s+[0-9a-f]{4,}\\s+my-robot\\s+Running\\s+\\d\\d:\\d\\d:\\d\\d\\s+2/2`,
      ),
    );

    const detail = await dora(["list", "my-robot"], { env: home.env });
    assert.equal(detail.code, 0, detail.stderr);
    assertInOrder(detail.stdout, [
      `Dataflow: ${uuid}`,
      "Name: my-robot",
      "Status: Running",
      "Uptime: ",
      "Started: ",
      "Nodes:",
      "node",
      "camera",
      String(pids[0]),
      "detector",
    ]);

    const json = (await listJson(home))[0]!;
    assert.deepEqual(
      Object.keys(json).filter((k) =>
        ["uuid", "name", "status", "started_at", "nodes"].includes(k)
      ),
      ["uuid", "name", "status", "started_at", "nodes"],
    );
    for (const node of json.nodes) {
      for (
        const key of ["id", "status", "pid", "restarts", "exit_code", "cpu_percent", "memory_bytes"]
      ) {
        assert.ok(key in node, `node field ${key}`);
      }
      assert.equal(typeof node.memory_bytes, "number");
    }

    await pollUntil("log lines", async () => {
      const logs = await dora(["logs", uuid, "--node", "camera", "--tail", "3"], { env: home.env });
      return logs.code === 0 && logs.stdout.split("\n").filter(Boolean).length === 3;
    });
    const merged = await dora(["logs", "my-robot"], { env: home.env });
    assert.match(merged.stdout, /^camera {3}\| camera \d+$/m);
    assert.match(merged.stdout, /^detector \| detector \d+$/m);

    const stop = await dora(["stop", uuid], { env: home.env });
    assert.equal(stop.code, 0, stop.stderr);
    const lines = stop.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `Stopping dataflow ${uuid}...`);
    assert.deepEqual(lines.slice(1, -1).sort(), ["  ✓ camera stopped", "  ✓ detector stopped"]);
    assert.equal(lines.at(-1), "Dataflow stopped successfully");
    for (const pid of pids) assert.ok(!pidAlive(pid), `node ${pid} gone after stop returned`);

    const after = (await listJson(home)).find((d) => d.uuid === uuid)!;
    assert.equal(after.status, "Stopped");
    // Logs of a finished dataflow still read, including each node's goodbye.
    const final = await dora(["logs", uuid], { env: home.env });
    assert.match(final.stdout, /camera got SIGTERM, bye/);
  } finally {
    await teardown(home);
  }
});

Deno.test("stop by name, --all, unknown ids, prefixes and finished dataflows", async () => {
  const home = await makeHome();
  try {
    const robot = await startOk(home, [`${D}/long.yml`, "--name", "robot"]);
    const vision = await startOk(home, [`${D}/long.yml`, "--name", "vision"]);
    await runningPids(home, robot);
    await runningPids(home, vision);

    const missing = await dora(["stop", "abc-123-def"], { env: home.env });
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      [
        "Error: Dataflow abc-123-def not found",
        "",
        "Possible reasons:",
        "  1. Dataflow already stopped",
        "  2. UUID is incorrect",
        "  3. Daemon was restarted",
        "",
        "Run 'dora list' to see active dataflows",
        "",
      ].join("\n"),
    );

    const byName = await dora(["stop", "--name", "robot"], { env: home.env });
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(
      byName.stdout,
      [
        `Found dataflow: robot (${robot})`,
        "Stopping...",
        "  ✓ All nodes stopped",
        "Dataflow stopped successfully",
        "",
      ].join("\n"),
    );
    const again = await dora(["stop", robot.slice(0, 13)], { env: home.env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /is not running \(Stopped\)/);

    const third = await startOk(home, [`${D}/long.yml`, "--name", "audio"]);
    await runningPids(home, third);
    const all = await dora(["stop", "--all"], { env: home.env });
    assert.equal(all.code, 0, all.stderr);
    assertInOrder(all.stdout, [
      "Stopping all dataflows...",
      "",
      `Stopping vision (${vision})...`,
      "stopped",
      "Dataflow stopped",
      "",
      `Stopping audio (${third})...`,
      "Dataflow stopped",
      "",
      "All dataflows stopped (2 total)",
    ]);
    assert.ok((await listJson(home)).every((d) => d.status === "Stopped"));
  } finally {
    await teardown(home);
  }
});

Deno.test("names: refused when running or malformed; parallel starts all succeed", async () => {
  const home = await makeHome();
  try {
    await startOk(home, [`${D}/long.yml`, "--name", "solo"]);
    const dup = await dora(["start", `${D}/long.yml`, "--name", "solo"], { env: home.env });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /^Error: A dataflow named 'solo' is already running/);
    for (const bad of ["my robot", "a/b"]) {
      const res = await dora(["start", `${D}/long.yml`, "--name", bad], { env: home.env });
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, /^Error: Invalid --name: /);
    }
    const missing = await dora(["start", `${D}/nope.yml`], { env: home.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read dataflow file/);

    const parallel = await Promise.all(
      Array.from({ length: 5 }, () => dora(["start", `${D}/long.yml`], { env: home.env })),
    );
    const uuids = parallel.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      return grepUuids(r.stdout)[0]!;
    });
    assert.equal(new Set(uuids).size, 5);
    const listed = await listJson(home);
    const names = listed.filter((d) => uuids.includes(d.uuid)).map((d) => d.name);
    assert.equal(new Set(names).size, 5);
    for (const name of names) assert.match(name, /^[a-z]+-[a-z]+/);

    const sameName = await Promise.all(
      Array.from(
        { length: 4 },
        () => dora(["start", `${D}/long.yml`, "--name", "race"], { env: home.env }),
      ),
    );
    assert.equal(sameName.filter((r) => r.code === 0).length, 1);
    assert.equal(sameName.filter((r) => r.code === 1).length, 3);
  } finally {
    await teardown(home);
  }
});

Deno.test("a node that ignores SIGTERM: the seed's warning lines, then it is killed", async () => {
  const home = await makeHome({ DORA_STOP_TIMEOUT: "1" });
  try {
    const uuid = await startOk(home, [`${D}/stubborn.yml`]);
    const pids = await runningPids(home, uuid);
    await pollUntil(
      "stubborn ignores TERM",
      async () =>
        (await dora(["logs", uuid, "--node", "camera"], { env: home.env })).stdout.includes("up"),
    );
    const stop = await dora(["stop", uuid], { env: home.env });
    assert.equal(stop.code, 0, stop.stderr);
    assertInOrder(stop.stdout, [
      `Stopping dataflow ${uuid}...`,
      "Warning: Node 'camera' not responding",
      "Waiting... (1s timeout)",
      "Force stopping node 'camera'...",
      "  ✓ Node 'camera' terminated",
      "Dataflow stopped successfully",
    ]);
    assert.ok(stop.stdout.includes("  ✓ detector stopped"));
    for (const pid of pids) assert.ok(!pidAlive(pid));
    const info = (await listJson(home)).find((d) => d.uuid === uuid)!;
    assert.equal(info.status, "Stopped", "a user's stop is not a failure");
  } finally {
    await teardown(home);
  }
});

Deno.test("--force and DORA_FORCE_STOP kill at once", async () => {
  const home = await makeHome({ DORA_STOP_TIMEOUT: "30" });
  try {
    for (const how of [["--force"], []]) {
      const uuid = await startOk(home, [`${D}/stubborn.yml`]);
      const pids = await runningPids(home, uuid);
      const env = how.length ? home.env : { ...home.env, DORA_FORCE_STOP: "true" };
      const started = Date.now();
      const stop = await dora(["stop", uuid, ...how], { env });
      assert.equal(stop.code, 0, stop.stderr);
      assert.ok(Date.now() - started < 20_000, "force must not wait for the 30 s grace");
      for (const pid of pids) assert.ok(!pidAlive(pid));
    }
  } finally {
    await teardown(home);
  }
});

Deno.test("a node that cannot be spawned: warning, hint, the rest runs", async () => {
  const home = await makeHome();
  try {
    const res = await dora(["start", `${D}/broken_spawn.yml`], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    const uuid = grepUuids(res.stdout)[0]!;
    assertInOrder(res.stderr, [
      "Warning: Node 'camera' failed to start",
      "",
      `Check logs: dora logs ${uuid} --node camera`,
    ]);
    const info = (await listJson(home)).find((d) => d.uuid === uuid)!;
    const camera = info.nodes.find((n) => n.id === "camera")!;
    assert.equal(camera.status, "Failed");
    assert.match(camera.reason ?? "", /interpreter/);
    assert.equal(info.nodes.find((n) => n.id === "detector")!.status, "Running");
    const logs = await dora(["logs", uuid, "--node", "camera"], { env: home.env });
    assert.match(logs.stdout, /camera \| \[dora\] .*interpreter/);
  } finally {
    await teardown(home);
  }
});

Deno.test("finished dataflows: Succeeded and Failed are told apart", async () => {
  const home = await makeHome();
  try {
    const uuid = await startOk(home, [`${D}/short.yml`]);
    const info = await pollUntil("short dataflow ends", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      return d && d.status !== "Running" ? d : undefined;
    });
    assert.equal(info.status, "Failed");
    assert.equal(info.nodes.find((n) => n.id === "bad")!.exit_code, 3);
    assert.equal(info.nodes.find((n) => n.id === "good")!.status, "Succeeded");
    const logs = await dora(["logs", uuid, "--json"], { env: home.env });
    const records = logs.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(
      records.some((r) => r.node === "bad" && r.stream === "stderr" && r.line === "once on stderr"),
    );
  } finally {
    await teardown(home);
  }
});
