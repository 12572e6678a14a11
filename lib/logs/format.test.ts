import assert from "node:assert/strict";
import { formatLogRecord, parseLogRecord } from "./format.ts";

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
