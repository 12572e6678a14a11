/**
 * The dashboard's server end to end, without a browser (tests/dashboard_browser.test.ts has
 * one): the link and cookie gate, the live feed, and the control API's node and dataflow
 * actions the page's buttons use.
 */
import assert from "node:assert/strict";
import { VERSION } from "../lib/config.ts";
import type { DataflowInfo, NodeInfo, StartResponse } from "../lib/api/types.ts";
import { dora, FIXTURES, makeHome, pidAlive, pollUntil } from "./helpers.ts";
import { daemonPid, grepUuids, listJson, teardown } from "./daemon_helpers.ts";
import { dashboardLink, login, robotDaemon } from "./dashboard_helpers.ts";

/** A response that must say nothing: 401, no version, no data. */
async function assertRefused(res: Response, what: string): Promise<void> {
  const body = await res.text();
  assert.equal(res.status, 401, `${what}: ${res.status} ${body}`);
  assert.equal(res.headers.get("x-dora-version"), null, what);
  assert.ok(!body.includes(VERSION) && !body.includes("robot") && body.length < 120, body);
}

/** The status of a GET sent with this Host header, over a plain socket. */
async function rawStatus(port: number, path: string, host: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const buf = new Uint8Array(512);
    const n = await conn.read(buf);
    return Number(
      /^HTTP\/1\.1 (\d{3})/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)))?.[1],
    );
  } finally {
    conn.close();
  }
}

/** Reads an SSE stream until `event` arrives; returns its data. */
async function firstEvent(res: Response, event: string): Promise<unknown> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before '${event}': ${text}`);
      text += value;
      const match = new RegExp(`event: ${event}\\ndata: (.*)\\n\\n`).exec(text);
      if (match) return JSON.parse(match[1]!);
    }
  } finally {
    await reader.cancel();
  }
}

Deno.test("dashboard: nothing without the one-time link's cookie", async () => {
  const { home, base } = await robotDaemon();
  try {
    const token = (await Deno.stat(`${home.doraHome}/token`)).mode! & 0o777;
    assert.equal(token, 0o600, "only the owner of ~/.dora can ask for a link");
    for (
      const path of [
        "/dashboard/",
        "/dashboard",
        "/dashboard/assets/app.js",
        "/dashboard/api/events",
      ]
    ) {
      await assertRefused(await fetch(base + path), path);
    }
    await assertRefused(await fetch(`${base}/dashboard/login?token=${"0".repeat(64)}`), "bad link");
    await assertRefused(await fetch(`${base}/v1/dashboard/links`, { method: "POST" }), "api");

    const link = await dashboardLink(home);
    // fetch() sets Host itself: a raw request plays a rebinding page of another site.
    const rebound = await rawStatus(
      home.port,
      new URL(link).pathname + new URL(link).search,
      "evil.example",
    );
    assert.equal(rebound, 403, "a page of another site pointed at 127.0.0.1 is refused");
    const cookie = await login(link);
    await assertRefused(await fetch(link), "a link works once");
    await assertRefused(
      await fetch(`${base}/dashboard/`, {
        headers: { cookie: `${cookie.split("=")[0]}=${"1".repeat(64)}` },
      }),
      "a made-up session",
    );

    const page = await fetch(`${base}/dashboard/`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>dora dashboard<\/title>/);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    for (
      const asset of [
        "app.js",
        "state.js",
        "view.js",
        "format.js",
        "style.css",
        "uplot.js",
        "uplot.css",
      ]
    ) {
      const res = await fetch(`${base}/dashboard/assets/${asset}`, { headers: { cookie } });
      assert.equal(res.status, 200, asset);
      assert.ok((await res.text()).length > 100, asset);
    }

    // --open hands the browser a private redirect file, never the link itself.
    const opened = `${home.dir}/opened.txt`;
    const open = await dora(["dashboard", "--open"], {
      env: { ...home.env, BROWSER: `${FIXTURES}/browser/record_url.sh`, BROWSER_LOG: opened },
    });
    assert.equal(open.code, 0, open.stderr);
    const redirect = `${home.doraHome}/run/dashboard-open.html`;
    assert.equal(await Deno.readTextFile(opened), `file://${redirect}\n`);
    assert.equal((await Deno.stat(redirect)).mode! & 0o777, 0o600);
    const openedLink = /url=(http:\/\/[^"]+)"/.exec(await Deno.readTextFile(redirect))![1]!;
    assert.ok(open.stdout.includes(openedLink), "the file leads to the printed link");
    await login(openedLink);

    const action = `${base}/dashboard/api/dataflows/robot/stop`;
    for (
      const headers of [{ cookie } as Record<string, string>, {
        cookie,
        "x-dora-dashboard": "1",
        origin: "http://evil.example",
      }]
    ) {
      const res = await fetch(action, { method: "POST", headers, body: "{}" });
      assert.equal(res.status, 403, JSON.stringify(headers));
      await res.body?.cancel();
    }
    assert.equal((await listJson(home))[0]!.status, "Running", "refused actions did nothing");
  } finally {
    await teardown(home);
  }
});

Deno.test("dashboard: without a daemon it says so (exit 1)", async () => {
  const home = await makeHome();
  try {
    const res = await dora(["dashboard"], { env: home.env });
    assert.equal(res.code, 1);
    assert.equal(res.stdout, "");
    assert.match(res.stderr, /^Error: Failed to connect to daemon\nSolution: Run 'dora up'/);
  } finally {
    await home.cleanup();
  }
});

Deno.test("dashboard: the live feed has the counters rates come from, logs, the graph", async () => {
  const { home, uuid, base } = await robotDaemon();
  try {
    const cookie = await login(await dashboardLink(home));
    const feed = await fetch(`${base}/dashboard/api/events?dataflow=${uuid}`, {
      headers: { cookie },
    });
    assert.equal(feed.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const snapshot = await firstEvent(feed, "snapshot") as {
      dataflows: DataflowInfo[];
      graphs: Record<string, string>;
    };
    const robot = snapshot.dataflows.find((d) => d.uuid === uuid)!;
    assert.deepEqual(robot.nodes.map((n) => n.id), ["camera", "detector", "visualizer"]);
    assert.ok(robot.nodes[1]!.inputs.image!.received >= 0);
    assert.match(snapshot.graphs[uuid]!, /^[0-9a-f]{8}$/);

    const logs = await fetch(`${base}/dashboard/api/events?dataflow=${uuid}`, {
      headers: { cookie },
    });
    const batch = await firstEvent(logs, "logs") as { records: { node: string; text: string }[] };
    assert.ok(
      batch.records.some((r) => r.node === "camera" && /^started \(pid \d+\)/.test(r.text)),
    );

    const graph = await fetch(`${base}/dashboard/api/graph/${uuid}`, { headers: { cookie } });
    const drawing = await graph.json();
    assert.equal(drawing.key, snapshot.graphs[uuid]);
    assert.match(drawing.svg, /data-edge="detector\/image"/);
    assert.equal(drawing.sources["detector/image"], "camera/image");
  } finally {
    await teardown(home);
  }
});

Deno.test("dashboard: a closed page leaves an idle daemon idle (the feed samples, not the daemon)", async () => {
  const home = await makeHome();
  try {
    const start = await dora(["start", `${FIXTURES}/daemon/quiet.yml`], { env: home.env });
    assert.equal(start.code, 0, start.stderr);
    const uuid = grepUuids(start.stdout)[0]!;
    await pollUntil(
      "running",
      async () =>
        (await listJson(home)).find((d) => d.uuid === uuid)?.nodes.every((n) => n.pid !== null),
    );
    const cookie = await login(await dashboardLink(home));
    const base = `http://127.0.0.1:${home.port}`;
    for (let i = 0; i < 2; i++) {
      const feed = await fetch(`${base}/dashboard/api/events?dataflow=${uuid}`, {
        headers: { cookie },
      });
      await firstEvent(feed, "snapshot");
    }
    const pid = (await daemonPid(home))!;
    // A measurement window, not a synchronisation: no page is open meanwhile.
    const before = cpuTicks(pid);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const percent = (cpuTicks(pid) - before) / ((performance.now() - started) / 1000);
    assert.ok(percent < 5, `daemon used ${percent.toFixed(1)}% CPU after its pages closed`);
  } finally {
    await teardown(home);
  }
});

Deno.test("dashboard: an open page does not keep a destroyed daemon alive", async () => {
  const home = await makeHome();
  try {
    assert.equal((await dora(["up"], { env: home.env })).code, 0);
    const cookie = await login(await dashboardLink(home));
    const feed = await fetch(`http://127.0.0.1:${home.port}/dashboard/api/events`, {
      headers: { cookie },
    });
    const reader = feed.body!.getReader();
    await reader.read();
    const pid = (await daemonPid(home))!;
    const destroyed = await dora(["destroy"], { env: home.env });
    assert.equal(destroyed.code, 0, destroyed.stderr);
    await pollUntil("the daemon gone", () => !pidAlive(pid), 10_000);
    for (;;) if ((await reader.read()).done) break; // the feed ended with it
  } finally {
    await teardown(home);
  }
});

/** CPU ticks (user + system, 1/100 s) of a process. */
function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

Deno.test("control API: restart and stop one node, restart a dataflow (docs/api.md)", async () => {
  const { home, uuid, base } = await robotDaemon();
  try {
    const token = (await Deno.readTextFile(`${home.doraHome}/token`)).trim();
    const post = (path: string) =>
      fetch(`${base}/v1/dataflows/${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: "{}",
      });
    const before = (await listJson(home))[0]!.nodes.find((n) => n.id === "detector")!;
    const restarted = await post(`robot/nodes/detector/restart`);
    assert.equal(restarted.status, 200);
    const after = await restarted.json() as NodeInfo;
    assert.equal(after.status, "Running");
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.restarts, before.restarts + 1, "a restart asked for counts");
    const logs = await dora(["logs", "robot", "--node", "detector"], { env: home.env });
    assert.match(
      logs.stdout,
      /\[dora\] restarting for user request\n.*\[dora\] stopped for user request: /,
    );
    // Its consumer carries on: the visualizer keeps receiving.
    const received = () =>
      listJson(home).then((l) =>
        l[0]!.nodes.find((n) => n.id === "visualizer")!.inputs.bbox!.received
      );
    const seen = await received();
    await pollUntil("visualizer receives again", async () => (await received()) > seen + 5, 30_000);

    const unknown = await post(`robot/nodes/nope/restart`);
    assert.equal(unknown.status, 404);
    assert.match((await unknown.json()).message, /Dataflow robot has no node 'nope'/);

    const stopped = await post(`robot/nodes/visualizer/stop`);
    assert.equal(stopped.status, 200);
    assert.equal((await stopped.json() as NodeInfo).status, "Stopped");
    assert.equal((await listJson(home))[0]!.status, "Running", "the rest runs on");
    const ended = await post(`robot/nodes/visualizer/restart`);
    assert.equal(ended.status, 409);
    assert.equal((await ended.json()).error, "node_ended");

    const again = await post(`robot/restart`);
    assert.equal(again.status, 200);
    const next = await again.json() as StartResponse;
    assert.equal(next.name, "robot");
    assert.notEqual(next.uuid, uuid);
    const all = await listJson(home);
    assert.equal(all.find((d) => d.uuid === uuid)!.status, "Stopped");
    assert.equal(all.find((d) => d.uuid === next.uuid)!.status, "Running");
    const notRunning = await post(`${uuid}/nodes/camera/restart`);
    assert.equal(notRunning.status, 409);
    assert.equal((await notRunning.json()).error, "not_running");
  } finally {
    await teardown(home);
  }
});
