// deno-lint-ignore-file no-regex-spaces
/**
 * `dora topic list/echo/hz/info/pub` end to end: the real CLI against a real daemon running the
 * robot example and the TypeScript + Python fixture; a stalled tap client that loses its own
 * messages and nothing else; closed pipes, Ctrl-C and bad input.
 */
import assert from "node:assert/strict";
import type { PlaneInfo } from "../lib/api/inspect.ts";
import { dora, killPid, pidAlive, pollUntil, spawnDora } from "./helpers.ts";
import { daemonPid, teardown } from "./daemon_helpers.ts";
import { ROBOT } from "./dashboard_helpers.ts";
import { daemonWith, INSPECT, jsonLines, recordOf, records } from "./inspect_helpers.ts";

Deno.test("topic: list, echo, hz and info on the robot example", async () => {
  const { home, uuid } = await daemonWith(ROBOT, "robot", ["FRAMES=100000"]);
  const env = home.env;
  try {
    const list = await dora(["topic", "list", "-d", "robot"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^TOPIC\s+SUBSCRIBERS\s+MESSAGES\s+RATE\s+DROPPED\n/);
    assert.match(list.stdout, /\ncamera\/image\s+detector\/image\s+\d+\s+[\d.]+\/s\s+0\n/);
    assert.match(list.stdout, /\ndetector\/bbox\s+visualizer\/bbox\s+\d+/);

    const listed = jsonLines((await dora(["topic", "list", "-d", uuid, "--json"], { env })).stdout);
    assert.deepEqual(listed.map((t) => t.topic), ["camera/image", "detector/bbox"]);
    for (const t of listed) {
      assert.equal(t.dataflow, uuid);
      assert.ok((t.rate_hz as number) > 10 && (t.rate_hz as number) < 60, `rate ${t.rate_hz}`);
    }

    const boxes = await dora([
      "topic",
      "echo",
      "-d",
      "robot",
      "detector/bbox",
      "--count",
      "3",
      "--json",
    ], {
      env,
    });
    assert.equal(boxes.code, 0, boxes.stderr);
    const echoed = jsonLines(boxes.stdout);
    assert.equal(echoed.length, 3);
    for (const m of echoed) {
      assert.equal(m.topic, "detector/bbox");
      assert.equal(m.type, "float32[5]");
      assert.equal((m.value as number[]).length, 5);
      assert.equal(typeof (m.parameters as { frame: unknown }).frame, "number");
      assert.ok(Date.parse(m.time as string) > Date.now() - 60_000);
    }
    assert.ok((echoed[1]!.seq as number) > (echoed[0]!.seq as number));

    const image = await dora(["topic", "echo", "-d", "robot", "camera/image", "--count", "1"], {
      env,
    });
    assert.match(
      image.stdout,
      /^\d\d:\d\d:\d\d\.\d{3}  camera\/image  #1  bytes\[3072\]  frame=\d+ width=64 height=48 encoding=mono8 truth=\[\d+,\d+\]  <3072 bytes> ([0-9a-f]{2} ){32}…\n$/,
    );
    const raw = await dora([
      "topic",
      "echo",
      "-d",
      "robot",
      "detector/bbox",
      "--count",
      "1",
      "--raw",
    ], {
      env,
    });
    assert.match(raw.stdout, /float32\[5\]  frame=\d+  ([0-9a-f]{2} ){19}[0-9a-f]{2}\n$/);

    const hz = await dora(
      ["topic", "hz", "-d", "robot", "camera/image", "--count", "2", "--json"],
      {
        env,
      },
    );
    assert.equal(hz.code, 0, hz.stderr);
    const reports = jsonLines(hz.stdout);
    assert.equal(reports.length, 2);
    const last = reports[1]!;
    assert.equal(last.topic, "camera/image");
    assert.ok((last.rate_hz as number) > 15 && (last.rate_hz as number) < 50, `${last.rate_hz}`);
    assert.ok((last.min_ms as number) <= (last.mean_ms as number));
    assert.ok((last.mean_ms as number) <= (last.max_ms as number));

    const info = await dora(
      ["topic", "info", "-d", "robot", "camera/image", "--duration", "1500ms", "--json"],
      { env },
    );
    assert.equal(info.code, 0, info.stderr);
    const doc = JSON.parse(info.stdout);
    assert.equal(doc.type, "bytes[3072]");
    assert.deepEqual(doc.metadata, ["frame", "width", "height", "encoding", "truth"]);
    assert.equal(doc.publisher.node, "camera");
    assert.equal(doc.publisher.status, "Running");
    assert.equal(doc.subscribers[0].input, "detector/image");
    assert.ok(doc.rate_hz > 15 && doc.rate_hz < 50, `${doc.rate_hz}`);
    assert.ok(doc.bytes_per_s > 30_000, `${doc.bytes_per_s}`);
    // A box injected on the detector's output reaches the Python visualizer as a float32 array.
    const pub = await dora([
      "topic",
      "pub",
      "-d",
      "robot",
      "detector/bbox",
      "[1, 2, 3, 4, 0.5]",
      "--type",
      "float32",
      "--params",
      '{"frame": 1000}',
    ], { env });
    assert.equal(pub.code, 0, pub.stderr);
    await pollUntil("the visualizer to draw the injected box", async () => {
      const logs = await dora(["logs", uuid, "visualizer"], { env });
      return /frame 1000: object at \(1,2\)-\(3,4\), confidence 0\.50/.test(logs.stdout);
    });
    const text = await dora(["topic", "info", "-d", "robot", "detector/bbox", "--duration", "1s"], {
      env,
    });
    assert.match(text.stdout, /^Topic: detector\/bbox\nDataflow: robot \(/);
    assert.match(
      text.stdout,
      /\nType: float32\[5\]\nMetadata: frame\nPublisher: detector \(Running, pid \d+\)\n/,
    );
    assert.match(text.stdout, /\n  visualizer\/bbox  queue \d+\/10  received \d+  dropped 0\n/);
  } finally {
    await teardown(home);
  }
});

Deno.test("topic: pub reaches a Python consumer; a stalled tap loses only its own messages", async () => {
  const { home, uuid } = await daemonWith(INSPECT, "fixture");
  const env = home.env;
  const token = (await Deno.readTextFile(`${home.doraHome}/token`)).trim();
  const api = (path: string) =>
    fetch(`http://127.0.0.1:${home.port}/v1/dataflows/${uuid}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const plane = async () => await (await api("/plane")).json() as PlaneInfo;
  try {
    const pub = await dora(
      ["topic", "pub", "-d", "fixture", "ticker/count", "1000", "--params", '{"injected":true}'],
      { env },
    );
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout, "Published 1 message on ticker/count (dataflow fixture)\n");
    await recordOf(
      home,
      uuid,
      "listener",
      "the injected 1000",
      (r) => r.count === 1000 && (r.metadata as { injected?: boolean }).injected === true,
    );
    const texts = await dora(
      [
        "topic",
        "pub",
        "-d",
        uuid,
        "ticker/count",
        '"hello"',
        "--count",
        "3",
        "--rate",
        "50",
        "--json",
      ],
      { env },
    );
    assert.deepEqual(JSON.parse(texts.stdout), {
      dataflow: uuid,
      topic: "ticker/count",
      published: 3,
    });
    await pollUntil("three injected texts", async () => {
      const seen = (await records(home, uuid, "listener"))
        .filter((r) => r.count === "hello");
      return seen.length === 3;
    });
    const typed = await dora(
      ["topic", "pub", "-d", uuid, "ticker/wave", "[1.5, 2.5]", "--type", "float32"],
      { env },
    );
    assert.equal(typed.code, 0, typed.stderr);

    // Server-Sent Events for a browser; no token, nothing.
    const sse = await api("/tap?topic=ticker/count&format=sse&max_bytes=0");
    assert.equal(sse.headers.get("content-type"), "text/event-stream");
    const sseReader = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
    let sseText = "";
    while (!/event: batch\ndata: \{"type":"batch","node":"ticker","output":"count"/.test(sseText)) {
      sseText += (await sseReader.read()).value ?? "";
    }
    assert.match(sseText, /^event: subscribed\ndata: \{"type":"subscribed","dataflow":"/);
    await sseReader.cancel();
    const anonymous = await fetch(`http://127.0.0.1:${home.port}/v1/dataflows/${uuid}/tap`);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), { error: "unauthorized", message: "Unauthorized" });

    // A client that asks for the big wave (64 KiB through shared memory) and does not read.
    const stalled = await api("/tap?topic=ticker/wave&queue=4");
    assert.equal(stalled.status, 200);
    const reader = stalled.body!.getReader();
    await pollUntil("the tap to be counted", async () => (await plane()).taps === 1);
    const before = await plane();
    const sent = (p: PlaneInfo) => p.topics.find((t) => t.topic === "ticker/wave")!.messages;
    await pollUntil(
      "100 more waves while the tap stalls",
      async () => sent(await plane()) > sent(before) + 100,
      30_000,
    );
    const decoder = new TextDecoder();
    let text = "";
    let dropped = 0;
    await pollUntil("the stalled tap to report drops", async () => {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
      const events = text.split("\n").filter((l) => l.startsWith("{")).map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return {};
        }
      });
      dropped = Math.max(0, ...events.map((e) => e.dropped ?? 0));
      return dropped > 0;
    }, 30_000);
    await reader.cancel();
    const after = await plane();
    const listener = after.nodes.find((n) => n.id === "listener")!;
    assert.equal(listener.inputs.count!.dropped, 0, "the consumer lost nothing");
    assert.ok(listener.inputs.count!.received > 100);
    const wave = JSON.parse(text.split("\n").find((l) => l.includes('"type":"message"'))!);
    assert.equal(wave.kind, "float32");
    assert.equal(wave.size, 65536);
    assert.equal(wave.shm, true);
    assert.equal(Uint8Array.fromBase64(wave.data).length, 65536, "read from shared memory");
    await pollUntil("the tap to be gone", async () => (await plane()).taps === 0);

    const echo = await dora(
      ["topic", "echo", "-d", uuid, "ticker/wave", "--count", "1", "--json"],
      {
        env,
      },
    );
    const value = JSON.parse(echo.stdout).value;
    assert.equal(value.length, 16384);
    assert.equal(value.head.length, 16);
    assert.ok(value.head.every((v: number) => v === value.head[0]));

    // A closed pipe and Ctrl-C end the stream quietly, exit 0.
    const piped = await new Deno.Command("bash", {
      args: [
        "-c",
        `"${Deno.execPath()}" run -A main.ts topic echo -d ${uuid} | head -n 1; echo "exit=\${PIPESTATUS[0]}"`,
      ],
      env: { ...env, DORA_COORDINATOR_ADDR: "" },
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const pipedOut = new TextDecoder().decode(piped.stdout);
    assert.match(pipedOut, /^\d\d:\d\d:\d\d\.\d{3}  ticker\/\w+  #1  .*\nexit=0\n$/);
    const live = spawnDora(["topic", "echo", "-d", uuid, "ticker/count"], { env });
    await pollUntil("echo printing", () => live.stdout().includes("#2"));
    killPid(live.pid, "SIGINT");
    const ended = await live.finished;
    assert.equal(ended.code, 0);
    assert.equal(ended.stderr, "");

    // Bad input: a clear message and the right exit code.
    const unknown = await dora(["topic", "pub", "-d", uuid, "ticker/nope", "1"], { env });
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^Error: No topic 'ticker\/nope' in this dataflow \(topics: .*ticker\/count/,
    );
    const shape = await dora(["topic", "echo", "-d", uuid, "ticker"], { env });
    assert.equal(shape.code, 2);
    assert.match(shape.stderr, /^Error: Invalid topic 'ticker': expected NODE\/OUTPUT/);
    const guess = await dora(["topic", "list"], { env });
    assert.equal(guess.code, 2);
    assert.match(guess.stderr, /Name the dataflow with -d\/--dataflow[^]*fixture/);
    const json = await dora(["topic", "pub", "-d", uuid, "ticker/count", "{oops"], { env });
    assert.equal(json.code, 2);
    assert.match(json.stderr, /^Error: The message is not valid JSON/);
    const missing = await dora(["topic", "list", "-d", "no-such-flow"], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: Dataflow no-such-flow not found/);
    const count = await dora(["topic", "echo", "-d", uuid, "--count", "0"], { env });
    assert.equal(count.code, 2);

    // A client that stopped reading does not keep a destroyed daemon alive.
    const raw = await Deno.connect({ hostname: "127.0.0.1", port: home.port });
    await raw.write(
      new TextEncoder().encode(
        `GET /v1/dataflows/${uuid}/tap?topic=ticker/wave HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Authorization: Bearer ${token}\r\n\r\n`,
      ),
    );
    await pollUntil("the raw tap to be counted", async () => (await plane()).taps === 1);
    // 150 waves of 87 KB of events: more than the socket buffers hold, so the tap is stuck.
    const opened = sent(await plane());
    await pollUntil("the raw tap to stall", async () => sent(await plane()) > opened + 150, 30_000);
    const pid = (await daemonPid(home))!;
    const destroyed = await dora(["destroy"], { env });
    assert.equal(destroyed.code, 0, destroyed.stderr);
    await pollUntil("the daemon to exit", () => !pidAlive(pid), 15_000);
    raw.close();
  } finally {
    await teardown(home);
  }
});
