/**
 * `dora list` shows what runs (`--all` adds what ended; `ps` is dora's spelling), the seed's
 * recipes read the right values from the detail view, and each dataflow has a short id that
 * works wherever its UUID does.
 */
import assert from "node:assert/strict";
import { FIXTURES, makeHome, pollUntil } from "./helpers.ts";
import { grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import { sh } from "./shell_helpers.ts";

const D = `${FIXTURES}/daemon`;

Deno.test("list shows running dataflows; --all adds finished ones; ps is list; logs still read", async () => {
  const home = await makeHome();
  try {
    const gone = grepUuids((await sh(home, `dora start ${D}/long.yml --name gone`)).stdout)[0]!;
    const stays = grepUuids((await sh(home, `dora start ${D}/long.yml --name stays`)).stdout)[0]!;
    assert.equal((await sh(home, "dora stop gone")).code, 0);

    const list = await sh(home, "dora list");
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.includes(stays), list.stdout);
    assert.ok(!list.stdout.includes(gone), `"dora list  # Verify it's gone":\n${list.stdout}`);
    assert.equal((await sh(home, "dora ps")).stdout, list.stdout);
    const json = JSON.parse((await sh(home, "dora list --json")).stdout);
    assert.deepEqual(json.map((d: { uuid: string }) => d.uuid), [stays]);

    const all = await sh(home, "dora list --all");
    assert.match(all.stdout, new RegExp(`${gone}\\s+[0-9a-f]+\\s+gone\\s+Stopped`));
    assert.match(all.stdout, new RegExp(`${stays}\\s+[0-9a-f]+\\s+stays\\s+Running`));
    const logs = await sh(home, `dora logs ${gone}`);
    assert.match(logs.stdout, /camera got SIGTERM, bye/);

    assert.equal((await sh(home, "dora stop stays")).code, 0);
    const none = await sh(home, "dora list");
    assert.equal(none.stdout, "No running dataflows (2 finished: dora list --all)\n");
  } finally {
    await teardown(home);
  }
});

Deno.test("the seed's recipes: grep Uptime / grep CPU | awk '{print $2}' give the values", async () => {
  const home = await makeHome();
  try {
    const busy = grepUuids((await sh(home, `dora start ${D}/spin.yml`)).stdout)[0]!;
    const calm = grepUuids((await sh(home, `dora start ${D}/long.yml`)).stdout)[0]!;
    await pollUntil(
      "both running for a second",
      async () =>
        (await listJson(home)).every((d) =>
          d.nodes.every((n) => n.started_at && Date.now() - Date.parse(n.started_at) > 1500)
        ),
    );
    const recipe = (uuid: string) =>
      sh(
        home,
        [
          `UPTIME=$(dora list ${uuid} | grep Uptime | awk '{print $2}')`,
          `echo "uptime=$UPTIME"`,
          `if [[ $UPTIME > "00:00:00" ]]; then echo "running a while"; fi`,
          `CPU=$(dora list ${uuid} | grep CPU | awk '{print $2}')`,
          `echo "cpu=$CPU"`,
          `if (( $(echo "$CPU > 20" | bc -l) )); then echo "High CPU detected, stopping..."; fi`,
        ].join("\n"),
        { bash: true },
      );
    const hot = await recipe(busy);
    assert.equal(hot.stderr, "", "bc and [[ ]] understood every value");
    assert.match(hot.stdout, /^uptime=\d\d:\d\d:\d\d\nrunning a while\ncpu=\d+\.\d\n/);
    assert.match(hot.stdout, /High CPU detected/);
    const cool = await recipe(calm);
    assert.equal(cool.stderr, "");
    assert.match(cool.stdout, /^uptime=\d\d:\d\d:\d\d\nrunning a while\ncpu=\d+\.\d\n$/);

    // A finished dataflow: still one value each (0 CPU), never a word bc cannot read.
    assert.equal((await sh(home, `dora stop ${busy}`)).code, 0);
    const ended = await recipe(busy);
    assert.equal(ended.stderr, "");
    assert.match(ended.stdout, /\ncpu=0\.0\n$/);
  } finally {
    await teardown(home);
  }
});

Deno.test("short ids: unique per dataflow where UUID prefixes collide, accepted wherever a UUID is", async () => {
  const home = await makeHome();
  try {
    const uuids: string[] = [];
    for (const name of ["one", "two", "three"]) {
      uuids.push(grepUuids((await sh(home, `dora start ${D}/long.yml --name ${name}`)).stdout)[0]!);
    }
    // UUID v7 starts with the time: a prefix people would type names nothing.
    const prefix = uuids[0]!.slice(0, 4);
    assert.ok(uuids.every((u) => u.startsWith(prefix)), uuids.join(" "));
    const ambiguous = await sh(home, `dora stop ${prefix}`);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /matches 3 dataflows/);
    const infos = await listJson(home);
    const ids = uuids.map((u) => infos.find((d) => d.uuid === u)!.short_id);
    assert.equal(new Set(ids).size, 3, ids.join(" "));
    ids.forEach((id, i) => {
      assert.match(id, /^[0-9a-f]{4,}$/);
      assert.ok(uuids[i]!.replace(/-/g, "").endsWith(id), "a tail of its UUID");
    });
    const list = await sh(home, "dora list");
    for (const [i, id] of ids.entries()) {
      assert.match(list.stdout, new RegExp(`^${uuids[i]}\\s+${id}\\s+`, "m"));
    }
    const detail = await sh(home, `dora list ${ids[1]}`);
    assert.match(detail.stdout, new RegExp(`^Dataflow: ${uuids[1]}\\nID: ${ids[1]}\\nName: two`));
    const logs = await sh(home, `dora logs ${ids[0]} --node camera --tail 1`);
    assert.equal(logs.code, 0, logs.stderr);
    const stop = await sh(home, `dora stop ${ids[2]}`);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`^Stopping dataflow ${uuids[2]}\\.\\.\\.`));
    const after = await listJson(home);
    assert.equal(after.find((d) => d.uuid === uuids[2])!.status, "Stopped");
    assert.equal(after.find((d) => d.uuid === uuids[0])!.status, "Running");
  } finally {
    await teardown(home);
  }
});
