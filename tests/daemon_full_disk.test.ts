/**
 * A full disk under the logs: DORA_HOME on a tiny tmpfs, a node that floods stdout. The node
 * must not stall, the daemon must keep answering, and the loss must be reported. Needs root
 * (mount); elsewhere the test is skipped with its reason.
 */
import assert from "node:assert/strict";
import { dora, FIXTURES, makeHome, pollUntil } from "./helpers.ts";
import { grepUuids, listJson, teardown } from "./daemon_helpers.ts";

const canMount = Deno.uid() === 0 &&
  (await new Deno.Command("sh", { args: ["-c", "command -v mount"] }).output()).success;

Deno.test({
  name: "a full disk for logs: the node runs on, the daemon answers, the loss is reported",
  ignore: !canMount,
  fn: async () => {
    const home = await makeHome();
    await Deno.mkdir(home.doraHome, { recursive: true, mode: 0o700 });
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=384k,mode=700", "tmpfs", home.doraHome],
    }).output();
    assert.ok(mount.success, new TextDecoder().decode(mount.stderr));
    try {
      const start = await dora(["start", `${FIXTURES}/daemon/flood.yml`], { env: home.env });
      assert.equal(start.code, 0, start.stderr);
      const uuid = grepUuids(start.stdout)[0]!;
      const info = await pollUntil("flood finished", async () => {
        const d = (await listJson(home)).find((x) => x.uuid === uuid);
        return d && d.status !== "Running" ? d : undefined;
      }, 60_000);
      assert.equal(info.status, "Succeeded", "the node was not stalled or killed by the full disk");
      const log = await Deno.readTextFile(`${home.doraHome}/daemon.log`).catch(() => "");
      const df = await new Deno.Command("df", { args: [home.doraHome] }).output();
      assert.match(new TextDecoder().decode(df.stdout), /100%|\s0\s/);
      assert.match(log, /no space|ENOSPC|dropped|could not write/i);
      // The daemon still works: another dataflow starts and stops.
      const second = await dora(["start", `${FIXTURES}/daemon/long.yml`], { env: home.env });
      assert.equal(second.code, 0, second.stderr);
      const stop = await dora(["stop", grepUuids(second.stdout)[0]!], { env: home.env });
      assert.equal(stop.code, 0, stop.stderr);
    } finally {
      await teardown(home).catch(() => {});
      await new Deno.Command("umount", { args: ["-l", home.doraHome] }).output();
      await home.cleanup();
    }
  },
});
