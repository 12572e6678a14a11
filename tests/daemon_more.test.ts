/**
 * More of daemon mode: `dora daemon` in the foreground (SIGTERM = graceful destroy), destroy
 * with running dataflows, `start --attach`, `logs --follow`, `list -q`, version checks, and
 * the confirmation prompt on a TTY.
 */
import assert from "node:assert/strict";
import {
  assertInOrder,
  dora,
  FIXTURES,
  MAIN,
  makeHome,
  pidAlive,
  pollUntil,
  spawnDora,
} from "./helpers.ts";
import { grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import { VERSION } from "../lib/config.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("dora daemon in the foreground logs to stderr; SIGTERM stops every dataflow", async () => {
  const home = await makeHome();
  const daemon = spawnDora(["daemon"], { env: home.env });
  try {
    await pollUntil("daemon listening", () => daemon.stderr().includes("listening on 127.0.0.1"));
    const start = await dora(["start", `${D}/long.yml`, "--name", "svc"], { env: home.env });
    assert.equal(start.code, 0, start.stderr);
    assert.doesNotMatch(start.stderr, /Started the dora daemon/, "reuses the running daemon");
    const pids = await pollUntil("nodes", async () => {
      const d = (await listJson(home))[0];
      return d?.nodes.every((n) => n.pid) ? d.nodes.map((n) => n.pid!) : undefined;
    });
    daemon.child.kill("SIGTERM");
    const result = await daemon.finished;
    assert.equal(result.code, 0, result.stderr);
    assertInOrder(result.stderr, ["received SIGTERM", "stopping svc", "daemon stopped"]);
    for (const pid of pids) assert.ok(!pidAlive(pid), "no node outlives the daemon's stop");
    const state = JSON.parse(await Deno.readTextFile(`${home.doraHome}/state.json`));
    assert.equal(state.dataflows[0].status, "Stopped");
  } finally {
    try {
      daemon.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await daemon.finished;
    await teardown(home);
  }
});

Deno.test("destroy stops running dataflows with the seed's lines", async () => {
  const home = await makeHome();
  try {
    const start = await dora(["start", `${D}/long.yml`, "--name", "my-robot"], { env: home.env });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    const pids = await pollUntil("nodes", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === uuid);
      return d?.nodes.every((n) => n.pid) ? d.nodes.map((n) => n.pid!) : undefined;
    });
    const destroy = await dora(["destroy"], { env: home.env });
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.equal(
      destroy.stdout,
      [
        "Stopping all dataflows...",
        "  ✓ my-robot stopped",
        "Shutting down daemon...",
        "  ✓ Daemon stopped",
        "",
      ].join("\n"),
    );
    for (const pid of pids) assert.ok(!pidAlive(pid));
  } finally {
    await teardown(home);
  }
});

Deno.test("start --attach streams output; Ctrl-C stops the dataflow and exits 0", async () => {
  const home = await makeHome();
  const attached = spawnDora(["start", `${D}/long.yml`, "--attach", "--name", "att"], {
    env: home.env,
  });
  try {
    await pollUntil("attached output", () => /camera {3}\| camera 3\b/.test(attached.stdout()));
    const pids = (await listJson(home))[0]!.nodes.map((n) => n.pid!);
    attached.child.kill("SIGINT");
    const result = await attached.finished;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /detector \| detector \d+/);
    assert.match(result.stderr, /Stopping the dataflow/);
    for (const pid of pids) assert.ok(!pidAlive(pid));
    assert.equal((await listJson(home))[0]!.status, "Stopped");
  } finally {
    await attached.finished;
    await teardown(home);
  }
});

Deno.test("logs --follow ends with the dataflow; --since and list -q", async () => {
  const home = await makeHome();
  try {
    const start = await dora(["start", `${D}/long.yml`], { env: home.env });
    const uuid = grepUuids(start.stdout)[0]!;
    const follow = spawnDora(["logs", uuid, "--follow", "--node", "detector"], { env: home.env });
    await pollUntil("followed lines", () => /detector \| detector 5\b/.test(follow.stdout()));
    const quiet = await dora(["list", "-q"], { env: home.env });
    assert.equal(quiet.stdout, `${uuid}\n`);
    const since = await dora(["logs", uuid, "--since", "1h"], { env: home.env });
    assert.match(since.stdout, /camera \d+/);
    const none = await dora(["logs", uuid, "--since", "0s"], { env: home.env });
    assert.ok(none.stdout.split("\n").filter(Boolean).length < 5);
    assert.equal((await dora(["stop", uuid], { env: home.env })).code, 0);
    const result = await follow.finished;
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /detector \| detector got SIGTERM, bye\ndetector \| \[dora\] stopped: exited with code 0\n$/,
    );
    assert.doesNotMatch(result.stdout, /camera/);
    const badTail = await dora(["logs", uuid, "--tail", "x"], { env: home.env });
    assert.equal(badTail.code, 2);
    const badNode = await dora(["logs", uuid, "--node", "nope"], { env: home.env });
    assert.equal(badNode.code, 1);
    assert.match(badNode.stderr, /Node 'nope' not found .*\nIts nodes: camera, detector/);
  } finally {
    await teardown(home);
  }
});

Deno.test("the daemon reports its version and logs clients of another version", async () => {
  const home = await makeHome();
  try {
    assert.equal((await dora(["up"], { env: home.env })).code, 0);
    const token = (await Deno.readTextFile(`${home.doraHome}/token`)).trim();
    const res = await fetch(`http://127.0.0.1:${home.port}/v1/status`, {
      headers: { authorization: `Bearer ${token}`, "x-dora-version": "9.9.9" },
    });
    const status = await res.json();
    assert.equal(status.version, VERSION);
    assert.equal(res.headers.get("x-dora-version"), VERSION);
    const log = await Deno.readTextFile(`${home.doraHome}/daemon.log`);
    assert.match(log, /a dora CLI 9\.9\.9 talks to this daemon/);
  } finally {
    await teardown(home);
  }
});

Deno.test("DORA_CONFIRM_STOP=true asks on a TTY; 'n' keeps the dataflow", async () => {
  const script = await new Deno.Command("sh", { args: ["-c", "command -v script"] }).output();
  if (!script.success) return; // util-linux `script` provides the TTY; present on CI machines
  const home = await makeHome({ DORA_CONFIRM_STOP: "true" });
  try {
    const start = await dora(["start", `${D}/long.yml`, "--name", "ask"], { env: home.env });
    assert.equal(start.code, 0);
    const cmd = `${Deno.execPath()} run -A ${MAIN} stop ask`;
    for (const [answer, code, status] of [["n", 1, "Running"], ["y", 0, "Stopped"]] as const) {
      const out = await new Deno.Command("script", {
        args: ["-qec", cmd, "/dev/null"],
        env: { ...home.env, DORA_COORDINATOR_ADDR: "" },
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const writer = out.stdin.getWriter();
      await writer.write(new TextEncoder().encode(`${answer}\n`));
      await writer.close();
      const result = await out.output();
      const text = new TextDecoder().decode(result.stdout);
      assert.match(text, /Stop dataflow ask \(.*\)\? \[y\/N\]/);
      assert.equal(result.code, code, text);
      assert.equal((await listJson(home))[0]!.status, status);
    }
  } finally {
    await teardown(home);
  }
});
