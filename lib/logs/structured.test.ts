import assert from "node:assert/strict";
import { passesLevel } from "./levels.ts";
import { logMessage, parseStructured } from "./structured.ts";

Deno.test("parseStructured: dora's own format", () => {
  assert.deepEqual(
    parseStructured(
      '{"timestamp":"2024-01-15T10:30:00.123Z","level":"info","message":"Starting sensor...",' +
        '"target":"sensor::module","fields":{"key":"value"}}',
    ),
    {
      level: "info",
      message: "Starting sensor...",
      time: Date.UTC(2024, 0, 15, 10, 30, 0, 123),
      target: "sensor::module",
      fields: { key: "value" },
    },
  );
  assert.deepEqual(parseStructured('  {"level":"WARNING","message":"hot"}  '), {
    level: "warn",
    message: "hot",
  });
});

Deno.test("parseStructured: Rust tracing's JSON (message inside fields)", () => {
  assert.deepEqual(
    parseStructured(
      '{"timestamp":"2024-01-15T10:30:00.123456Z","level":"WARN","fields":{"message":"High ' +
        'temperature","sensor_id":"temp-01"},"target":"sensor"}',
    ),
    {
      level: "warn",
      message: "High temperature",
      time: Date.UTC(2024, 0, 15, 10, 30, 0, 123),
      target: "sensor",
      fields: { sensor_id: "temp-01" },
    },
  );
});

Deno.test("parseStructured: everything else is a plain line", () => {
  for (
    const line of [
      "hello",
      '{"message":"no level"}',
      '{"level":"info"}',
      '{"level":"loud","message":"x"}',
      '{"level":"stdout","message":"x"}',
      '["level","info"]',
      "{not json}",
      `{"level":"info","message":"${"x".repeat(70_000)}"}`,
    ]
  ) {
    assert.equal(parseStructured(line), undefined, line.slice(0, 40));
  }
  // A message that is not a string is kept as JSON; a bad timestamp is ignored.
  assert.deepEqual(parseStructured('{"level":"debug","message":{"a":1},"timestamp":"soon"}'), {
    level: "debug",
    message: '{"a":1}',
  });
});

Deno.test("passesLevel: dora's filter rule", () => {
  assert.ok(passesLevel("stdout", "stdout"));
  assert.ok(!passesLevel("stdout", "info"));
  assert.ok(passesLevel("info", "stdout"));
  assert.ok(!passesLevel("debug", "info"));
  assert.ok(passesLevel("error", "info"));
  assert.ok(passesLevel("info", "info"));
  assert.ok(!passesLevel("trace", "debug"));
});

Deno.test("logMessage: dora's LogMessage JSON", () => {
  assert.deepEqual(logMessage("df", "sensor", { time: 0, text: "raw line" }), {
    timestamp: "1970-01-01T00:00:00.000Z",
    level: "stdout",
    dataflow_id: "df",
    node_id: "sensor",
    message: "raw line",
    target: null,
    fields: null,
  });
  assert.equal(logMessage("df", "s", { time: 0, text: "x", level: "warn" }).level, "warn");
});
