/**
 * Settings come from the caller: DORA_STOP_TIMEOUT / DORA_FORCE_STOP / DORA_CONFIRM_STOP in the
 * shell that runs `stop`, DORA_RESTART_POLICY / DORA_HOT_RELOAD in the shell that runs `start`;
 * the daemon's own environment is the fallback; a malformed value is a usage error; RUST_LOG and
 * DORA_LOG_LEVEL set the daemon log's verbosity. Every variable is set in the command's shell
 * line only, as a person would.
 */
import assert from "node:assert/strict";
import { FIXTURES, makeHome, pollUntil } from "./helpers.ts";
import { grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import { sh } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("DORA_STOP_TIMEOUT of the stop's shell wins over the daemon's; unset, the daemon's applies", async () => {
  const home = await makeHome({ DORA_STOP_TIMEOUT: "1" });
  try {
    // The daemon is started with a 1 s grace period.
    assert.equal((await sh(home, "dora up")).code, 0);
    const uuids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const start = await sh(home, `dora start ${D}/stubborn.yml`);
      assert.equal(start.code, 0, start.stderr);
      uuids.push(grepUuids(start.stdout)[0]!);
    }
    await pollUntil(
      "stubborn nodes up",
      async () => (await listJson(home)).every((d) => d.nodes.every((n) => n.pid !== null)),
    );

    const mine = await sh(home, `DORA_STOP_TIMEOUT=4 dora stop ${uuids[0]}`);
    assert.equal(mine.code, 0, mine.stderr);
    assert.match(mine.stdout, /Waiting\.\.\. \(4s timeout\)/);
    assert.ok(mine.ms >= 3500, `the caller's 4 s grace was honoured (took ${mine.ms} ms)`);

    const theirs = await sh(home, `unset DORA_STOP_TIMEOUT; dora stop ${uuids[1]}`);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.match(theirs.stdout, /Waiting\.\.\. \(1s timeout\)/);
    assert.ok(theirs.ms < 3500, `the daemon's 1 s grace applied (took ${theirs.ms} ms)`);
  } finally {
    await teardown(home);
  }
});

Deno.test("malformed settings are usage errors that change nothing", async () => {
  const home = await makeHome();
  try {
    const up = await sh(home, "DORA_HOT_RELOAD=bogus dora up");
    assert.equal(up.code, 2, up.stderr);
    assert.match(up.stderr, /^Error: Invalid DORA_HOT_RELOAD 'bogus': expected true or false/);
    const loud = await sh(home, "RUST_LOG=loud dora up");
    assert.equal(loud.code, 2, loud.stderr);
    assert.match(loud.stderr, /Invalid RUST_LOG 'loud'/);
    const port = await sh(home, "DORA_DAEMON_PORT=http dora up");
    assert.equal(port.code, 2, port.stderr);
    assert.match(port.stderr, /Invalid DORA_DAEMON_PORT 'http'/);
    assert.equal((await sh(home, "dora list")).code, 1, "no daemon was started by any of them");

    const start = await sh(home, `dora start ${D}/long.yml --name keep`);
    assert.equal(start.code, 0, start.stderr);
    const cases: [string, RegExp][] = [
      ["DORA_HOT_RELOAD=bogus dora start " + `${D}/long.yml`, /Invalid DORA_HOT_RELOAD 'bogus'/],
      ["DORA_STOP_TIMEOUT=abc dora stop keep", /Invalid DORA_STOP_TIMEOUT 'abc'/],
      ["DORA_FORCE_STOP=maybe dora stop keep", /Invalid DORA_FORCE_STOP 'maybe'/],
      ["DORA_CONFIRM_STOP=perhaps dora stop keep", /Invalid DORA_CONFIRM_STOP 'perhaps'/],
      ["DORA_STOP_TIMEOUT=soon dora destroy", /Invalid DORA_STOP_TIMEOUT 'soon'/],
      ["DORA_FORCE_STOP=2 dora stop --all", /Invalid DORA_FORCE_STOP '2'/],
    ];
    for (const [line, message] of cases) {
      const res = await sh(home, line);
      assert.equal(res.code, 2, `${line}: ${res.stderr}`);
      assert.match(res.stderr, message, line);
    }
    const all = await listJson(home);
    assert.equal(all.length, 1, "the bad start started nothing");
    assert.equal(all[0]!.status, "Running", "the bad stops stopped nothing");
  } finally {
    await teardown(home);
  }
});

Deno.test("DORA_HOT_RELOAD and DORA_RESTART_POLICY: the start's shell first, then the daemon's", async () => {
  const home = await makeHome({
    DORA_RESTART_DELAY_MS: "50",
    DORA_RESTART_MAX_DELAY_MS: "50",
    DORA_RESTART_MAX_FAILURES: "2",
  });
  try {
    const up = await sh(home, "DORA_HOT_RELOAD=true DORA_RESTART_POLICY=on-failure dora up");
    assert.equal(up.code, 0, up.stderr);

    const inherits = await sh(home, `dora start ${D}/short.yml --name inherits`);
    assert.equal(inherits.code, 0, inherits.stderr);
    assert.match(inherits.stdout, /^Dataflow started: \S+ \(hot-reload enabled\)$/m);
    const own = await sh(
      home,
      `DORA_HOT_RELOAD=false DORA_RESTART_POLICY=never dora start ${D}/short.yml --name own`,
    );
    assert.equal(own.code, 0, own.stderr);
    assert.doesNotMatch(own.stdout, /hot-reload/);

    const [a, b] = await pollUntil("both ended", async () => {
      const all = await listJson(home);
      const x = all.find((d) => d.name === "inherits");
      const y = all.find((d) => d.name === "own");
      return x?.status === "Failed" && y && y.status !== "Running" ? [x, y] : undefined;
    });
    assert.equal(a.hot_reload, true);
    assert.equal(b.hot_reload, false);
    assert.ok(a.nodes.find((n) => n.id === "bad")!.restarts >= 1, "daemon's on-failure applied");
    assert.equal(b.nodes.find((n) => n.id === "bad")!.restarts, 0, "the caller's never won");
  } finally {
    await teardown(home);
  }
});

Deno.test("RUST_LOG and DORA_LOG_LEVEL set the daemon log's verbosity", async () => {
  for (
    const [setting, info, debug] of [
      ["RUST_LOG=warn", false, false],
      ["RUST_LOG=hyper=info,dora=debug", true, true],
      ["RUST_LOG=error DORA_LOG_LEVEL=debug", true, true],
      ["", true, false],
    ] as const
  ) {
    const home = await makeHome();
    try {
      const up = await sh(home, `${setting} dora up`);
      assert.equal(up.code, 0, up.stderr);
      assert.equal((await sh(home, `dora start ${D}/long.yml`)).code, 0);
      const log = await Deno.readTextFile(`${home.doraHome}/daemon.log`);
      assert.equal(/ INFO started dataflow /.test(log), info, `${setting}: INFO lines\n${log}`);
      assert.equal(/ DEBUG request POST \/v1\/dataflows/.test(log), debug, `${setting}: DEBUG`);
    } finally {
      await teardown(home);
    }
  }
});
