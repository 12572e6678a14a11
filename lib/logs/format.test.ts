import assert from "node:assert/strict";
import { displayText, formatLogRecord, parseLogRecord, recordLevel } from "./format.ts";

Deno.test("log records round-trip, spaces and empty text included", () => {
  for (const text of ["hello world", "", "  indented", "a | b"]) {
    const record = { time: Date.UTC(2026, 10, 21, 6, 2, 3, 123), stream: "stderr" as const, text };
    const line = formatLogRecord(record);
    assert.ok(line.startsWith("2026-11-21T06:02:03.123Z stderr "));
    assert.deepEqual(parseLogRecord(line.slice(0, -1)), record);
  }
});

Deno.test("lines not in the format are rejected", () => {
  assert.equal(parseLogRecord("garbage"), undefined);
  assert.equal(parseLogRecord("2026-11-21T06:02:03.123Z stdin x"), undefined);
  assert.equal(parseLogRecord("yesterday stdout x"), undefined);
});

Deno.test("structured records keep their level, message, target and fields across the file", () => {
  const time = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
  const records = [
    { time, stream: "stderr" as const, text: "sensor started", level: "info" as const },
    {
      time,
      stream: "stdout" as const,
      text: "line one\nline\ttwo \\n not a newline",
      level: "error" as const,
      target: "sensor::init",
      fields: { sensor_id: "temp-01", reading: 42.5 },
    },
  ];
  const lines = records.map(formatLogRecord);
  assert.equal(lines[0], "2026-01-02T03:04:05.006Z info sensor started\n");
  assert.equal(
    lines[1],
    "2026-01-02T03:04:05.006Z error line one\\nline\\ttwo \\\\n not a newline\t" +
      '{"stream":"stdout","target":"sensor::init","fields":{"sensor_id":"temp-01","reading":42.5}}\n',
  );
  for (const [i, line] of lines.entries()) {
    assert.deepEqual(parseLogRecord(line.slice(0, -1)), records[i]);
  }
});

Deno.test("lines written before levels existed still parse as they were", () => {
  assert.deepEqual(parseLogRecord('2026-01-02T03:04:05.006Z stdout {"level":"info"}\tx'), {
    time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
    stream: "stdout",
    text: '{"level":"info"}\tx',
  });
  assert.deepEqual(parseLogRecord("2026-01-02T03:04:05.006Z dora started (pid 1)")?.stream, "dora");
});

Deno.test("recordLevel and displayText", () => {
  const base = { time: 0, stream: "stdout" as const, text: "hello" };
  assert.equal(recordLevel(base), "stdout");
  assert.equal(recordLevel({ ...base, stream: "dora" }), "info");
  assert.equal(recordLevel({ ...base, level: "warn" }), "warn");
  assert.equal(displayText(base, false), "hello");
  assert.equal(displayText({ ...base, stream: "dora" }, false), "[dora] hello");
  assert.equal(
    displayText({ ...base, level: "warn", fields: { t: 42, tag: "x" } }, false),
    "WARN  hello t=42 tag=x",
  );
  assert.equal(displayText({ ...base, level: "error" }, true), "\x1b[31mERROR\x1b[0m hello");
});
