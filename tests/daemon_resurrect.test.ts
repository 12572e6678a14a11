/**
 * Back after a reboot: `dora save` records the running dataflows, `dora resurrect` and
 * `dora daemon --resurrect` start those that do not run (by name), an empty save never replaces
 * a non-empty one without --force; a simulated power loss (kill -9 of the daemon and of every
 * node) comes back under the same names; `dora startup` / `unstartup` manage the systemd unit.
 */
import assert from "node:assert/strict";
import {
  FIXTURES,
  killPid,
  makeHome,
  pidAlive,
  pollUntil,
  spawnDora,
  type TestHome,
} from "./helpers.ts";
import { daemonPid, listJson, registryPids, teardown } from "./daemon_helpers.ts";
import { sh } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

async function nodesUp(home: TestHome, names: string[]): Promise<void> {
  await pollUntil(`${names.join(", ")} running`, async () => {
    const all = await listJson(home);
    return names.every((name) =>
      all.some((d) => d.name === name && d.status === "Running" && d.nodes.every((n) => n.pid))
    );
  });
}

function environOf(pid: number): string[] {
  return Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0");
}

Deno.test("save, then resurrect: the saved dataflows that do not run start again by name", async () => {
  const home = await makeHome();
  try {
    assert.equal(
      (await sh(home, `dora start ${D}/long.yml --name robot --env MODEL=yolo`)).code,
      0,
    );
    assert.equal((await sh(home, `dora start ${D}/quiet.yml --name vision`)).code, 0);
    await nodesUp(home, ["robot", "vision"]);
    const save = await sh(home, "dora save");
    assert.equal(save.code, 0, save.stderr);
    assert.match(
      save.stdout,
      /^Saved 2 dataflows to .*\/dump\.json\n {2}✓ robot \(.*long\.yml\)\n {2}✓ vision /,
    );
    const dump = `${home.doraHome}/dump.json`;
    assert.equal((await Deno.stat(dump)).mode! & 0o777, 0o600);
    assert.doesNotMatch(save.stdout, /yolo/, "no environment value is printed");

    assert.equal((await sh(home, "dora stop robot")).code, 0);
    const res = await sh(home, "dora resurrect");
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Resurrecting 2 saved dataflows \(saved .*\)\.\.\.\n/);
    assert.match(res.stdout, / {2}✓ robot started: [0-9a-f-]{36}\n/);
    assert.match(res.stdout, / {2}= vision already running: [0-9a-f-]{36}\n/);
    const all = await listJson(home);
    const robots = all.filter((d) => d.name === "robot");
    assert.deepEqual(robots.map((d) => d.status).sort(), ["Running", "Stopped"]);
    assert.equal(all.filter((d) => d.name === "vision").length, 1, "no duplicate");
    // Its --env came back with it.
    const again = robots.find((d) => d.status === "Running")!;
    const pid = await pollUntil(
      "robot's camera",
      async () => (await listJson(home)).find((d) => d.uuid === again.uuid)?.nodes[0]?.pid,
    );
    assert.ok(environOf(pid).includes("MODEL=yolo"));
  } finally {
    await teardown(home);
  }
});

Deno.test("an empty save never replaces a saved list without --force; resurrect of nothing", async () => {
  const home = await makeHome();
  try {
    assert.equal((await sh(home, "dora up")).code, 0);
    const nothing = await sh(home, "dora resurrect");
    assert.equal(nothing.code, 1);
    assert.match(
      nothing.stderr,
      /^Error: Nothing to resurrect: .*dump\.json does not exist\nSave the running dataflows first: dora save/,
    );
    assert.equal((await sh(home, `dora start ${D}/quiet.yml --name keep`)).code, 0);
    assert.equal((await sh(home, "dora save")).code, 0);
    const before = await Deno.readTextFile(`${home.doraHome}/dump.json`);
    assert.equal((await sh(home, "dora stop --all")).code, 0);

    const empty = await sh(home, "dora save");
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /^Error: No dataflow is running: not replacing the 1 saved in /);
    assert.match(empty.stderr, /dora save --force/);
    assert.equal(await Deno.readTextFile(`${home.doraHome}/dump.json`), before, "unchanged");

    const forced = await sh(home, "dora save --force");
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^Saved 0 dataflows to /);
    const none = await sh(home, "dora resurrect");
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^Nothing to resurrect: the list saved in .* is empty/);
    const files = [...Deno.readDirSync(home.doraHome)].map((e) => e.name);
    assert.ok(!files.some((f) => f.includes(".tmp")), `no temp file left: ${files}`);
  } finally {
    await teardown(home);
  }
});

Deno.test("power loss: kill -9 of the daemon and every node, then 'dora daemon --resurrect'", async () => {
  const home = await makeHome();
  let daemon: ReturnType<typeof spawnDora> | undefined;
  try {
    assert.equal((await sh(home, `dora start ${D}/long.yml --name robot`)).code, 0);
    assert.equal((await sh(home, `dora start ${D}/quiet.yml --name vision`)).code, 0);
    await nodesUp(home, ["robot", "vision"]);
    const before = await listJson(home);
    assert.equal((await sh(home, "dora save")).code, 0);

    // The power goes: nothing gets to say goodbye.
    const oldDaemon = (await daemonPid(home))!;
    const oldNodes = await registryPids(home);
    assert.equal(oldNodes.length, 4);
    killPid(oldDaemon, "SIGKILL");
    for (const pid of oldNodes) killPid(pid, "SIGKILL", true);
    await pollUntil("everything dead", () => [oldDaemon, ...oldNodes].every((p) => !pidAlive(p)));

    daemon = spawnDora(["daemon", "--resurrect"], { env: home.env });
    await nodesUp(home, ["robot", "vision"]);
    const after = await listJson(home);
    for (const name of ["robot", "vision"]) {
      const old = before.find((d) => d.name === name)!;
      const now = after.find((d) => d.name === name && d.status === "Running")!;
      assert.notEqual(now.uuid, old.uuid, `${name} is a new run`);
      assert.equal(now.file, old.file);
      for (const node of now.nodes) assert.ok(!oldNodes.includes(node.pid!), "new processes");
      const lost = after.find((d) => d.uuid === old.uuid)!;
      assert.notEqual(lost.status, "Running", `the lost run of ${name} is over`);
    }
    assert.equal(after.filter((d) => d.status === "Running").length, 2, "no duplicates");
    await pollUntil("daemon log", () => /resurrect robot: started/.test(daemon!.stderr()));
    daemon.child.kill("SIGTERM");
    assert.equal((await daemon.finished).code, 0);
  } finally {
    try {
      daemon?.child.kill("SIGKILL");
    } catch { /* gone */ }
    await daemon?.finished;
    await teardown(home);
  }
});

Deno.test("startup --user writes a unit for 'dora daemon --resurrect'; --print; unstartup removes it", async () => {
  const home = await makeHome({ XDG_CONFIG_HOME: "" });
  home.env.XDG_CONFIG_HOME = `${home.dir}/config`;
  try {
    const res = await sh(home, "dora startup --user");
    assert.equal(res.code, 0, res.stderr);
    const unit = `${home.dir}/config/systemd/user/dora.service`;
    assert.match(res.stdout, new RegExp(`^Wrote ${unit}\n`));
    assert.match(
      res.stdout,
      / {2}systemctl --user daemon-reload\n {2}systemctl --user enable --now dora\n/,
    );
    assert.match(res.stdout, /loginctl enable-linger/);
    const text = await Deno.readTextFile(unit);
    assert.match(text, /^ExecStart=\S+ .*daemon --resurrect --port \d+$/m);
    assert.match(text, /^KillMode=mixed$/m);
    assert.match(text, /^WantedBy=default\.target$/m);
    assert.match(text, new RegExp(`^Environment=DORA_HOME=${home.doraHome}$`, "m"));
    assert.doesNotMatch(text, /^User=/m, "a user unit runs as its user");
    const verify = await new Deno.Command("sh", { args: ["-c", "command -v systemd-analyze"] })
      .output();
    if (verify.success) {
      const check = await new Deno.Command("systemd-analyze", {
        args: ["verify", unit],
        stderr: "piped",
      }).output();
      assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
    }

    const printed = await sh(home, "dora startup --print");
    assert.equal(printed.code, 0);
    assert.match(printed.stdout, /^\[Unit\]\n/);
    assert.match(printed.stdout, /^User=\S+$/m);
    assert.match(printed.stdout, /^WantedBy=multi-user\.target$/m);

    // What `systemctl --user enable` would have made.
    await Deno.mkdir(`${home.dir}/config/systemd/user/default.target.wants`);
    await Deno.symlink(unit, `${home.dir}/config/systemd/user/default.target.wants/dora.service`);
    const removed = await sh(home, "dora unstartup --user");
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`^Removed ${unit}\n`));
    const left = [...Deno.readDirSync(`${home.dir}/config/systemd/user/default.target.wants`)];
    assert.deepEqual(left, [], "the enablement link went too");
    const again = await sh(home, "dora unstartup --user");
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^Nothing to remove/);
  } finally {
    await teardown(home);
  }
});
