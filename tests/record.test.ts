/**
 * `dora record`, `record --info` and `dora replay` end to end: the robot example under the
 * daemon recorded to MCAP, read back with the MCAP library's own readers, replayed with the
 * camera played back (the detector's boxes must be the recorded ones, in the same order), and
 * the file a Ctrl-C'd or killed recorder leaves.
 */
import assert from "node:assert/strict";
import { dora, killPid, makeHome, pollUntil, ROOT, spawnDora, type TestHome } from "./helpers.ts";
import { grepUuids, teardown } from "./daemon_helpers.ts";
import { arrowMessages, indexed, streamed } from "./record_helpers.ts";
import { robotDaemon } from "./dashboard_helpers.ts";
import { backgroundRun } from "./inspect_helpers.ts";

const ROBOT = `${ROOT}/examples/robot/dataflow.yml`;
const FRAMES = 300; // 10 s at 30 fps: the recorder attaches a few seconds in

/** `camera/image` and `detector/bbox` of a recording, bboxes as [frame, ...values]. */
async function robotTopics(path: string) {
  const messages = await arrowMessages(path);
  const frames = messages.filter((m) => m.topic === "camera/image");
  const boxes = messages.filter((m) => m.topic === "detector/bbox");
  return { messages, frames, boxes };
}

Deno.test("record: the robot example to MCAP, read back by @mcap/core, replayed with the camera played back", async () => {
  const home = await makeHome();
  try {
    const started = await dora(
      ["start", ROBOT, "--name", "robot", "--env", `FRAMES=${FRAMES}`],
      { env: home.env },
    );
    assert.equal(started.code, 0, started.stderr);
    const uuid = grepUuids(started.stdout)[0]!;
    const file = `${home.dir}/robot.mcap`;
    const rec = await dora(["record", "robot", "-o", file], { env: home.env });
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, new RegExp(`^Recording robot \\(${uuid}\\) to ${file}: every output`));
    assert.match(rec.stderr, /Stopped: the dataflow has ended \(Succeeded\)/);
    assert.match(rec.stderr, /Recorded \d+ messages on 2 topics over [\d.]+s to /);

    // The MCAP library's own indexed reader: header, channels, schemas, statistics, metadata.
    const reader = await indexed(file);
    assert.equal(reader.header.profile, "dora");
    const channels = [...reader.channelsById.values()];
    assert.deepEqual(channels.map((c) => c.topic).sort(), ["camera/image", "detector/bbox"]);
    for (const c of channels) {
      assert.equal(c.messageEncoding, "arrow-ipc");
      const schema = reader.schemasById.get(c.schemaId)!;
      assert.equal(schema.encoding, "arrow-ipc-schema");
      assert.equal(schema.name, c.topic === "camera/image" ? "Uint8" : "Float32");
      assert.equal(c.metadata.get("dora.kind"), c.topic === "camera/image" ? "bytes" : "float32");
    }
    const meta = new Map<string, Map<string, string>>();
    for await (const m of reader.readMetadata()) meta.set(m.name, m.metadata);
    const dataflow = meta.get("dora.dataflow")!;
    assert.equal(dataflow.get("yaml"), await Deno.readTextFile(ROBOT));
    assert.equal(dataflow.get("name"), "robot");
    assert.equal(dataflow.get("uuid"), uuid);
    assert.equal(dataflow.get("file"), ROBOT);
    assert.equal(meta.get("dora.recording")?.get("dropped"), "0");

    const { messages, frames, boxes } = await robotTopics(file);
    assert.ok(frames.length >= 30, `only ${frames.length} frames recorded`);
    const counts = reader.statistics!.channelMessageCounts;
    for (const c of channels) {
      const n = messages.filter((m) => m.topic === c.topic).length;
      assert.equal(counts.get(c.id), BigInt(n));
    }
    for (const f of frames) {
      assert.equal(f.kind, "bytes");
      assert.equal(f.values.length, 64 * 48);
      assert.equal(f.parameters.width, 64);
    }
    // Recording started after the dataflow: it ends with the camera's last frame.
    assert.equal(frames.at(-1)!.parameters.frame, FRAMES - 1);
    for (const b of boxes) assert.equal(b.values.length, 5);

    // record --info, as text and JSON.
    const info = await dora(["record", "--info", file], { env: home.env });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^Dataflow: {2}robot \(/m);
    assert.match(info.stdout, new RegExp(`^camera/image +Uint8 +${frames.length} +`, "m"));
    assert.match(info.stdout, new RegExp(`^detector/bbox +Float32 +${boxes.length} +`, "m"));
    const json = JSON.parse(
      (await dora(["record", "--info", file, "--json"], { env: home.env })).stdout,
    );
    assert.equal(json.complete, true);
    assert.equal(json.dataflow.name, "robot");
    assert.equal(json.messages, messages.length);
    assert.ok(json.duration_s > 1.5 && json.duration_s < 10, `duration ${json.duration_s}`);

    const unknown = await dora(["replay", file, "--replace", "nosuch"], { env: home.env });
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--replace: the dataflow has no node 'nosuch'\nIts nodes: camera/);
    const unrecorded = await dora(["replay", file, "--replace", "visualizer"], { env: home.env });
    assert.equal(unrecorded.code, 1, unrecorded.stderr);
    assert.match(unrecorded.stderr, /node 'visualizer' has no recorded outputs/);

    // Without --replace the camera (recorded, no inputs but its timer) is played back.
    const yamlOut = `${home.dir}/replayed.yml`;
    const dry = await dora(["replay", file, "--output-yaml", yamlOut], { env: home.env });
    assert.equal(dry.code, 0, dry.stderr);
    const written = await Deno.readTextFile(yamlOut);
    assert.match(written, /- id: camera\n\s+path: .*\n\s+args:\n(\s+- .*\n)*\s+- _playback\n/);
    assert.match(
      written,
      /- id: detector\n\s+path: .*detector\.ts\n\s+inputs:\n\s+image: camera\/image/,
    );

    // Replayed with the camera played back, and recorded: the same boxes, in the same order.
    const out = `${home.dir}/replayed.mcap`;
    const replay = await dora(
      ["replay", file, "--replace", "camera", "--record", out],
      { env: home.env, cwd: home.dir },
    );
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(
      replay.stdout,
      new RegExp(`playback: sent ${frames.length} recorded messages of camera`),
    );
    assert.match(replay.stderr, /all 3 nodes succeeded/);
    const replayed = await robotTopics(out);
    assert.equal(replayed.frames.length, frames.length);
    const recordedFrames = new Set(frames.map((f) => f.parameters.frame));
    const expected = boxes.filter((b) => recordedFrames.has(b.parameters.frame))
      .map((b) => [b.parameters.frame, ...b.values]);
    assert.ok(expected.length >= frames.length - 1);
    assert.deepEqual(replayed.boxes.map((b) => [b.parameters.frame, ...b.values]), expected);
    // The replayed camera frames are byte for byte the recorded ones.
    assert.deepEqual(replayed.frames.map((f) => f.values), frames.map((f) => f.values));
    // At the recorded pace (30 per second), not all at once.
    const span = Number(replayed.frames.at(-1)!.logTime - replayed.frames[0]!.logTime) / 1e9;
    const recordedSpan = Number(frames.at(-1)!.logTime - frames[0]!.logTime) / 1e9;
    assert.ok(span > recordedSpan * 0.8, `replayed in ${span}s, recorded over ${recordedSpan}s`);
  } finally {
    await teardown(home);
  }
});

Deno.test("record: Ctrl-C leaves a complete file; a killed recorder's file reads up to its last chunk", async () => {
  const { home } = await robotDaemon({ DORA_RECORD_CHUNK_BYTES: "16384" });
  try {
    const file = `${home.dir}/ctrl-c.mcap`;
    const rec = spawnDora(["record", "robot", "-o", file, "--topics", "camera/image"], {
      env: home.env,
    });
    await pollUntil("a few chunks on disk", async () => (await Deno.stat(file)).size > 60_000);
    killPid(rec.pid, "SIGINT");
    const done = await rec.finished;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /Finishing the recording/);
    const reader = await indexed(file);
    assert.ok(reader.statistics!.messageCount > 10n);
    const meta = new Map<string, Map<string, string>>();
    for await (const m of reader.readMetadata()) meta.set(m.name, m.metadata);
    assert.equal(meta.get("dora.recording")?.get("end"), "stopped by the user");
    assert.equal(meta.get("dora.dataflow")?.get("topics"), "camera/image");

    const again = await dora(["record", "robot", "-o", file], { env: home.env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists\nChoose another -o, or add --force/);

    const killed = `${home.dir}/killed.mcap`;
    const rec2 = spawnDora(["record", "-d", "robot", "-o", killed], { env: home.env });
    await pollUntil("a few chunks on disk", async () => (await Deno.stat(killed)).size > 60_000);
    killPid(rec2.pid, "SIGKILL");
    await rec2.finished;
    await assert.rejects(() => indexed(killed)); // no footer
    const { records, done: complete } = await streamed(killed);
    assert.equal(complete, false);
    const count = records.filter((r) => r.type === "Message").length;
    assert.ok(count > 5, `${count} messages readable`);
    assert.ok(records.some((r) => r.type === "Metadata" && r.name === "dora.dataflow"));
    const info = await dora(["record", "--info", killed, "--json"], { env: home.env });
    assert.equal(info.code, 0, info.stderr);
    const json = JSON.parse(info.stdout);
    assert.equal(json.complete, false);
    assert.equal(json.messages, count);
    const text = await dora(["record", "--info", killed], { env: home.env });
    assert.match(text.stdout, /INCOMPLETE: the recorder was stopped before it finished/);
  } finally {
    await teardown(home);
  }
});

Deno.test("record: a dora run in another terminal, named by the YAML it runs", async () => {
  const home = await makeHome();
  try {
    const { run, uuid } = await backgroundRun(home, ROBOT, { FRAMES: "150" });
    const file = `${home.dir}/run.mcap`;
    const rec = await dora(["record", ROBOT, "-o", file, "--encoding", "json"], {
      env: home.env,
    });
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, /Stopped: the dataflow has ended/);
    assert.equal((await run.finished).code, 0);
    const reader = await indexed(file);
    const meta = new Map<string, Map<string, string>>();
    for await (const m of reader.readMetadata()) meta.set(m.name, m.metadata);
    assert.equal(meta.get("dora.dataflow")?.get("uuid"), uuid);
    assert.equal(meta.get("dora.dataflow")?.get("host"), "run");
    const channels = [...reader.channelsById.values()];
    assert.ok(channels.every((c) => c.messageEncoding === "json"));
    const bbox = channels.find((c) => c.topic === "detector/bbox")!;
    assert.equal(reader.schemasById.get(bbox.schemaId)?.encoding, "jsonschema");
    let boxes = 0;
    for await (const m of reader.readMessages({ topics: ["detector/bbox"] })) {
      const json = JSON.parse(new TextDecoder().decode(m.data));
      assert.equal(json.value.length, 5);
      assert.equal(typeof json.parameters.frame, "number");
      boxes++;
    }
    assert.ok(boxes > 10, `${boxes} boxes`);
  } finally {
    await home.cleanup();
  }
});

Deno.test("record, replay: bad input is refused with a clear message", async () => {
  const home: TestHome = await makeHome();
  try {
    const cases: [string[], number, RegExp][] = [
      [["record", "x", "--encoding", "csv"], 2, /Invalid --encoding 'csv'/],
      [["record", "x", "--topics", "nope"], 2, /Invalid topic 'nope'/],
      [["record", "nosuch", "-o", `${home.dir}/a.mcap`], 1, /Dataflow nosuch not found/],
      [["record", "--info", `${home.dir}/missing.mcap`], 1, /Cannot open recording .*No such file/],
      [["record", "--info", ROBOT], 1, /Cannot read .* as an MCAP recording/],
      [["replay", `${home.dir}/missing.mcap`], 1, /Cannot open recording/],
      [["replay", "x.mcap", "--speed", "-1"], 2, /Invalid --speed '-1'/],
    ];
    for (const [args, code, message] of cases) {
      const res = await dora(args, { env: home.env });
      assert.equal(res.code, code, `${args.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, message, args.join(" "));
      assert.doesNotMatch(res.stderr, /\n\s+at /, "no stack trace");
    }
  } finally {
    await home.cleanup();
  }
});
