/**
 * Finding the daemon: DORA_COORDINATOR_ADDR (host:port, host, http://host:port) for every
 * command, `start` included; with no flag or variable, the daemon this ~/.dora runs; a
 * malformed address is a usage error; a port held by another program is reported at once.
 */
import assert from "node:assert/strict";
import { FIXTURES, freePort, makeHome, type TestHome } from "./helpers.ts";
import { daemonPid, grepUuids, teardown } from "./daemon_helpers.ts";
import { sh } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

async function recordedPort(home: TestHome): Promise<number | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${home.doraHome}/daemon.json`)).port;
  } catch {
    return undefined;
  }
}

Deno.test("DORA_COORDINATOR_ADDR in every form, for start, list, logs, stop and destroy", async () => {
  const home = await makeHome();
  // DORA_DAEMON_PORT names another free port: the address must win over it.
  const port = freePort();
  try {
    const start = await sh(
      home,
      `DORA_COORDINATOR_ADDR=localhost:${port} dora start ${D}/long.yml`,
    );
    assert.equal(start.code, 0, start.stderr);
    assert.equal(await recordedPort(home), port, "start brought the daemon up at the address");
    const uuid = grepUuids(start.stdout)[0]!;
    for (
      const addr of [`http://localhost:${port}`, `127.0.0.1:${port}`, `http://127.0.0.1:${port}/`]
    ) {
      const list = await sh(home, `DORA_COORDINATOR_ADDR=${addr} dora list -q`);
      assert.equal(list.code, 0, `${addr}: ${list.stderr}`);
      assert.equal(list.stdout, `${uuid}\n`, addr);
    }
    const hostOnly = await sh(
      home,
      `DORA_COORDINATOR_ADDR=localhost DORA_DAEMON_PORT=${port} dora logs ${uuid} --tail 1`,
    );
    assert.equal(hostOnly.code, 0, hostOnly.stderr);
    const stop = await sh(home, `DORA_COORDINATOR_ADDR=http://localhost:${port} dora stop ${uuid}`);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /Dataflow stopped successfully/);
    for (const bad of ["localhost:http", "https://localhost:1", "local host", ":"]) {
      for (const command of ["list", `logs ${uuid}`, `start ${D}/long.yml`]) {
        const res = await sh(home, `DORA_COORDINATOR_ADDR='${bad}' dora ${command}`);
        assert.equal(res.code, 2, `${bad} ${command}: ${res.stderr}`);
        assert.match(res.stderr, /^Error: Invalid DORA_COORDINATOR_ADDR/, bad);
      }
    }
    const destroy = await sh(home, `DORA_COORDINATOR_ADDR=localhost:${port} dora destroy`);
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.match(destroy.stdout, /✓ Daemon stopped/);
  } finally {
    await teardown(home);
  }
});

Deno.test("after 'dora up --port N', plain list, stop and destroy find that daemon", async () => {
  const home = await makeHome();
  const port = home.port;
  delete home.env.DORA_DAEMON_PORT;
  try {
    const up = await sh(home, `dora up --port ${port}`);
    assert.equal(up.code, 0, up.stderr);
    const start = await sh(home, `dora start ${D}/long.yml --port ${port} --name found`);
    assert.equal(start.code, 0, start.stderr);
    const list = await sh(home, "dora list");
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /found\s+Running/);
    const stop = await sh(home, "dora stop found");
    assert.equal(stop.code, 0, stop.stderr);
    const destroy = await sh(home, "dora destroy");
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.match(destroy.stdout, /✓ Daemon stopped/);
  } finally {
    home.env.DORA_DAEMON_PORT = String(port);
    await teardown(home);
  }
});

Deno.test("a port held by another program: the error comes at once, from up and start", async () => {
  const home = await makeHome();
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: home.port });
  try {
    const baseline = await sh(home, "dora --version");
    for (const line of ["dora up", `dora start ${D}/long.yml`]) {
      const res = await sh(home, line);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, new RegExp(`^Error: Port ${home.port} already in use`));
      assert.ok(
        res.ms - baseline.ms < 2000,
        `${line}: ${res.ms} ms against ${baseline.ms} ms for --version`,
      );
    }
    assert.equal(await daemonPid(home), undefined);
  } finally {
    squatter.close();
    await teardown(home);
  }
});
