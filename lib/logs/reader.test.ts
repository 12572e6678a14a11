import assert from "node:assert/strict";
import type { LogRecord } from "./format.ts";
import { followLogs, mergeByTime, type NodeLogRecord, readLogs } from "./reader.ts";
import { LogWriter } from "./writer.ts";

const T0 = Date.UTC(2026, 0, 1);
const rec = (time: number, text: string, stream: LogRecord["stream"] = "stdout") => ({
  time: T0 + time,
  stream,
  text,
});
const texts = (records: NodeLogRecord[]) => records.map((r) => `${r.node}:${r.text}`);

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("nodes are merged by time, rotated files first, a node's own order kept", async () => {
  await withDir(async (dir) => {
    // cam rotates after two records; its clock jumps back once (c4 before c3).
    const cam = new LogWriter(`${dir}/cam.log`, { maxBytes: 120, keep: 5 });
    cam.append([rec(10, "c1"), rec(30, "c2")]);
    cam.append([rec(50, "c3"), rec(45, "c4")]);
    const det = new LogWriter(`${dir}/det.log`);
    det.append([rec(20, "d1"), rec(40, "d2", "stderr"), rec(60, "d3")]);
    cam.close();
    det.close();
    assert.ok((await Deno.stat(`${dir}/cam.log.1`)).isFile);
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a log\n");
    const all = await readLogs(dir);
    assert.deepEqual(texts(all), [
      "cam:c1",
      "det:d1",
      "cam:c2",
      "det:d2",
      "cam:c3",
      "cam:c4",
      "det:d3",
    ]);
    assert.equal(all[3]!.stream, "stderr");
    assert.deepEqual(texts(await readLogs(dir, { node: "cam" })), [
      "cam:c1",
      "cam:c2",
      "cam:c3",
      "cam:c4",
    ]);
    assert.deepEqual(texts(await readLogs(dir, { tail: 2 })), ["cam:c4", "det:d3"]);
    assert.deepEqual(texts(await readLogs(dir, { since: T0 + 40 })), [
      "det:d2",
      "cam:c3",
      "cam:c4",
      "det:d3",
    ]);
    assert.deepEqual(texts(await readLogs(dir, { node: "cam", tail: 3, since: T0 + 30 })), [
      "cam:c2",
      "cam:c3",
      "cam:c4",
    ]);
    assert.deepEqual(await readLogs(`${dir}/missing`), []);
    assert.deepEqual(await readLogs(dir, { tail: 0 }), []);
  });
});

Deno.test("mergeByTime keeps ties in list order", () => {
  const a = [{ node: "a", ...rec(1, "a1") }, { node: "a", ...rec(2, "a2") }];
  const b = [{ node: "b", ...rec(1, "b1") }];
  assert.deepEqual(texts(mergeByTime([a, b])), ["a:a1", "b:b1", "a:a2"]);
});

Deno.test("tail over many rotated files returns the newest lines in order", async () => {
  await withDir(async (dir) => {
    const w = new LogWriter(`${dir}/n.log`, { maxBytes: 200, keep: 50 });
    for (let i = 0; i < 100; i++) w.append([rec(i, `l${i}`)]);
    w.close();
    const tail = await readLogs(dir, { tail: 5 });
    assert.deepEqual(texts(tail), ["n:l95", "n:l96", "n:l97", "n:l98", "n:l99"]);
    assert.equal((await readLogs(dir)).length, 100);
  });
});

Deno.test("follow yields existing lines, then new ones across rotations and new nodes", async () => {
  await withDir(async (dir) => {
    const cam = new LogWriter(`${dir}/cam.log`, { maxBytes: 300, keep: 100 });
    cam.append([rec(0, "old0"), rec(1, "old1")]);
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of followLogs(dir, { signal: controller.signal, pollMs: 20, tail: 1 })) {
        seen.push(`${r.node}:${r.text}`);
      }
    })();
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while (seen.length < count && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await waitFor(1);
    assert.deepEqual(seen, ["cam:old1"]);
    // Write in bursts while the follower polls: several rotations happen between two polls.
    let t = 10;
    for (let burst = 0; burst < 20; burst++) {
      cam.append(Array.from({ length: 7 }, () => rec(t, `c${t++}`)));
      if (burst === 5) new LogWriter(`${dir}/det.log`).append([rec(t, "det-hello")]);
      await new Promise((resolve) => setTimeout(resolve, burst % 3 === 0 ? 30 : 1));
    }
    const expected = ["cam:old1", ...Array.from({ length: 140 }, (_, i) => `cam:c${i + 10}`)];
    await waitFor(expected.length + 1);
    controller.abort();
    await reading;
    cam.close();
    assert.deepEqual(seen.filter((s) => s.startsWith("cam:")), expected);
    assert.deepEqual(seen.filter((s) => s.startsWith("det:")), ["det:det-hello"]);
  });
});

Deno.test("follow ends promptly when aborted, also with no log files yet", async () => {
  await withDir(async (dir) => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const got = [];
    for await (const r of followLogs(dir, { signal: controller.signal, pollMs: 5_000 })) {
      got.push(r);
    }
    assert.equal(got.length, 0);
    assert.ok(Date.now() - started < 3_000);
  });
});

Deno.test("filters: time, level and text first, then tail, over rotated files too", async () => {
  await withDir(async (dir) => {
    const cam = new LogWriter(`${dir}/cam.log`, { maxBytes: 200, keep: 5 });
    cam.append([
      { ...rec(10, "boot done"), level: "info" as const, target: "cam::init" },
      { ...rec(20, "frame dropped"), level: "warn" as const },
      rec(30, "plain print"),
      { ...rec(40, "sensor lost"), level: "error" as const },
      { ...rec(50, "frame ok"), level: "debug" as const },
      rec(60, "supervisor note", "dora"),
    ]);
    cam.close();
    assert.ok((await Deno.stat(`${dir}/cam.log.1`)).isFile, "rotated");
    const read = async (opts: Parameters<typeof readLogs>[1]) => texts(await readLogs(dir, opts));
    assert.deepEqual(await read({ level: "warn" }), ["cam:frame dropped", "cam:sensor lost"]);
    assert.deepEqual(await read({ level: "stdout" }).then((t) => t.length), 6);
    // Supervisor lines count as info; plain lines pass only `stdout`.
    assert.deepEqual(await read({ level: "info" }), [
      "cam:boot done",
      "cam:frame dropped",
      "cam:sensor lost",
      "cam:supervisor note",
    ]);
    assert.deepEqual(await read({ grep: "FRAME" }), ["cam:frame dropped", "cam:frame ok"]);
    assert.deepEqual(await read({ grep: "cam::init" }), ["cam:boot done"], "targets match");
    assert.deepEqual(await read({ since: T0 + 20, until: T0 + 40 }), [
      "cam:frame dropped",
      "cam:plain print",
      "cam:sensor lost",
    ]);
    // The tail counts what the other filters left, even when it is in older files.
    assert.deepEqual(await read({ level: "warn", tail: 1 }), ["cam:sensor lost"]);
    assert.deepEqual(await read({ grep: "boot", tail: 1 }), ["cam:boot done"]);
  });
});
