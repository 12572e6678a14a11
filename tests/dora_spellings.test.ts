/** dora's own spellings: `down` (destroy), `validate` (check), `ps` (list), `start --detach`. */
import assert from "node:assert/strict";
import { FIXTURES, makeHome } from "./helpers.ts";
import { grepUuids, teardown } from "./daemon_helpers.ts";
import { sh } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("validate is check, start --detach is start, ps is list, down is destroy", async () => {
  const home = await makeHome();
  try {
    const check = await sh(home, `dora check ${D}/long.yml`);
    const validate = await sh(home, `dora validate ${D}/long.yml`);
    assert.equal(validate.code, 0, validate.stderr);
    assert.equal(validate.stdout, check.stdout);
    const bad = await sh(home, `dora validate ${D}/nope.yml`);
    assert.equal(bad.code, 1);

    const both = await sh(home, `dora start ${D}/long.yml --attach --detach`);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^Error: Give --attach or --detach, not both/);
    const detached = await sh(home, `dora start ${D}/long.yml --detach --name away`);
    assert.equal(detached.code, 0, detached.stderr);
    const uuid = grepUuids(detached.stdout)[0]!;
    assert.equal(detached.stdout, `Dataflow started: ${uuid}\n`);

    const ps = await sh(home, "dora ps");
    assert.match(ps.stdout, new RegExp(`^${uuid}\\s+[0-9a-f]+\\s+away\\s+Running`, "m"));

    const down = await sh(home, "dora down");
    assert.equal(down.code, 0, down.stderr);
    assert.equal(
      down.stdout,
      "Stopping all dataflows...\n  ✓ away stopped\nShutting down daemon...\n  ✓ Daemon stopped\n",
    );
  } finally {
    await teardown(home);
  }
});
