import assert from "node:assert/strict";
import { RateWindow } from "./hz.ts";

Deno.test("hz: rate and interval statistics over a sliding window", () => {
  const window = new RateWindow(1000);
  assert.equal(window.stats(0).rate_hz, null);
  window.add([0, 10, 20, 30, 50], [100, 100, 100, 100, 100]);
  const s = window.stats(50);
  assert.equal(s.count, 5);
  assert.equal(s.mean_ms, 12.5);
  assert.equal(s.rate_hz, 80);
  assert.equal(s.min_ms, 10);
  assert.equal(s.max_ms, 20);
  assert.equal(s.std_ms, 4.33);
  assert.equal(s.mean_size, 100);
  assert.equal(s.bytes_per_s, 10_000);
  // Later, the old arrivals leave the window.
  window.add([1500, 1600], [10, 10]);
  const later = window.stats(1700);
  assert.equal(later.count, 2);
  assert.equal(later.rate_hz, 10);
  assert.equal(window.total, 7);
});
