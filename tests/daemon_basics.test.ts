/**
 * Daemon mode, end to end: up/destroy, the control channel's authentication, missing daemons,
 * ports held by other programs, a corrupt registry. Each test has its own HOME and port.
 */
import assert from "node:assert/strict";
import { assertInOrder, dora, FIXTURES, makeHome, pidAlive, pollUntil } from "./helpers.ts";
import { daemonPid, teardown } from "./daemon_helpers.ts";

Deno.test("up prints the seed's lines, a second up says it runs, destroy stops it", async () => {
  const home = await makeHome();
  try {
    const up = await dora(["up"], { env: home.env });
    assert.equal(up.code, 0, up.stderr);
    assert.equal(
      up.stdout,
      [
        "Starting dora daemon...",
        `  ✓ Coordinator started on port ${home.port}`,
        "  ✓ Daemon ready",
        "",
        `Daemon running at: http://localhost:${home.port}`,
        "",
      ].join("\n"),
    );
    const pid = await daemonPid(home);
    assert.ok(pid && pidAlive(pid));
    const home700 = (await Deno.stat(home.doraHome)).mode! & 0o777;
    assert.equal(home700, 0o700);
    assert.equal((await Deno.stat(`${home.doraHome}/token`)).mode! & 0o777, 0o600);

    const again = await dora(["up"], { env: home.env });
    assert.equal(again.code, 0);
    assert.match(again.stdout, new RegExp(`already running at: http://localhost:${home.port}`));

    const destroy = await dora(["destroy"], { env: home.env });
    assert.equal(destroy.code, 0, destroy.stderr);
    assertInOrder(destroy.stdout, [
      "Stopping all dataflows...",
      "Shutting down daemon...",
      "  ✓ Daemon stopped",
    ]);
    await pollUntil("daemon exit", () => !pidAlive(pid!));
  } finally {
    await teardown(home);
  }
});

Deno.test("commands that need a daemon say so when none runs", async () => {
  const home = await makeHome();
  try {
    const list = await dora(["list"], { env: home.env });
    assert.equal(list.code, 1);
    // The seed's start page, verbatim.
    assert.match(
      list.stderr,
      /^Error: Failed to connect to daemon\nSolution: Run 'dora up' to start daemon\n/,
    );
    const stop = await dora(["stop", "abc"], { env: home.env });
    assert.equal(stop.code, 1);
    assert.equal(
      stop.stderr,
      [
        "Error: Cannot connect to daemon",
        "",
        "Solution:",
        "  1. Check if daemon is running: dora list",
        "  2. If not, there are no dataflows to stop",
        "",
      ].join("\n"),
    );
    // Nothing runs, so there is nothing to destroy: exit 0 (cron-friendly).
    const destroy = await dora(["destroy"], { env: home.env });
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.match(destroy.stdout, /No daemon is running: nothing to stop/);
    assert.doesNotMatch(list.stderr + stop.stderr + destroy.stderr, /\bat .*\.ts:\d+/);
  } finally {
    await teardown(home);
  }
});

Deno.test("a port held by another program: the seed's error and solutions, exit 1", async () => {
  const home = await makeHome();
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: home.port });
  try {
    const up = await dora(["up"], { env: home.env });
    assert.equal(up.code, 1);
    assert.equal(
      up.stderr,
      [
        `Error: Port ${home.port} already in use`,
        "Solution:",
        "  1. Check existing daemon: dora list",
        "  2. Stop old daemon: dora destroy",
        `  3. Or specify different port: dora up --port ${home.port + 1}`,
        "",
      ].join("\n"),
    );
    assert.equal(await daemonPid(home), undefined);
  } finally {
    squatter.close();
    await teardown(home);
  }
});

Deno.test("the control channel refuses requests without the token and tells nothing", async () => {
  const home = await makeHome();
  try {
    assert.equal((await dora(["up"], { env: home.env })).code, 0);
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer " + "0".repeat(64) }];
    for (const headers of attempts) {
      for (const path of ["/v1/status", "/v1/dataflows", "/v1/destroy"]) {
        const res = await fetch(`http://127.0.0.1:${home.port}${path}`, {
          method: path === "/v1/destroy" ? "POST" : "GET",
          headers,
        });
        assert.equal(res.status, 401);
        const body = await res.json();
        assert.deepEqual(body, { error: "unauthorized", message: "Unauthorized" });
      }
    }
    // The daemon is still there and answers the owner.
    const list = await dora(["list"], { env: home.env });
    assert.equal(list.code, 0, list.stderr);
  } finally {
    await teardown(home);
  }
});

Deno.test("another DORA_HOME's daemon on the port is not ours to control", async () => {
  const home = await makeHome();
  const other = await makeHome({ DORA_DAEMON_PORT: "" });
  other.env.DORA_DAEMON_PORT = String(home.port);
  try {
    assert.equal((await dora(["up"], { env: home.env })).code, 0);
    const list = await dora(["list"], { env: other.env });
    assert.equal(list.code, 1);
    assert.match(list.stderr, /refused this user's token/);
    const destroy = await dora(["destroy"], { env: other.env });
    assert.equal(destroy.code, 1);
    const pid = await daemonPid(home);
    assert.ok(pid && pidAlive(pid), "the first daemon must survive");
    const up = await dora(["up"], { env: other.env });
    assert.equal(up.code, 1);
    assert.match(up.stderr, /already in use/);
  } finally {
    await teardown(home);
    await other.cleanup();
  }
});

Deno.test("a corrupt registry is moved aside with a warning; the daemon starts clean", async () => {
  const home = await makeHome();
  try {
    await Deno.mkdir(home.doraHome, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(`${home.doraHome}/state.json`, '{"schema_version": 1, "dataf');
    const up = await dora(["up"], { env: home.env });
    assert.equal(up.code, 0, up.stderr);
    const names = [...Deno.readDirSync(home.doraHome)].map((e) => e.name);
    const aside = names.find((n) => n.startsWith("state.json.corrupt-"));
    assert.ok(aside, `moved-aside copy expected in ${names}`);
    assert.equal(
      await Deno.readTextFile(`${home.doraHome}/${aside}`),
      '{"schema_version": 1, "dataf',
    );
    const log = await Deno.readTextFile(`${home.doraHome}/daemon.log`);
    assert.match(log, /WARN registry .* was unreadable/);
    const list = await dora(["list", "--all", "--json"], { env: home.env });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), []);
  } finally {
    await teardown(home);
  }
});

Deno.test("one daemon per DORA_HOME: a second on another port is refused", async () => {
  const home = await makeHome();
  try {
    assert.equal((await dora(["up"], { env: home.env })).code, 0);
    const other = String(home.port === 65535 ? home.port - 1 : home.port + 1);
    const second = await dora(["up", "--port", other], { env: home.env });
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(`^Error: A dora daemon for .* already runs on port ${home.port} \\(pid \\d+\\)`),
    );
    const foreground = await dora(["daemon", "--port", other], { env: home.env });
    assert.equal(foreground.code, 1);
    assert.match(foreground.stderr, /already runs on port/);
  } finally {
    await teardown(home);
  }
});

Deno.test("finished dataflows beyond DORA_HISTORY leave the registry with their logs", async () => {
  const home = await makeHome({ DORA_HISTORY: "1" });
  try {
    const uuids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await dora(["start", `${FIXTURES}/daemon/short.yml`], { env: home.env });
      assert.equal(res.code, 0, res.stderr);
      uuids.push(res.stdout.match(/[0-9a-f-]{36}/)![0]);
      await pollUntil("finished", async () => {
        const list = JSON.parse(
          (await dora(["list", "--all", "--json"], { env: home.env })).stdout,
        );
        return list.find((d: { uuid: string; status: string }) => d.uuid === uuids[i])
          ?.status === "Failed";
      });
    }
    const list = JSON.parse((await dora(["list", "--all", "--json"], { env: home.env })).stdout);
    assert.deepEqual(list.map((d: { uuid: string }) => d.uuid), [uuids[2]]);
    await pollUntil("old logs removed", async () => {
      const dirs = [];
      for await (const e of Deno.readDir(`${home.doraHome}/logs`)) dirs.push(e.name);
      return dirs.includes(uuids[2]!) && !dirs.includes(uuids[0]!) && !dirs.includes(uuids[1]!);
    });
  } finally {
    await teardown(home);
  }
});
