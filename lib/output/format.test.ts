import assert from "node:assert/strict";
import {
  formatBytes,
  formatUptime,
  makePrefixer,
  parseDuration,
  parseSize,
  renderTable,
} from "./format.ts";

Deno.test("prefixes are aligned and plain without colour", () => {
  const prefix = makePrefixer(["camera", "op"], false);
  assert.equal(prefix("op"), "op     | ");
  assert.equal(prefix("camera"), "camera | ");
});

Deno.test("prefixes are coloured when asked", () => {
  const text = makePrefixer(["a"], true)("a");
  assert.ok(text.startsWith("\x1b[") && text.endsWith("a\x1b[0m | "), JSON.stringify(text));
});

Deno.test("uptime, sizes and durations", () => {
  assert.equal(formatUptime(5_432_000), "01:30:32");
  assert.equal(formatUptime(-1), "00:00:00");
  assert.equal(formatBytes(256 * 1024 * 1024), "256M");
  assert.equal(formatBytes(1536 * 1024 * 1024), "1.5G");
  assert.equal(formatBytes(null), "-");
  assert.equal(parseDuration("5s"), 5000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("2"), 2000);
  assert.equal(parseDuration("1m"), 60_000);
  assert.equal(parseDuration("soon"), undefined);
  assert.equal(parseSize("4G"), 4 * 1024 ** 3);
  assert.equal(parseSize("512MiB"), 512 * 1024 ** 2);
  assert.equal(parseSize("x"), undefined);
});

Deno.test("tables are borderless with two-space gaps", () => {
  const text = renderTable(["UUID", "NAME"], [["abc", "robot"], ["defgh", "v"]]);
  assert.equal(text, "UUID   NAME\nabc    robot\ndefgh  v");
});
