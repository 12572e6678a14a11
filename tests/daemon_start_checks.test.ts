/**
 * What `start` and hot reload say about nodes that do not come up: a node that dies at once is
 * reported like one that cannot be spawned; a node that cannot be spawned counts as exited for
 * the data plane; a restarted node that dies on a SyntaxError is reported, not "restarted
 * successfully". Also: log lines show the user's command, and a dataflow's private folder
 * under ~/.dora/run goes when it ends.
 */
import assert from "node:assert/strict";
import { assertInOrder, FIXTURES, makeHome, pollUntil } from "./helpers.ts";
import { grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import { sh } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("start reports a node that dies in its first second, with the seed's lines", async () => {
  const home = await makeHome();
  try {
    const res = await sh(home, `dora start ${D}/dies_at_once.yml`);
    assert.equal(res.code, 0, res.stderr);
    const uuid = grepUuids(res.stdout)[0]!;
    assertInOrder(res.stderr, [
      "Warning: Node 'camera' failed to start\n",
      "  exited with code 1: ModuleNotFoundError: No module named " +
      "'dora_test_module_that_is_not_installed'\n",
      "\n",
      `Check logs: dora logs ${uuid} --node camera\n`,
    ]);
    assert.doesNotMatch(res.stderr, /Node 'detector'/);
    const json = JSON.parse((await sh(home, `dora start ${D}/dies_at_once.yml --json`)).stdout);
    assert.deepEqual(json.failed_nodes.map((n: { id: string }) => n.id), ["camera"]);
    assert.match(json.failed_nodes[0].reason, /ModuleNotFoundError/);
    const info = (await listJson(home)).find((d) => d.uuid === uuid)!;
    assert.equal(info.status, "Running", "the rest runs");
  } finally {
    await teardown(home);
  }
});

Deno.test("a node that cannot be spawned: the barrier goes on, its consumer gets INPUT_CLOSED", async () => {
  // The startup timeout is far away: only the node's exit can let the others go.
  const home = await makeHome({ DORA_STARTUP_TIMEOUT: "120" });
  try {
    const res = await sh(home, `dora start ${D}/spawn_fail_plane.yml`);
    assert.equal(res.code, 0, res.stderr);
    const uuid = grepUuids(res.stdout)[0]!;
    const logs = await pollUntil("the listener done, the clock ticking", async () => {
      const out = (await sh(home, `dora logs ${uuid}`)).stdout;
      return out.includes("listener done") && out.includes("ticker done") ? out : undefined;
    }, 20_000);
    assertInOrder(logs, ["event INPUT_CLOSED", "event STOP", "listener done"]);
    assert.match(res.stderr, /Warning: Node 'camera' failed to start\n {2}.*interpreter/);
    const info = await pollUntil("the dataflow ends", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      return d && d.status !== "Running" ? d : undefined;
    });
    assert.equal(info.status, "Failed", "camera failed");
    assert.equal(info.nodes.find((n) => n.id === "detector")!.status, "Succeeded");
  } finally {
    await teardown(home);
  }
});

Deno.test("hot reload: a SyntaxError after the edit is reported, never 'restarted successfully'", async () => {
  const home = await makeHome({ DORA_RELOAD_DEBOUNCE_MS: "100" });
  const proj = `${home.dir}/proj`;
  try {
    await Deno.mkdir(proj);
    await Deno.copyFile(`${FIXTURES}/reload/plain.py`, `${proj}/plain.py`);
    // A second node keeps the dataflow running while 'plain' is broken.
    await Deno.writeTextFile(
      `${proj}/plain.yml`,
      "nodes:\n  - id: plain\n    path: plain.py\n  - id: keep\n    path: sleep\n    args: '3600'\n",
    );
    const start = await sh(home, `dora start ${proj}/plain.yml --hot-reload`);
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    const logs = () => sh(home, `dora logs ${uuid}`).then((r) => r.stdout);
    await pollUntil("plain running", async () => (await logs()).includes("plain v1 3"));
    const source = await Deno.readTextFile(`${proj}/plain.py`);
    await Deno.writeTextFile(`${proj}/plain.py`, source.replace("n += 1", "n += = 1"));
    const text = await pollUntil("the failure report", async () => {
      const out = await logs();
      return out.includes("failed after the restart") ? out : undefined;
    });
    assertInOrder(text, [
      "dora  | File changed: plain.py",
      "dora  | Restarting dataflow... (plain)",
      "dora  | Error: node 'plain' failed after the restart: exited with code 1: SyntaxError:",
    ]);
    assert.doesNotMatch(text, /restarted successfully/);
    assert.doesNotMatch(text, /\[dora\] (File changed|Restarting dataflow)/, "no doubled prefix");

    // Fixed again: the ended node brings the whole dataflow back; success only once it runs.
    await Deno.writeTextFile(`${proj}/plain.py`, source.replace(`"v1"`, `"v2"`));
    const fixed = await pollUntil("the success line", async () => {
      const out = await logs();
      return out.includes("Dataflow restarted successfully") ? out : undefined;
    });
    assert.ok(
      fixed.indexOf("plain v2 0") < fixed.indexOf("Dataflow restarted successfully"),
      "the restarted node ran before success was said",
    );
  } finally {
    await teardown(home);
  }
});

Deno.test("log lines show the user's command, never the limits wrapper; run/<uuid> goes with the dataflow", async () => {
  const home = await makeHome();
  try {
    const start = await sh(home, `dora start ${D}/long.yml --memory-limit 256M --cpu-limit 1`);
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    const logs = await pollUntil("started lines", async () => {
      const out = (await sh(home, `dora logs ${uuid}`)).stdout;
      return /detector \| \[dora\] started/.test(out) ? out : undefined;
    });
    assert.match(logs, /^camera +\| \[dora\] started \(pid \d+\): python3 ticker\.py camera$/m);
    assert.match(logs, /^detector \| \[dora\] started \(pid \d+\): python3 ticker\.py detector$/m);
    assert.doesNotMatch(logs, /cgroup|\/bin\/sh -c|exec "\$@"/);

    const runDir = `${home.doraHome}/run/${uuid}`;
    assert.ok((await Deno.stat(runDir)).isDirectory);
    assert.equal((await sh(home, `dora stop ${uuid}`)).code, 0);
    await pollUntil("run folder removed", async () => !(await exists(runDir)), 10_000);

    const short = grepUuids((await sh(home, `dora start ${D}/short.yml`)).stdout)[0]!;
    await pollUntil(
      "short ended",
      async () => (await listJson(home)).find((d) => d.uuid === short)?.status === "Failed",
    );
    await pollUntil(
      "its run folder removed",
      async () => !(await exists(`${home.doraHome}/run/${short}`)),
      10_000,
    );
  } finally {
    await teardown(home);
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
