/**
 * Hot reload end to end: `dora run --hot-reload` and `dora start --hot-reload` on a copy of
 * tests/fixtures/reload (talker -> listener, real dora nodes) in a temp folder, edited the ways
 * editors do it. Which pid each node has comes from its log (`started (pid N)`) or `list --json`.
 */
import assert from "node:assert/strict";
import { readLogs } from "../lib/logs/reader.ts";
import { daemonPid, grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import {
  assertInOrder,
  dora,
  FIXTURES,
  killPid,
  makeHome,
  pidAlive,
  pollUntil,
  type RunningCli,
  spawnDora,
  type TestHome,
} from "./helpers.ts";

const FIXTURE = `${FIXTURES}/reload`;
const ENV = { DORA_RELOAD_DEBOUNCE_MS: "100", DORA_STOP_TIMEOUT: "3" };

/** A private HOME with a copy of the fixture folder in `<home>/proj`. */
async function project(): Promise<{ home: TestHome; proj: string }> {
  const home = await makeHome(ENV);
  const proj = `${home.dir}/proj`;
  await Deno.mkdir(proj);
  for (const entry of Deno.readDirSync(FIXTURE)) {
    await Deno.copyFile(`${FIXTURE}/${entry.name}`, `${proj}/${entry.name}`);
  }
  return { home, proj };
}

/** The current pid of every node of the only dataflow in `home`, from its logs. */
async function nodePids(home: TestHome): Promise<Record<string, number>> {
  const logs = `${home.doraHome}/logs`;
  const uuid = [...Deno.readDirSync(logs)].find((e) => e.isDirectory)!.name;
  const pids: Record<string, number> = {};
  for (const r of await readLogs(`${logs}/${uuid}`)) {
    const pid = r.stream === "dora" ? /^started \(pid (\d+)\)/.exec(r.text)?.[1] : undefined;
    if (pid) pids[r.node] = Number(pid);
  }
  return pids;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** `dora run --hot-reload` on the project, once the listener hears the talker. */
async function runReloading(
  home: TestHome,
  proj: string,
  args: string[] = ["--hot-reload"],
  env: Record<string, string> = {},
): Promise<RunningCli> {
  const cli = spawnDora(["run", `${proj}/dataflow.yml`, ...args], { env: { ...home.env, ...env } });
  await pollUntil("the listener hearing the talker", () => cli.stdout().includes("heard hello"));
  await pollUntil("the watcher", () => cli.stderr().includes("Watching for changes...\n"));
  return cli;
}

/** Ctrl-C, then the run must end cleanly with no node left. */
async function interrupt(cli: RunningCli, home: TestHome): Promise<void> {
  const pids = await nodePids(home);
  killPid(cli.pid, "SIGINT");
  const res = await cli.finished;
  assert.equal(res.code, 0, res.stderr);
  for (const pid of Object.values(pids)) assert.ok(!pidAlive(pid), `node pid ${pid} is gone`);
}

async function cleanupRun(cli: RunningCli | undefined, home: TestHome): Promise<void> {
  if (cli && pidAlive(cli.pid)) {
    for (const pid of Object.values(await nodePids(home).catch(() => ({})))) {
      killPid(pid, "SIGKILL", true);
    }
    killPid(cli.pid, "SIGKILL");
    await cli.finished;
  }
  await home.cleanup();
}

Deno.test("run --hot-reload: an edited node restarts alone, by in-place write and by rename; logs are ignored", async () => {
  const { home, proj } = await project();
  let cli: RunningCli | undefined;
  try {
    cli = await runReloading(home, proj);
    const run = cli;
    assertInOrder(run.stderr(), ["Watching for changes...\n", "  - *.py\n", "  - *.yml\n"]);
    const before = await nodePids(home);
    const source = await Deno.readTextFile(`${proj}/talker.py`);

    // In place, as most editors save.
    await Deno.writeTextFile(`${proj}/talker.py`, source.replace(`"hello"`, `"howdy"`));
    await pollUntil("the new talker heard", () => run.stdout().includes("heard howdy 0"));
    // Said only once the restarted node has run for DORA_START_CHECK_MS.
    await pollUntil("the success line", () => run.stderr().includes("restarted successfully"));
    assertInOrder(run.stderr(), [
      "File changed: talker.py\n",
      "Restarting dataflow... (talker)\n",
      "Dataflow restarted successfully\n",
    ]);
    const after = await nodePids(home);
    assert.notEqual(after.talker, before.talker, "talker restarted");
    assert.equal(after.listener, before.listener, "the listener carried on");
    assert.ok(!pidAlive(before.talker!));
    assert.ok(pidAlive(after.listener!));

    // Through a temp file and a rename, as vim and JetBrains IDEs save.
    await Deno.writeTextFile(`${proj}/talker.py.tmp`, source.replace(`"hello"`, `"bonjour"`));
    await Deno.rename(`${proj}/talker.py.tmp`, `${proj}/talker.py`);
    await pollUntil("the renamed talker heard", () => run.stdout().includes("heard bonjour 0"));
    await pollUntil(
      "second success",
      () => count(run.stderr(), "Dataflow restarted successfully\n") === 2,
    );
    assert.equal(count(run.stderr(), "File changed: talker.py\n"), 2);
    assert.ok(!run.stderr().includes("talker.py.tmp"), run.stderr());
    const renamed = await nodePids(home);
    assert.notEqual(renamed.talker, after.talker);
    assert.equal(renamed.listener, before.listener);

    // A log growing next to the code, caches and data: no reload. The listener edit that
    // follows is the proof: its batch names only listener.py.
    const log = await Deno.open(`${proj}/debug.log`, { create: true, append: true });
    for (let i = 0; i < 20; i++) await log.write(new TextEncoder().encode(`line ${i}\n`));
    log.close();
    await Deno.mkdir(`${proj}/__pycache__`);
    await Deno.writeTextFile(`${proj}/__pycache__/talker.cpython-311.pyc`, "x");
    await Deno.writeTextFile(`${proj}/samples.csv`, "1,2\n");
    await Deno.writeTextFile(`${proj}/.talker.py.swp`, "swap");
    const listener = await Deno.readTextFile(`${proj}/listener.py`);
    await Deno.writeTextFile(`${proj}/listener.py`, `${listener}# edited\n`);
    await pollUntil(
      "third success",
      () => count(run.stderr(), "Dataflow restarted successfully\n") === 3,
    );
    assertInOrder(run.stderr(), [
      "File changed: listener.py\n",
      "Restarting dataflow... (listener)\n",
    ]);
    assert.equal(count(run.stderr(), "File changed:"), 3, run.stderr());
    const last = await nodePids(home);
    assert.equal(last.talker, renamed.talker);
    assert.notEqual(last.listener, before.listener);
    const mark = run.stdout().length;
    await pollUntil("the new listener hearing", () => run.stdout().slice(mark).includes("heard"));

    // Hot reload is not a crash: restart counts stay 0.
    const uuid = [...Deno.readDirSync(`${home.doraHome}/logs`)][0]!.name;
    const doraLog = (await readLogs(`${home.doraHome}/logs/${uuid}`, { node: "dora" }))
      .map((r) => r.text);
    assert.deepEqual(doraLog.slice(0, 3), [
      "File changed: talker.py",
      "Restarting dataflow... (talker)",
      "Dataflow restarted successfully",
    ]);
    const talkerLog = (await readLogs(`${home.doraHome}/logs/${uuid}`, { node: "talker" }))
      .filter((r) => r.stream === "dora").map((r) => r.text);
    assert.ok(talkerLog.includes("restarting for hot reload"), talkerLog.join("\n"));
    // Connected to the data plane, it got STOP and ended by itself (no signal needed).
    assert.ok(
      talkerLog.includes("stopped for hot reload: exited with code 0"),
      talkerLog.join("\n"),
    );
    await interrupt(run, home);
  } finally {
    await cleanupRun(cli, home);
  }
});

Deno.test("run --hot-reload: an invalid YAML is reported and the dataflow kept; added and removed nodes", async () => {
  const { home, proj } = await project();
  let cli: RunningCli | undefined;
  try {
    cli = await runReloading(home, proj);
    const run = cli;
    const before = await nodePids(home);
    const yaml = await Deno.readTextFile(`${proj}/dataflow.yml`);

    await Deno.writeTextFile(`${proj}/dataflow.yml`, "nodes:\n  - id: talker\n    inputs: [oops\n");
    await pollUntil(
      "the problem report",
      () =>
        run.stderr().includes(
          "Error: invalid dataflow file 'dataflow.yml' (1 problem); " +
            "the running dataflow is kept:\n  dataflow.yml:",
        ),
    );
    const heard = count(run.stdout(), "heard hello");
    await pollUntil("messages still flowing", () => count(run.stdout(), "heard hello") > heard + 3);
    assert.deepEqual(await nodePids(home), before, "nothing restarted");
    assert.ok(!run.stderr().includes("Restarting"));

    // A valid YAML with one more node: the data plane cannot grow, everything restarts.
    await Deno.writeTextFile(
      `${proj}/dataflow.yml`,
      `${yaml}  - id: extra\n    path: extra.py\n`,
    );
    await pollUntil("the new node", () => /extra +\| extra up\n/.test(run.stdout()));
    await pollUntil("the success line", () => run.stderr().includes("restarted successfully"));
    assertInOrder(run.stderr(), [
      "File changed: dataflow.yml\n",
      "Node 'extra' was added: every node restarts\n",
      "Restarting dataflow...\n",
      "Dataflow restarted successfully\n",
    ]);
    const grown = await nodePids(home);
    assert.ok(pidAlive(grown.extra!));
    assert.notEqual(grown.talker, before.talker);
    assert.notEqual(grown.listener, before.listener);
    await pollUntil(
      "the new talker counting from 0",
      () => count(run.stdout(), "heard hello 0") === 2,
    );
    const heardAgain = 2;

    // Removing it stops it.
    await Deno.writeTextFile(`${proj}/dataflow.yml`, yaml);
    await pollUntil(
      "the removal",
      () =>
        run.stderr().includes("Node 'extra' was removed: every node restarts\n") &&
        count(run.stderr(), "Dataflow restarted successfully\n") === 2,
    );
    await pollUntil("extra gone", () => !pidAlive(grown.extra!));
    await pollUntil("talking again", () => count(run.stdout(), "heard hello 0") > heardAgain);
    const afterRemoval = await nodePids(home);

    // An env change in the YAML restarts that node only, with the new value.
    await Deno.writeTextFile(
      `${proj}/dataflow.yml`,
      yaml.replace("    path: listener.py\n", "    path: listener.py\n    env:\n      LEVEL: 2\n"),
    );
    await pollUntil(
      "the env change",
      () =>
        run.stderr().includes("Restarting dataflow... (listener)\n") &&
        count(run.stderr(), "Dataflow restarted successfully\n") === 3,
    );
    const changed = await nodePids(home);
    assert.equal(changed.talker, afterRemoval.talker);
    assert.notEqual(changed.listener, afterRemoval.listener);
    await interrupt(run, home);
  } finally {
    await cleanupRun(cli, home);
  }
});

Deno.test("run with DORA_HOT_RELOAD=true and --watch: only the given patterns count", async () => {
  const { home, proj } = await project();
  let cli: RunningCli | undefined;
  try {
    await Deno.mkdir(`${proj}/config`);
    cli = await runReloading(home, proj, ["--watch", "config/*, *.txt"], {
      DORA_HOT_RELOAD: "true",
    });
    const run = cli;
    assertInOrder(run.stderr(), ["Watching for changes...\n", "  - config/*\n", "  - *.txt\n"]);
    assert.ok(!run.stderr().includes("  - *.py\n"));
    const before = await nodePids(home);
    const source = await Deno.readTextFile(`${proj}/talker.py`);
    await Deno.writeTextFile(`${proj}/talker.py`, source.replace(`"hello"`, `"howdy"`));
    // A configuration file restarts every node; the talker.py edit before it never counted.
    await Deno.writeTextFile(`${proj}/config/level.txt`, "2\n");
    await pollUntil("the reload", () => run.stderr().includes("Dataflow restarted successfully\n"));
    assertInOrder(run.stderr(), [
      "File changed: config/level.txt\n",
      "Restarting dataflow... (talker, listener)\n",
    ]);
    assert.equal(count(run.stderr(), "File changed:"), 1, run.stderr());
    const after = await nodePids(home);
    assert.notEqual(after.talker, before.talker);
    assert.notEqual(after.listener, before.listener);
    // The restarted talker runs the edited file.
    await pollUntil("the edited talker", () => run.stdout().includes("heard howdy"));
    await interrupt(run, home);
  } finally {
    await cleanupRun(cli, home);
  }
});

Deno.test("run: a --watch without patterns is a usage error", async () => {
  const { home, proj } = await project();
  try {
    const res = await dora(["run", `${proj}/dataflow.yml`, "--hot-reload", "--watch", " , "], {
      env: home.env,
    });
    assert.equal(res.code, 2, res.stderr);
    assert.ok(res.stderr.startsWith("Error: Invalid --watch ' , '"), res.stderr);
  } finally {
    await home.cleanup();
  }
});

Deno.test("start --hot-reload: the daemon restarts the edited node; list and logs show it", async () => {
  const { home, proj } = await project();
  try {
    const res = await dora(["start", `${proj}/dataflow.yml`, "--hot-reload"], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    const uuids = grepUuids(res.stdout);
    assert.equal(uuids.length, 1, res.stdout);
    const uuid = uuids[0]!;
    assert.ok(res.stdout.includes(`Dataflow started: ${uuid} (hot-reload enabled)`));
    assertInOrder(res.stderr, ["Watching for changes...\n", "  - *.py\n", "  - *.yml\n"]);

    const running = async () => {
      const info = (await listJson(home)).find((d) => d.uuid === uuid)!;
      const pids = Object.fromEntries(info.nodes.map((n) => [n.id, n.pid]));
      return info.nodes.every((n) => n.status === "Running" && n.pid !== null) ? pids : undefined;
    };
    const before = await pollUntil("both nodes running", running);
    const logsHave = async (text: string) => {
      const logs = await dora(["logs", uuid], { env: home.env });
      return logs.stdout.includes(text) ? logs.stdout : undefined;
    };
    await pollUntil("the listener hearing", () => logsHave("heard hello"));

    const source = await Deno.readTextFile(`${proj}/talker.py`);
    await Deno.writeTextFile(`${proj}/talker.py`, source.replace(`"hello"`, `"howdy"`));
    const after = await pollUntil("the new talker pid", async () => {
      const pids = await running();
      return pids && pids.talker !== before.talker ? pids : undefined;
    });
    assert.equal(after.listener, before.listener);
    await pollUntil("the listener hearing howdy", () => logsHave("heard howdy"));
    const logs = await pollUntil("the reload lines", () => logsHave("restarted successfully"));
    assertInOrder(logs, [
      "dora     | File changed: talker.py\n",
      "dora     | Restarting dataflow... (talker)\n",
      "dora     | Dataflow restarted successfully\n",
    ]);
    assert.doesNotMatch(logs, /dora +\| \[dora\]/, "no doubled prefix");
    const info = (await listJson(home)).find((d) => d.uuid === uuid)!;
    assert.equal(info.hot_reload, true);
    assert.equal(info.nodes.find((n) => n.id === "talker")!.restarts, 0, "not a crash");

    const stop = await dora(["stop", uuid], { env: home.env });
    assert.equal(stop.code, 0, stop.stderr);
    for (const pid of [...Object.values(before), ...Object.values(after)]) {
      if (pid !== null) assert.ok(!pidAlive(pid));
    }
    assert.ok(await daemonPid(home));
  } finally {
    await teardown(home);
  }
});

Deno.test("start --hot-reload survives a daemon crash: the new daemon watches again", async () => {
  const { home, proj } = await project();
  try {
    const res = await dora(["start", `${proj}/plain.yml`, "--hot-reload"], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    const uuid = grepUuids(res.stdout)[0]!;
    const plainPid = async () => {
      const info = (await listJson(home)).find((d) => d.uuid === uuid);
      const node = info?.nodes.find((n) => n.id === "plain");
      return node?.status === "Running" ? node.pid ?? undefined : undefined;
    };
    const first = await pollUntil("plain running", plainPid);
    const daemon = (await daemonPid(home))!;
    killPid(daemon, "SIGKILL");
    await pollUntil("daemon dead", () => !pidAlive(daemon));
    assert.equal((await dora(["up"], { env: home.env })).code, 0);
    assert.equal(await plainPid(), first, "re-adopted, not restarted");

    const source = await Deno.readTextFile(`${proj}/plain.py`);
    await Deno.writeTextFile(`${proj}/plain.py`, source.replace(`"v1"`, `"v2"`));
    const second = await pollUntil("the restarted node", async () => {
      const pid = await plainPid();
      return pid !== first ? pid : undefined;
    });
    assert.ok(!pidAlive(first));
    await pollUntil("the new version's output and the reload lines", async () => {
      const logs = (await dora(["logs", uuid], { env: home.env })).stdout;
      return logs.includes("plain v2 0") && /dora +\| File changed: plain\.py/.test(logs) &&
        /dora +\| Dataflow restarted successfully/.test(logs);
    });
    assert.equal((await dora(["stop", uuid], { env: home.env })).code, 0);
    assert.ok(!pidAlive(second));
  } finally {
    await teardown(home);
  }
});
