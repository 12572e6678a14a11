/**
 * `dora stop` as scripts and people use it: nothing named never stops anything (piped: a usage
 * error listing what runs; on a terminal: a picker), an empty argument is a usage error,
 * `stop --all` / `destroy` with nothing running exit 0, a crashed daemon's dataflows are
 * reported with the way back, and the transcript tells the truth while it happens.
 */
import assert from "node:assert/strict";
import {
  assertInOrder,
  FIXTURES,
  killPid,
  makeHome,
  pidAlive,
  pollUntil,
  spawnDora,
} from "./helpers.ts";
import { daemonPid, grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import { sh, Terminal } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("stop with nothing named stops nothing; an empty or missing id is a usage error", async () => {
  const home = await makeHome();
  try {
    assert.equal((await sh(home, `dora start ${D}/long.yml --name robot`)).code, 0);
    // The seed's script, with its UUID file missing: `dora stop $(cat .dataflow-uuid)`.
    const missing = await sh(home, "dora stop $(cat .dataflow-uuid 2>/dev/null)");
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(
      missing.stderr,
      /^Error: No dataflow named: say which one to stop\nRunning:\n {2}robot /,
    );
    const quoted = await sh(home, `dora stop "$(cat .dataflow-uuid 2>/dev/null)"`);
    assert.equal(quoted.code, 2, quoted.stderr);
    assert.match(quoted.stderr, /^Error: The dataflow to stop is empty/);
    const emptyName = await sh(home, `dora stop --name ""`);
    assert.equal(emptyName.code, 2, emptyName.stderr);
    assert.equal((await sh(home, `dora start ${D}/long.yml --name vision`)).code, 0);
    const two = await sh(home, "dora stop");
    assert.equal(two.code, 2);
    assert.match(two.stderr, / {2}robot .*\n {2}vision /);
    const all = await listJson(home);
    assert.deepEqual(all.map((d) => d.status), ["Running", "Running"], "nothing was stopped");
  } finally {
    await teardown(home);
  }
});

Deno.test("stop --all and destroy with nothing running exit 0; a crashed daemon's dataflows are named", async () => {
  const home = await makeHome();
  try {
    for (const line of ["dora stop --all", "dora destroy"]) {
      const res = await sh(home, line);
      assert.equal(res.code, 0, `${line} without a daemon: ${res.stderr}`);
    }
    assert.equal((await sh(home, "dora up")).code, 0);
    const idle = await sh(home, "dora stop --all");
    assert.equal(idle.code, 0);
    assert.equal(idle.stdout, "No running dataflows to stop\n");

    const start = await sh(home, `dora start ${D}/long.yml --name orphan`);
    const uuid = grepUuids(start.stdout)[0]!;
    await pollUntil(
      "nodes running",
      async () => (await listJson(home))[0]?.nodes.every((n) => n.pid !== null),
    );
    const daemon = (await daemonPid(home))!;
    killPid(daemon, "SIGKILL");
    await pollUntil("daemon dead", () => !pidAlive(daemon));
    for (const line of ["dora stop --all", "dora destroy", "dora stop orphan"]) {
      const res = await sh(home, line);
      assert.equal(res.code, 1, `${line}: ${res.stdout}${res.stderr}`);
      assert.match(
        res.stderr,
        /^Error: The daemon is not running, but 1 dataflow still runs without it\n/,
      );
      assert.ok(res.stderr.includes(`orphan (${uuid}): 2 node processes`), res.stderr);
      assert.match(res.stderr, /Run 'dora up': it re-adopts the running nodes/);
    }
    assert.equal((await sh(home, "dora up")).code, 0);
    const stop = await sh(home, "dora stop --all");
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /All dataflows stopped \(1 total\)/);
  } finally {
    await teardown(home);
  }
});

Deno.test("the stop transcript is printed while it happens, naming the node", async () => {
  const home = await makeHome({ DORA_STOP_TIMEOUT: "4" });
  try {
    const uuid = grepUuids((await sh(home, `dora start ${D}/stubborn.yml`)).stdout)[0]!;
    await pollUntil(
      "stubborn up",
      async () =>
        (await sh(home, `dora logs ${uuid} --node camera`)).stdout.includes("stubborn up"),
    );
    const started = Date.now();
    const stop = spawnDora(["stop", uuid], { env: home.env });
    await pollUntil("the warning", () => stop.stdout().includes("not responding"), 10_000);
    const warnedAfter = Date.now() - started;
    assert.ok(warnedAfter < 3500, `warned ${warnedAfter} ms after the stop, not at the kill`);
    assert.ok(!stop.stdout().includes("Force stopping"), stop.stdout());
    const done = await stop.finished;
    assert.equal(done.code, 0, done.stderr);
    assert.ok(Date.now() - started >= 3500, "the kill still waited for the grace period");
    assertInOrder(done.stdout, [
      `Stopping dataflow ${uuid}...`,
      "  ✓ detector stopped",
      "Warning: Node 'camera' not responding",
      "Waiting... (4s timeout)",
      "Force stopping node 'camera'...",
      "  ✓ Node 'camera' terminated",
      "Dataflow stopped successfully",
    ]);
  } finally {
    await teardown(home);
  }
});

Deno.test("stop --all prints the same lines as a single stop, block by block as it goes", async () => {
  const home = await makeHome({ DORA_STOP_TIMEOUT: "3" });
  try {
    const a = grepUuids((await sh(home, `dora start ${D}/stubborn.yml --name arm`)).stdout)[0]!;
    const b = grepUuids((await sh(home, `dora start ${D}/long.yml --name eyes`)).stdout)[0]!;
    await pollUntil(
      "nodes up",
      async () => (await listJson(home)).every((d) => d.nodes.every((n) => n.pid !== null)),
    );
    const started = Date.now();
    const stop = spawnDora(["stop", "--all"], { env: home.env });
    await pollUntil("the first block's warning", () => stop.stdout().includes("not responding"));
    assert.ok(Date.now() - started < 2500, "printed live, not after the stop");
    const done = await stop.finished;
    assert.equal(done.code, 0, done.stderr);
    assertInOrder(done.stdout, [
      "Stopping all dataflows...",
      "",
      `Stopping arm (${a})...`,
      "  ✓ detector stopped",
      "Warning: Node 'camera' not responding",
      "Waiting... (3s timeout)",
      "Force stopping node 'camera'...",
      "  ✓ Node 'camera' terminated",
      "Dataflow stopped",
      "",
      `Stopping eyes (${b})...`,
      "Dataflow stopped",
      "",
      "All dataflows stopped (2 total)",
    ]);
    const eyes = done.stdout.slice(done.stdout.indexOf("Stopping eyes"));
    assert.match(eyes, / {2}✓ camera stopped\n/);
    assert.match(eyes, / {2}✓ detector stopped\n/);
  } finally {
    await teardown(home);
  }
});

Deno.test("on a terminal: a picker when nothing is named; the shutdown sequence while it stops", async () => {
  if (!(await Terminal.available())) return; // tmux provides the terminal; installed on CI
  const home = await makeHome();
  let terminal: Terminal | undefined;
  try {
    const first = grepUuids((await sh(home, `dora start ${D}/long.yml --name first`)).stdout)[0]!;
    const second = grepUuids((await sh(home, `dora start ${D}/long.yml --name second`)).stdout)[0]!;
    await pollUntil(
      "nodes up",
      async () => (await listJson(home)).every((d) => d.nodes.every((n) => n.pid !== null)),
    );

    terminal = await Terminal.start(home, "dora stop");
    await terminal.waitFor("? Which dataflow do you want to stop?");
    await terminal.waitFor(/❯ first /);
    await terminal.keys("Escape");
    assert.equal(await terminal.exitCode(), 1);
    assert.match(await terminal.screen(), /Cancelled: nothing stopped/);
    await terminal.close();

    terminal = await Terminal.start(home, "dora stop");
    await terminal.waitFor(/❯ first /);
    await terminal.keys("Down");
    await terminal.waitFor(/❯ second /);
    await terminal.keys("Enter");
    assert.equal(await terminal.exitCode(), 0);
    const screen = await terminal.screen();
    assert.ok(screen.includes(`Stopping dataflow ${second}...`), screen);
    // The seed's shutdown sequence: what each node last said, and how long it took to exit.
    assert.match(screen, /^ {2}camera: camera got SIGTERM, bye +\[\d+(\.\d)?s\]$/m);
    assert.match(screen, /^ {2}detector: detector got SIGTERM, bye +\[\d+(\.\d)?s\]$/m);
    assertInOrder(screen, ["All nodes stopped gracefully", "Dataflow stopped successfully"]);
    const all = await listJson(home);
    assert.equal(all.find((d) => d.uuid === second)!.status, "Stopped");
    assert.equal(all.find((d) => d.uuid === first)!.status, "Running", "only the chosen one");
  } finally {
    await terminal?.close();
    await teardown(home);
  }
});
