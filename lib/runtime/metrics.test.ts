import assert from "node:assert/strict";
import { GroupSampler } from "./metrics.ts";
import type { ProcStat } from "./proc.ts";

const proc = (pid: number, pgrp: number, cpuTicks: number, rssPages: number, extra = {}) =>
  ({
    pid,
    state: "S",
    ppid: 1,
    pgrp,
    session: pgrp,
    cpuTicks,
    startTime: 1000,
    rssPages,
    ...extra,
  }) satisfies ProcStat;

Deno.test("CPU% is measured between samples over the whole group", () => {
  const sampler = new GroupSampler();
  // First sample: average since the group started (tick 1000), 200 ticks over 1000 ticks.
  const first = sampler.sample([10], [proc(10, 10, 150, 100), proc(11, 10, 50, 50)], 2000);
  assert.deepEqual(first.get(10), { cpuPercent: 20, memoryBytes: 150 * 4096 });
  // 100 ticks later: leader used 80 more ticks, child 70 more: 150% of one core.
  const second = sampler.sample([10], [proc(10, 10, 230, 100), proc(11, 10, 120, 50)], 2100);
  assert.equal(second.get(10)?.cpuPercent, 150);
});

Deno.test("members found by session, zombies and other groups ignored", () => {
  const sampler = new GroupSampler();
  const usage = sampler.sample([10], [
    proc(10, 10, 0, 10),
    proc(12, 12, 0, 20, { session: 10 }),
    proc(13, 10, 0, 40, { state: "Z" }),
    proc(20, 20, 0, 80),
  ], 2000);
  assert.equal(usage.get(10)?.memoryBytes, 30 * 4096);
  assert.equal(usage.has(20), false);
});

Deno.test("a member that left makes the group's ticks drop: CPU% never goes negative", () => {
  const sampler = new GroupSampler();
  sampler.sample([10], [proc(10, 10, 100, 1), proc(11, 10, 500, 1)], 2000);
  const after = sampler.sample([10], [proc(10, 10, 110, 1)], 2100);
  assert.equal(after.get(10)?.cpuPercent, 0);
});

Deno.test("groups without live members are left out", () => {
  const sampler = new GroupSampler();
  assert.equal(sampler.sample([99], [proc(10, 10, 0, 1)], 2000).size, 0);
});
