/**
 * A reader that closes the pipe (`| head`, `| grep -m1`) ends the command at once and quietly:
 * exit 0, nothing on stderr, `--follow` included, even while nothing is being written.
 */
import assert from "node:assert/strict";
import { FIXTURES, makeHome } from "./helpers.ts";
import { grepUuids, teardown } from "./daemon_helpers.ts";
import { sh } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("logs --follow | grep -m1, | head -n 0 on a quiet dataflow, list | head -1", async () => {
  const home = await makeHome();
  try {
    const ticking = grepUuids((await sh(home, `dora start ${D}/long.yml`)).stdout)[0]!;
    const quiet = grepUuids((await sh(home, `dora start ${D}/quiet.yml`)).stdout)[0]!;

    const grep = await sh(
      home,
      `set -o pipefail 2>/dev/null; dora logs ${ticking} --follow 2>"$HOME/err" | grep -m1 'camera 3'; ` +
        `echo "status $?"; cat "$HOME/err"`,
      { bash: true, timeoutMs: 20_000 },
    );
    assert.match(grep.stdout, /^camera +\| camera 3\nstatus 0\n$/, grep.stdout + grep.stderr);
    assert.ok(grep.ms < 15_000, `grep -m1 ended the follow in ${grep.ms} ms`);

    // Nothing is ever written here: the closed pipe alone must end the follow.
    const head = await sh(
      home,
      `dora logs ${quiet} --follow --tail 0 2>"$HOME/err2" | head -n 0; echo "status $?"; cat "$HOME/err2"`,
      { timeoutMs: 20_000 },
    );
    assert.equal(head.stdout, "status 0\n", head.stderr);
    assert.ok(head.ms < 15_000, `head -n 0 ended the follow in ${head.ms} ms`);

    const list = await sh(home, `dora list 2>"$HOME/err3" | head -1; cat "$HOME/err3"`);
    assert.match(list.stdout, /^UUID\s+ID\s+NAME/);
    assert.equal(list.stdout.split("\n").filter(Boolean).length, 1, list.stdout);

    const attach = await sh(
      home,
      `dora start ${D}/long.yml --attach 2>/dev/null | grep -m1 'detector 2'; echo "status $?"`,
      { timeoutMs: 20_000 },
    );
    assert.match(attach.stdout, /detector \| detector 2\nstatus 0\n$/);
    assert.ok(attach.ms < 20_000);
  } finally {
    await teardown(home);
  }
});
