/**
 * Daemon faults: kill -9 of the daemon followed by `up` (nodes re-adopted, not duplicated, their
 * output kept), and log rotation under a node that floods stdout.
 */
import assert from "node:assert/strict";
import { dora, FIXTURES, killPid, makeHome, pidAlive, pollUntil } from "./helpers.ts";
import { daemonPid, grepUuids, listJson, teardown } from "./daemon_helpers.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("kill -9 of the daemon, then up: running nodes are re-adopted, nothing lost", async () => {
  const home = await makeHome();
  try {
    const start = await dora(["start", `${D}/long.yml`, "--name", "survivor"], { env: home.env });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    const before = await pollUntil("nodes running", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      return d?.nodes.every((n) => n.pid !== null) ? d : undefined;
    });
    const pids = before.nodes.map((n) => n.pid!);
    const daemon = (await daemonPid(home))!;
    killPid(daemon, "SIGKILL");
    await pollUntil("daemon dead", () => !pidAlive(daemon));

    const list = await dora(["list"], { env: home.env });
    assert.equal(list.code, 1);
    assert.match(list.stderr, /^Error: The daemon is not running, but 1 dataflow still runs/);
    assert.match(list.stderr, /survivor \(.*\): 2 node processes/);
    assert.match(list.stderr, /Run 'dora up': it re-adopts the running nodes/);
    // The nodes keep running unsupervised, and keep printing without dying of SIGPIPE.
    for (const pid of pids) assert.ok(pidAlive(pid), `node ${pid} survives the daemon`);

    const up = await dora(["up"], { env: home.env });
    assert.equal(up.code, 0, up.stderr);
    const after = (await listJson(home)).find((x) => x.uuid === uuid)!;
    assert.equal(after.status, "Running");
    assert.deepEqual(after.nodes.map((n) => n.pid), pids, "same processes, no duplicates");
    assert.ok(after.nodes.every((n) => n.status === "Running"));

    // Output written while no daemon listened is in the log, in sequence, without gaps.
    const lastBefore = await pollUntil("logs flowing again", async () => {
      const logs = await dora(["logs", uuid, "--node", "camera"], { env: home.env });
      const numbers = logs.stdout.split("\n").map((l) => /camera (\d+)$/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined).map(Number);
      return numbers.length > 40 ? numbers : undefined;
    });
    lastBefore.forEach((n, i) => assert.equal(n, i, "no line lost or repeated"));

    const stop = await dora(["stop", "survivor"], { env: home.env });
    assert.equal(stop.code, 0, stop.stderr);
    for (const pid of pids) assert.ok(!pidAlive(pid));
    const final = (await listJson(home)).find((x) => x.uuid === uuid)!;
    assert.equal(final.status, "Stopped");
  } finally {
    await teardown(home);
  }
});

Deno.test("nodes that ended while the daemon was dead are marked, not restarted", async () => {
  const home = await makeHome();
  try {
    const start = await dora(["start", `${D}/long.yml`], { env: home.env });
    const uuid = grepUuids(start.stdout)[0]!;
    const info = await pollUntil("running", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      return d?.nodes.every((n) => n.pid !== null) ? d : undefined;
    });
    const daemon = (await daemonPid(home))!;
    killPid(daemon, "SIGKILL");
    await pollUntil("daemon dead", () => !pidAlive(daemon));
    const camera = info.nodes.find((n) => n.id === "camera")!.pid!;
    killPid(camera, "SIGKILL", true);
    await pollUntil("camera gone", () => !pidAlive(camera));

    assert.equal((await dora(["up"], { env: home.env })).code, 0);
    const after = (await listJson(home)).find((x) => x.uuid === uuid)!;
    const cam = after.nodes.find((n) => n.id === "camera")!;
    assert.notEqual(cam.status, "Running");
    assert.equal(cam.pid, null);
    assert.equal(after.nodes.find((n) => n.id === "detector")!.status, "Running");
  } finally {
    await teardown(home);
  }
});

Deno.test("log files rotate by size under a flooding node, keeping a bounded number", async () => {
  const home = await makeHome({ DORA_LOG_MAX_BYTES: "200000", DORA_LOG_KEEP: "3" });
  try {
    const start = await dora(["start", `${D}/flood.yml`], { env: home.env });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    await pollUntil("flood done", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      return d && d.status !== "Running";
    }, 60_000);
    const dir = `${home.doraHome}/logs/${uuid}`;
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["flood.log", "flood.log.1", "flood.log.2", "flood.log.3"]);
    for (const f of files) assert.ok(Deno.statSync(`${dir}/${f}`).size <= 200_000 + 4096);
    // The newest lines are all there, in order, ending with the last one written.
    const tail = await dora(["logs", uuid, "--tail", "1000", "--json"], { env: home.env });
    const numbers = tail.stdout.trim().split("\n").map((l) => JSON.parse(l))
      .filter((r) => r.stream === "stdout").map((r) => Number(r.line.slice(0, 8)));
    assert.ok(numbers.length > 900);
    assert.equal(numbers.at(-1), 19_999);
    numbers.forEach((n, i) => i > 0 && assert.equal(n, numbers[i - 1]! + 1));
  } finally {
    await teardown(home);
  }
});
