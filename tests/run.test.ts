/**
 * `dora run` end to end: the real CLI in a temp HOME with fixture nodes. Output format, exit
 * codes and the failure report, Ctrl-C/SIGTERM handling, grandchildren, floods, spawn failures,
 * and that no process outlives the run.
 */
import assert from "node:assert/strict";
import { isUuid } from "../lib/ids.ts";
import { readLogs } from "../lib/logs/reader.ts";
import {
  assertInOrder,
  dora,
  FIXTURES,
  makeHome,
  pidAlive,
  pollUntil,
  readPidFile,
  spawnDora,
  type TestHome,
} from "./helpers.ts";

const RUN = `${FIXTURES}/run`;

/** The single dataflow log folder of a run, and the pids its nodes had. */
async function runLogs(home: TestHome): Promise<{ dir: string; pids: number[] }> {
  const entries = [...Deno.readDirSync(`${home.doraHome}/logs`)];
  assert.equal(entries.length, 1);
  const uuid = entries[0]!.name;
  assert.ok(isUuid(uuid) && uuid[14] === "7", `a v7 uuid: ${uuid}`);
  const dir = `${home.doraHome}/logs/${uuid}`;
  const pids = (await readLogs(dir))
    .map((r) => r.stream === "dora" ? /^started \(pid (\d+)\)/.exec(r.text)?.[1] : undefined)
    .filter((pid) => pid !== undefined).map(Number);
  return { dir, pids };
}

async function withHome(extra: Record<string, string>, fn: (home: TestHome) => Promise<void>) {
  const home = await makeHome(extra);
  try {
    await fn(home);
  } finally {
    await home.cleanup();
  }
}

Deno.test("a failing node: exit 1 and a report with its exit code and last stderr lines", async () => {
  await withHome({}, async (home) => {
    const res = await dora(["run", `${RUN}/mixed.yml`], { env: home.env });
    assert.equal(res.code, 1, res.stderr);
    // Every line prefixed, ids aligned, plain text when piped.
    assert.ok(res.stdout.includes("good         | working, will exit 0\n"), res.stdout);
    assert.ok(res.stdout.includes("failing-node | working, will exit 3\n"));
    assert.ok(res.stdout.includes("failing-node | problem line 1\n"));
    assert.ok(!res.stdout.includes("\x1b["));
    assertInOrder(res.stderr, [
      "Error: dataflow failed: 1 of 2 nodes failed",
      "  ✗ failing-node: exited with code 3",
      "    last stderr lines:",
      "    | problem line 3",
      "    | problem line 12",
      "Logs: ",
    ]);
    assert.ok(!res.stderr.includes("| problem line 2\n"), "only the last 10 lines");
    assert.ok(!res.stderr.includes("✗ good"));
    assert.ok(!res.stderr.includes("    at "), "no stack trace");

    assert.equal((await Deno.stat(home.doraHome)).mode! & 0o777, 0o700);
    const { dir, pids } = await runLogs(home);
    assert.ok(res.stderr.includes(`Logs: ${dir}\n`));
    assert.equal(pids.length, 2);
    const texts = (await readLogs(dir, { node: "failing-node" })).map((r) =>
      `${r.stream} ${r.text}`
    );
    assert.ok(texts.includes("stdout working, will exit 3"));
    assert.ok(texts.includes("stderr problem line 12"));
    assert.equal(texts.at(-1), "dora exited with code 3");
    // The private FIFO folder is gone.
    assert.deepEqual([...Deno.readDirSync(`${home.doraHome}/run`)], []);
  });
});

Deno.test("all nodes succeed: exit 0; shell nodes run in the YAML's folder with its env", async () => {
  await withHome({}, async (home) => {
    const res = await dora(["run", `${RUN}/shell.yml`], { env: home.env, cwd: home.dir });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(res.stdout.includes(`sh | cwd=${RUN}\n`), res.stdout);
    assert.ok(res.stdout.includes("sh | greeting=hello world\n"));
    assert.ok(res.stdout.includes("sh | oops\n"));
    assert.ok(res.stderr.includes("Dataflow finished: the node succeeded"));
  });
});

Deno.test("prefixes are coloured on request (FORCE_COLOR) and never with NO_COLOR", async () => {
  await withHome({ NO_COLOR: "", FORCE_COLOR: "1" }, async (home) => {
    const res = await dora(["run", `${RUN}/shell.yml`], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(res.stdout.includes("\x1b[36msh\x1b[0m | greeting=hello world\n"), res.stdout);
  });
});

Deno.test("Ctrl-C: polite nodes stop, a stubborn one is killed after --grace-duration, exit 0", async () => {
  // --grace-duration wins over DORA_STOP_TIMEOUT.
  await withHome({ DORA_STOP_TIMEOUT: "120" }, async (home) => {
    const cli = spawnDora(["run", `${RUN}/stubborn.yml`, "--grace-duration", "1s"], {
      env: home.env,
    });
    await pollUntil(
      "both nodes up",
      () =>
        cli.stdout().includes("stubborn | stubborn ready") &&
        cli.stdout().includes("ticker   | tick 0"),
    );
    const { pids } = await runLogs(home);
    const started = Date.now();
    Deno.kill(cli.pid, "SIGINT");
    const res = await cli.finished;
    const took = Date.now() - started;
    assert.equal(res.code, 0, res.stderr);
    assert.ok(took >= 900 && took < 20_000, `stop took ${took} ms`);
    assert.ok(res.stdout.includes("ticker   | tick bye"));
    assertInOrder(res.stderr, [
      "Stopping dataflow (grace period 1s; Ctrl-C again to kill at once)...",
      "  ✓ ticker stopped\n",
      "Warning: Node 'stubborn' not responding after 1s",
      "Force stopping node 'stubborn'...",
      "  ✓ stubborn stopped (killed)",
      "Dataflow stopped",
    ]);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.equal(pidAlive(pid), false, `pid ${pid}`);
  });
});

Deno.test("a second Ctrl-C kills every node at once", async () => {
  await withHome({}, async (home) => {
    const cli = spawnDora(["run", `${RUN}/stubborn.yml`, "--grace-duration", "120s"], {
      env: home.env,
    });
    await pollUntil("stubborn up", () => cli.stdout().includes("stubborn | stubborn ready"));
    const { pids } = await runLogs(home);
    Deno.kill(cli.pid, "SIGINT");
    await pollUntil("ticker stopped", () => cli.stderr().includes("✓ ticker stopped"));
    const started = Date.now();
    Deno.kill(cli.pid, "SIGINT");
    const res = await cli.finished;
    assert.equal(res.code, 0, res.stderr);
    assert.ok(Date.now() - started < 10_000);
    assertInOrder(res.stderr, [
      "Killing every node now...",
      "Force stopping node 'stubborn'...",
      "  ✓ stubborn stopped (killed)",
      "Dataflow stopped",
    ]);
    for (const pid of pids) assert.equal(pidAlive(pid), false);
  });
});

for (const mode of ["group", "escape"]) {
  Deno.test(`SIGTERM to dora run: grandchildren die too (${mode})`, async () => {
    await withHome({}, async (home) => {
      const pidFile = `${home.dir}/grandchild.pid`;
      const cli = spawnDora(["run", `${RUN}/forker.yml`, "--grace-duration", "1s"], {
        env: { ...home.env, PID_FILE: pidFile, MODE: mode },
      });
      const grandchild = await readPidFile(pidFile);
      await pollUntil("forker up", () => cli.stdout().includes("forker | forked"));
      const { pids } = await runLogs(home);
      Deno.kill(cli.pid, "SIGTERM");
      const res = await cli.finished;
      assert.equal(res.code, 0, res.stderr);
      assert.ok(res.stderr.includes("✓ forker stopped"), res.stderr);
      assert.equal(pidAlive(grandchild), false, "grandchild survived");
      for (const pid of pids) assert.equal(pidAlive(pid), false);
    });
  });
}

Deno.test("a flood of output: every line arrives, in order", async () => {
  await withHome({ FLOOD_COUNT: "100000" }, async (home) => {
    const res = await dora(["run", `${RUN}/flood.yml`], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split("\n").filter((l) => /^flood \| \d{8} /.test(l));
    assert.equal(lines.length, 100_000);
    assert.ok(lines.every((line, i) => Number(line.slice(8, 16)) === i), "in order");
    assert.ok(res.stdout.includes("flood | flood done\n"));
  });
});

Deno.test("Ctrl-C stops a flooding node promptly, and what was printed is complete", async () => {
  await withHome({ FLOOD_COUNT: "forever" }, async (home) => {
    const cli = spawnDora(["run", `${RUN}/flood.yml`], { env: home.env });
    await pollUntil("flooding", () => cli.stdout().length > 2_000_000);
    const { pids } = await runLogs(home);
    const started = Date.now();
    Deno.kill(cli.pid, "SIGINT");
    const res = await cli.finished;
    assert.equal(res.code, 0, res.stderr);
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    const lines = res.stdout.split("\n").filter((l) => l.startsWith("flood | "));
    assert.ok(lines.every((line, i) => Number(line.slice(8, 16)) === i), "no gap, no reorder");
    for (const pid of pids) assert.equal(pidAlive(pid), false);
  });
});

Deno.test("a node that cannot start fails the run; the others run", async () => {
  await withHome({}, async (home) => {
    const res = await dora(["run", `${RUN}/broken.yml`], { env: home.env });
    assert.equal(res.code, 1);
    assert.ok(res.stdout.includes("good  | working, will exit 0"), res.stdout);
    assertInOrder(res.stderr, [
      "ghost | [dora] failed to start: program not found: ",
      "Error: dataflow failed: 1 of 2 nodes failed",
      `  ✗ ghost: failed to start: program not found: ${RUN}/not-built-yet`,
    ]);
  });
});

Deno.test("bad input: unknown duration exits 2, a missing file exits 1, both without a trace", async () => {
  await withHome({}, async (home) => {
    const bad = await dora(["run", `${RUN}/mixed.yml`, "--grace-duration", "soon"], {
      env: home.env,
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^Error: Invalid --grace-duration 'soon': expected a duration/);
    const missing = await dora(["run", `${home.dir}/nope.yml`], { env: home.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: Cannot read dataflow file/);
    assert.ok(!missing.stderr.includes("    at "));
  });
});

Deno.test("restart_policy: a crashing node restarts with backoff until the crash-loop guard", async () => {
  const env = { DORA_RESTART_DELAY_MS: "50", DORA_RESTART_MAX_FAILURES: "3" };
  await withHome(env, async (home) => {
    const res = await dora(["run", `${RUN}/crashloop.yml`], { env: home.env });
    assert.equal(res.code, 1);
    assert.equal(res.stdout.split("crasher | working, will exit 3\n").length - 1, 3, res.stdout);
    assertInOrder(res.stderr, [
      "crasher | [dora] restarting in ", // 50 to 150 ms: backoff with jitter
      "(restart 1)",
      "crasher | [dora] restarting in ",
      "(restart 2)",
      "crasher | [dora] not restarted: gave up after 3 failures within 60s (crash-loop guard)",
      "  ✗ crasher: exited with code 3 (gave up after 3 failures within 60s (crash-loop guard))",
    ]);
    // --restart-policy replaces the node's own policy; a bad DORA_RESTART_POLICY is a usage error.
    const never = await dora(["run", `${RUN}/crashloop.yml`, "--restart-policy", "never"], {
      env: home.env,
    });
    assert.equal(never.code, 1);
    assert.equal(never.stdout.split("working, will exit 3\n").length - 1, 1);
    const bad = await dora(["run", `${RUN}/crashloop.yml`], {
      env: { ...home.env, DORA_RESTART_POLICY: "sometimes" },
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^Error: Invalid DORA_RESTART_POLICY 'sometimes'/);
  });
});

Deno.test("dora nodes talk through the data plane; the run ends when they do", async () => {
  await withHome({ COUNT: "5" }, async (home) => {
    const res = await dora(["run", `${RUN}/plane.yml`], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    assertInOrder(res.stdout, [
      ...[0, 1, 2, 3, 4].map((n) => `listener | heard hello ${n}\n`),
      "listener | event INPUT_CLOSED\n",
      "listener | listener done\n",
    ]);
    assert.ok(res.stderr.includes("Dataflow finished: all 2 nodes succeeded"));
    assert.deepEqual([...Deno.readDirSync(`${home.doraHome}/run`)], [], "socket and FIFOs gone");
  });
});

Deno.test("Ctrl-C: connected nodes get STOP through the data plane and end on their own", async () => {
  await withHome({ COUNT: "0" }, async (home) => {
    const cli = spawnDora(["run", `${RUN}/plane.yml`, "--grace-duration", "20s"], {
      env: home.env,
    });
    await pollUntil("messages flowing", () => cli.stdout().includes("heard hello 3"));
    const started = Date.now();
    Deno.kill(cli.pid, "SIGINT");
    const res = await cli.finished;
    assert.equal(res.code, 0, res.stderr);
    // STOP, not SIGTERM (which would end python at once, printing nothing), well inside 10 s.
    assert.ok(res.stdout.includes("talker   | talker got STOP\n"), res.stdout);
    assert.ok(res.stdout.includes("listener | listener done\n"));
    assert.ok(Date.now() - started < 10_000);
    assert.ok(
      res.stderr.includes("✓ talker stopped\n") && res.stderr.includes("✓ listener stopped\n"),
    );
    assert.ok(!res.stderr.includes("killed"));
  });
});
