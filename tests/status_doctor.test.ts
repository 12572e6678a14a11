// deno-lint-ignore-file no-regex-spaces
/**
 * `dora status` and `dora doctor` end to end: the daemon or its absence, the data plane's
 * health of a running dataflow, and doctor's checks with their fixes (a python3 that is too old
 * or lacks pyarrow a node imports, an unusable shared-memory folder, an invalid dataflow).
 */
import assert from "node:assert/strict";
import { dora, FIXTURES, makeHome, ROOT } from "./helpers.ts";
import { teardown } from "./daemon_helpers.ts";
import { ROBOT } from "./dashboard_helpers.ts";
import { daemonWith } from "./inspect_helpers.ts";

Deno.test("status: the daemon, its dataflows and their data planes; none is exit 1", async () => {
  const empty = await makeHome();
  try {
    const none = await dora(["status"], { env: empty.env });
    assert.equal(none.code, 1);
    assert.match(
      none.stdout,
      /^dora 0\.1\.0\n✗ Daemon: Failed to connect to daemon \(start it with 'dora up'/,
    );
    const doc = JSON.parse((await dora(["status", "--json"], { env: empty.env })).stdout);
    assert.equal(doc.daemon, null);
    assert.deepEqual(doc.running, []);
  } finally {
    await empty.cleanup();
  }
  const { home, uuid } = await daemonWith(ROBOT, "robot", ["FRAMES=100000"]);
  try {
    const res = await dora(["status"], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(
        `✓ Daemon: running on port ${home.port} \\(pid \\d+, version 0\\.1\\.0, up \\d\\d:\\d\\d:\\d\\d\\)\\n`,
      ),
    );
    assert.match(res.stdout, /\nDataflows: 1 running, 0 finished\n/);
    assert.match(
      res.stdout,
      new RegExp(
        `\\n  ✓ robot  ${uuid}  Running  3/3 nodes  data plane: flowing, 3/3 connected, 0 dropped, 0 taps\\n`,
      ),
    );
    const doc = JSON.parse((await dora(["status", "--json"], { env: home.env })).stdout);
    assert.equal(doc.daemon.port, home.port);
    assert.equal(doc.running[0].plane.connected, 3);
    assert.equal(doc.running[0].via, "daemon");
  } finally {
    await teardown(home);
  }
});

Deno.test("doctor: each check ✓ or ✗ with a fix; exit 1 on a problem", async () => {
  const home = await makeHome();
  const env = home.env;
  const fake = `${FIXTURES}/doctor/bin`;
  try {
    const good = await dora(["doctor", ROBOT], { env });
    assert.match(good.stdout, /^✓ dora 0\.1\.0 on linux\/\w+ \(Deno [\d.]+\)\n/);
    assert.match(good.stdout, /\n[✓✗] python3 /);
    assert.match(good.stdout, /\n✓ Deno [\d.]+ for TypeScript nodes/);
    assert.match(good.stdout, /\n✓ .* is writable for shared-memory payloads/);
    assert.match(good.stdout, /\n[✓!] resource limits/);
    assert.match(
      good.stdout,
      new RegExp(
        `\\n! no daemon on port ${home.port} \\(needed by 'dora start'; 'dora run' needs none\\)\\n    fix: dora up\\n`,
      ),
    );
    assert.match(good.stdout, /\n✓ .*examples\/robot\/dataflow\.yml: valid, 3 nodes\n/);

    // python3 lacking pyarrow that a node imports; a shared-memory folder that is not there.
    const bad = await dora(["doctor", "dataflow.yml"], {
      env: { ...env, PATH: `${fake}:${Deno.env.get("PATH")}`, DORA_SHM_DIR: `${home.dir}/nope` },
      cwd: `${FIXTURES}/doctor/flow`,
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, new RegExp(`\\n✓ python3 3\\.9\\.1 \\(${fake}/python3\\)\\n`));
    assert.match(
      bad.stdout,
      /\n✗ pyarrow not installed for .*python3 \(optional: Arrow values; imported by arrow-cam\)\n    fix: pip install pyarrow/,
    );
    assert.match(bad.stdout, /\n! numpy not installed/);
    assert.match(
      bad.stdout,
      /\n✗ .*\/nope cannot hold shared-memory payloads: .*\n    Payloads of 64 KiB .*\n    fix: point DORA_SHM_DIR at a writable tmpfs folder\n/,
    );
    assert.match(bad.stdout, /\nSome checks failed \(✗\): see the fixes above\.\n$/);

    const old = await dora(["doctor"], {
      env: { ...env, PATH: `${fake}:${Deno.env.get("PATH")}`, FAKE_PY_VERSION: "3.6.9" },
      cwd: home.dir,
    });
    assert.equal(old.code, 1);
    assert.match(
      old.stdout,
      /\n✗ .*python3 is Python 3\.6\.9 \(dora's Python nodes need 3\.8 or newer\)\n    fix: /,
    );
    assert.match(old.stdout, /\(no dataflow checked: give a FILE/);

    const invalid = await dora(["doctor", `${FIXTURES}/descriptor/bad/unknown-key.yml`, "--json"], {
      env,
    });
    assert.equal(invalid.code, 1);
    const doc = JSON.parse(invalid.stdout);
    assert.equal(doc.ok, false);
    const flow = doc.checks.at(-1);
    assert.equal(flow.status, "fail");
    assert.match(flow.title, /unknown-key\.yml: \d+ problems?$/);
    assert.match(flow.details[0], /unknown-key\.yml:\d+:\d+: /);
    const missing = await dora(["doctor", `${ROOT}/nope.yml`], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /✗ .*nope\.yml/);
  } finally {
    await home.cleanup();
  }
});
