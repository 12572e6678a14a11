import assert from "node:assert/strict";
import { type LogRecord, parseLogRecord } from "./format.ts";
import { LogWriter } from "./writer.ts";

const record = (i: number): LogRecord => ({
  time: 1_700_000_000_000 + i,
  stream: "stdout",
  text: `line ${i}`,
});

async function readRecords(path: string): Promise<LogRecord[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => l !== "").map((l) => parseLogRecord(l)!);
}

Deno.test("rotation renames node.log to .1, .2 ... keeps `keep` files and loses no line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cam.log`;
    const lineBytes = "2023-11-14T22:13:20.000Z stdout line 0\n".length;
    const writer = new LogWriter(path, { maxBytes: lineBytes * 10, keep: 3 });
    // 45 records in uneven batches: files of 10 lines each, the oldest ones rotated away.
    let next = 0;
    for (const size of [1, 7, 13, 2, 9, 13]) {
      writer.append(Array.from({ length: size }, () => record(next++)));
    }
    writer.close();
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["cam.log", "cam.log.1", "cam.log.2", "cam.log.3"]);
    const kept = [
      ...await readRecords(`${path}.3`),
      ...await readRecords(`${path}.2`),
      ...await readRecords(`${path}.1`),
      ...await readRecords(path),
    ];
    for (const name of names) {
      assert.ok((await Deno.stat(`${dir}/${name}`)).size <= lineBytes * 10 + 5, name);
    }
    // Contiguous: the last 35 lines, in order (45 written, the first file rotated out).
    assert.deepEqual(
      kept.map((r) => r.text),
      Array.from({ length: 35 }, (_, i) => `line ${i + 10}`),
    );
    assert.equal(writer.dropped, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an existing file's size counts, and a reopened writer appends", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/n.log`;
    new LogWriter(path, { maxBytes: 1000 }).append([record(1)]);
    const second = new LogWriter(path, { maxBytes: 1000 });
    second.append([record(2)]);
    second.close();
    assert.deepEqual((await readRecords(path)).map((r) => r.text), ["line 1", "line 2"]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a full disk drops lines with one warning, never throws, and recovers later", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/n.log`;
    await Deno.symlink("/dev/full", path); // every write fails with ENOSPC
    const warnings: string[] = [];
    const writer = new LogWriter(path, { retryMs: 0, onWarning: (m) => warnings.push(m) });
    writer.append([record(1), record(2)]);
    writer.append([record(3)]);
    assert.equal(writer.dropped, 3);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /n\.log.*No space left on device/);
    await Deno.remove(path); // space again
    writer.append([record(4)]);
    writer.close();
    const lines = await readRecords(path);
    assert.deepEqual(lines.map((r) => [r.stream, r.text]), [
      ["dora", "3 log lines were dropped: the log could not be written"],
      ["stdout", "line 4"],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("while failing, lines are dropped without retrying until retryMs has passed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/n.log`;
    await Deno.symlink("/dev/full", path);
    const writer = new LogWriter(path, { retryMs: 60_000, onWarning: () => {} });
    writer.append([record(1)]);
    await Deno.remove(path);
    writer.append([record(2)]); // still inside the retry window: dropped, file not recreated
    assert.equal(writer.dropped, 2);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a removed log folder is created again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/sub/n.log`;
    const writer = new LogWriter(path);
    writer.append([record(1)]);
    writer.close();
    assert.equal((await readRecords(path)).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
