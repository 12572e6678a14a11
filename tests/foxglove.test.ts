/**
 * `dora foxglove`: the robot example under the daemon, seen by the Foxglove WebSocket protocol's
 * own client (@foxglove/ws-protocol's `FoxgloveClient`): channels listed, a subscribed topic's
 * messages received, taps open only while subscribed, no access without the session's token.
 */
import assert from "node:assert/strict";
import { type FoxgloveChannel, FoxgloveClient } from "../deps/foxglove_ws.ts";
import { dora, killPid, pollUntil, spawnDora, type TestHome } from "./helpers.ts";
import { teardown } from "./daemon_helpers.ts";
import { robotDaemon } from "./dashboard_helpers.ts";

/** The `taps` count of the dataflow's plane (docs/api.md). */
async function openTaps(home: TestHome): Promise<number> {
  const token = (await Deno.readTextFile(`${home.doraHome}/token`)).trim();
  const res = await fetch(`http://127.0.0.1:${home.port}/v1/dataflows/robot/plane`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()).taps;
}

Deno.test("foxglove: a Foxglove client lists the topics, gets a subscribed topic's messages, needs the token", async () => {
  const { home } = await robotDaemon();
  const server = spawnDora(["foxglove", "-d", "robot", "--ws-port", "0"], { env: home.env });
  try {
    const url = await pollUntil(
      "the URL",
      () =>
        /^Foxglove WebSocket: (ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32})$/m.exec(
          server.stdout(),
        )?.[1],
      30_000,
    );
    assert.equal(await openTaps(home), 0, "no tap before a subscription");

    // No token, a wrong one: 401, no WebSocket.
    const bare = url.replace(/\?token=.*/, "");
    for (const bad of [bare, `${bare}?token=${"0".repeat(32)}`]) {
      const res = await fetch(bad.replace("ws:", "http:"), {
        headers: { upgrade: "websocket", "sec-websocket-protocol": "foxglove.websocket.v1" },
      });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(bare, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
      ws.onerror = (e) => resolve(String((e as ErrorEvent).message));
      ws.onopen = () => resolve("opened");
    });
    assert.match(refused, /401/);

    const ws = new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
    const client = new FoxgloveClient({ ws: ws as never });
    const channels: FoxgloveChannel[] = [];
    const received: { subscriptionId: number; timestamp: bigint; data: ArrayBufferView }[] = [];
    let serverName = "";
    client.on("serverInfo", (info) => serverName = info.name);
    client.on("advertise", (list) => channels.push(...list));
    client.on("message", (m) => received.push(m));
    await pollUntil("two channels", () => channels.length === 2);
    assert.equal(serverName, "dora: robot");
    assert.deepEqual(channels.map((c) => c.topic).sort(), ["camera/image", "detector/bbox"]);
    for (const c of channels) {
      assert.equal(c.encoding, "json");
      assert.equal(c.schemaEncoding, "jsonschema");
      assert.equal(JSON.parse(c.schema).type, "object");
    }
    const bbox = channels.find((c) => c.topic === "detector/bbox")!;
    const subscription = client.subscribe(bbox.id);
    await pollUntil("five messages", () => received.length >= 5, 30_000);
    assert.ok(received.every((m) => m.subscriptionId === subscription));
    const decoded = received.map((m) =>
      JSON.parse(new TextDecoder().decode(
        new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength),
      ))
    );
    for (const d of decoded) {
      assert.equal(d.kind, "float32");
      assert.equal(d.value.length, 5);
      assert.equal(typeof d.parameters.frame, "number");
    }
    const frames = decoded.map((d) => d.parameters.frame as number);
    assert.deepEqual(frames, [...frames].sort((a, b) => a - b), "in order");
    const now = Date.now() * 1e6;
    assert.ok(Math.abs(Number(received.at(-1)!.timestamp) - now) < 60e9, "timestamps in ns");
    assert.equal(await openTaps(home), 1, "one tap while subscribed");

    client.unsubscribe(subscription);
    await pollUntil("the tap closed", async () => await openTaps(home) === 0);
    client.close();

    // Bad input while the daemon runs: a bad port, a taken one.
    const bad = await dora(["foxglove", "-d", "robot", "--ws-port", "x"], { env: home.env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --ws-port 'x'/);
    const taken = Number(new URL(url).port);
    const busy = await dora(["foxglove", "-d", "robot", "--ws-port", String(taken)], {
      env: home.env,
    });
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`Port ${taken} is already in use`));

    killPid(server.pid, "SIGINT");
    const done = await server.finished;
    assert.equal(done.code, 0, done.stderr);
  } finally {
    killPid(server.pid);
    await server.finished;
    await teardown(home);
  }
});
