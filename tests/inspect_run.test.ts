// deno-lint-ignore-file no-regex-spaces
/**
 * A `dora run` seen from another terminal: topic, node, param, top, status and restart reach it
 * through its control socket (found by name, UUID prefix or short tail), with no daemon at all;
 * the socket and its record go away with the run.
 */
import assert from "node:assert/strict";
import { dora, pollUntil, spawnDora } from "./helpers.ts";
import { makeHome } from "./helpers.ts";
import { backgroundRun, endRun, INSPECT, jsonLines, recordOf, records } from "./inspect_helpers.ts";

Deno.test("dora run: inspected and steered from another terminal", async () => {
  const home = await makeHome();
  const env = home.env;
  const { run, uuid, name } = await backgroundRun(home, INSPECT);
  try {
    const socket = `${home.doraHome}/run/runs/${uuid}.sock`;
    assert.equal((await Deno.stat(socket)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${home.doraHome}/run/runs`)).mode! & 0o777, 0o700);
    // Only the token's reader gets an answer, as from the daemon.
    const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
    const anonymous = await fetch(`http://run/v1/dataflows/${uuid}/plane`, { client });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), { error: "unauthorized", message: "Unauthorized" });
    client.close();
    await pollUntil("the run's nodes flowing", async () => {
      const res = await dora(["topic", "list", "-d", name, "--json", "--window", "0"], { env });
      return res.code === 0 && jsonLines(res.stdout).every((t) => (t.messages as number) > 0);
    }, 60_000);

    const status = await dora(["status"], { env });
    assert.equal(status.code, 1, "no daemon");
    assert.match(status.stdout, /✗ Daemon: Failed to connect to daemon/);
    assert.match(
      status.stdout,
      new RegExp(
        `dora run: 1 running\n  ✓ ${name}  ${uuid}  Running  3/3 nodes  data plane: flowing, 3/3 connected`,
      ),
    );

    const list = await dora(["topic", "list", "-d", uuid.slice(0, 8)], { env });
    assert.match(list.stdout, /\nticker\/count\s+listener\/count\s+\d+/);
    const tail = uuid.replace(/-/g, "").slice(-6);
    const echo = await dora(
      ["topic", "echo", "-d", tail, "ticker/count", "--count", "2", "--json"],
      {
        env,
      },
    );
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(jsonLines(echo.stdout).length, 2);

    const pub = await dora(["topic", "pub", "-d", name, "ticker/count", "1000"], { env });
    assert.equal(pub.code, 0, pub.stderr);
    await recordOf(home, uuid, "listener", "the injected 1000", (r) => r.count === 1000);

    assert.equal(
      (await dora(["param", "set", "-d", name, "listener", "k", "[1,2]"], { env })).code,
      0,
    );
    await recordOf(
      home,
      uuid,
      "listener",
      "PARAM_UPDATE",
      (r) => r.type === "PARAM_UPDATE" && r.key === "k" && JSON.stringify(r.value) === "[1,2]",
    );
    const restarted = await dora(["node", "restart", "-d", name, "ticker"], { env });
    assert.match(restarted.stdout, /^✓ ticker restarted \(pid \d+\)\n$/);
    await recordOf(
      home,
      uuid,
      "listener",
      "NODE_RESTARTED",
      (r) => r.type === "NODE_RESTARTED" && r.id === "ticker",
    );

    const top = await dora(["top", "--once", "--json", "-d", name], { env });
    assert.equal(top.code, 0, top.stderr);
    const rows = JSON.parse(top.stdout) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => r.node).sort(), ["listener", "ticker", "watcher"]);
    const ticker = rows.find((r) => r.node === "ticker")!;
    assert.equal(ticker.restarts, 1);
    assert.ok((ticker.rate_out as number) > 20, `ticker out ${ticker.rate_out}`);

    const nodes = await dora(["node", "list"], { env });
    assert.match(nodes.stdout, new RegExp(`\\nwatcher\\s+Running\\s+.*${name} \\(dora run\\)\\n`));

    // Restarting a run restarts every node in place (same UUID); parameters carry over.
    const re = await dora(["restart", name], { env });
    assert.equal(re.code, 0, re.stderr);
    assert.equal(re.stdout, `Dataflow started: ${uuid}\n`);
    await pollUntil(
      "the listener started again with its parameters",
      async () =>
        (await records(home, uuid, "listener")).filter((r) =>
          r.start === true && JSON.stringify(r.params) === '{"k":[1,2]}'
        ).length === 1,
      60_000,
    );

    // A tap open when the run ends says so and exits 0; a client that stopped reading (its
    // socket full of big waves) does not keep the run alive.
    const watching = spawnDora(["topic", "echo", "-d", name, "ticker/count"], { env });
    await pollUntil("echo printing", () => watching.stdout().includes("#1"), 60_000);
    const token = (await Deno.readTextFile(`${home.doraHome}/token`)).trim();
    const stalled = await Deno.connect({ transport: "unix", path: socket });
    await stalled.write(new TextEncoder().encode(
      `GET /v1/dataflows/${uuid}/tap?topic=ticker/wave HTTP/1.1\r\nHost: run\r\n` +
        `Authorization: Bearer ${token}\r\n\r\n`,
    ));
    // The echo and the stalled client: two taps.
    await pollUntil("the stalled tap to be counted", async () => {
      const doc = JSON.parse((await dora(["status", "--json"], { env })).stdout);
      return doc.running[0]?.plane?.taps === 2;
    });
    const started = Date.now();
    const result = await endRun(run);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - started < 15_000, "the run ended on its own");
    stalled.close();
    const ended = await watching.finished;
    assert.equal(ended.code, 0);
    assert.match(ended.stderr, /Stopped: the dataflow has ended|lost/);
    const gone = await dora(["topic", "list", "-d", name], { env });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^Error: Dataflow .* not found/);
    assert.deepEqual([...Deno.readDirSync(`${home.doraHome}/run`)], [], "socket and record gone");
  } finally {
    await endRun(run).catch(() => {});
    await home.cleanup();
  }
});

Deno.test("dora run: topic echo decodes Arrow values with apache-arrow", async () => {
  const home = await makeHome();
  const { run, name } = await backgroundRun(
    home,
    `${INSPECT.replace("dataflow.yml", "arrow.yml")}`,
  );
  try {
    const echo = await dora(
      ["topic", "echo", "-d", name, "labeler/labels", "--count", "1", "--json"],
      { env: home.env },
    );
    assert.equal(echo.code, 0, echo.stderr);
    const message = JSON.parse(echo.stdout);
    assert.equal(message.kind, "arrow");
    assert.equal(message.value.arrow, "Utf8");
    assert.deepEqual(message.value.rows.slice(0, 2), ["cup", null]);
    assert.match(message.value.rows[2], /^box \d+$/);
    const line = await dora(["topic", "echo", "-d", name, "labeler/labels", "--count", "1"], {
      env: home.env,
    });
    assert.match(
      line.stdout,
      /  labeler\/labels  #1  arrow  Utf8\[3\] \["cup", null, "box \d+"\]\n$/,
    );
  } finally {
    await endRun(run).catch(() => {});
    await home.cleanup();
  }
});
