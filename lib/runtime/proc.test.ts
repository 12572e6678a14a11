import assert from "node:assert/strict";
import { decodeWaitStatus, isLive, parseStat } from "./proc.ts";

// A real line (kernel 5.x) with a command name that contains spaces and parentheses.
const LINE = "4242 (my (odd) node) S 4200 4242 4242 0 -1 4194560 1066 0 0 0 " +
  "150 30 7 3 20 0 3 0 987654 45244416 3149 18446744073709551615 1 1 0 0 0 0 0 4096 1256 " +
  "0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0";

Deno.test("parseStat reads state, group, session, ticks, start time and RSS", () => {
  const stat = parseStat(LINE);
  assert.deepEqual(stat, {
    pid: 4242,
    state: "S",
    ppid: 4200,
    pgrp: 4242,
    session: 4242,
    cpuTicks: 150 + 30 + 7 + 3,
    startTime: 987654,
    rssPages: 3149,
    exitStatus: 0,
  });
  assert.equal(isLive(stat!), true);
});

Deno.test("a zombie is not live and carries its wait status", () => {
  const zombie = LINE.replace(") S ", ") Z ").replace(/ 0$/, " 768");
  const stat = parseStat(zombie)!;
  assert.equal(isLive(stat), false);
  assert.deepEqual(decodeWaitStatus(stat.exitStatus!), { code: 3, signal: null });
});

Deno.test("wait statuses decode to codes and signal names", () => {
  assert.deepEqual(decodeWaitStatus(9), { code: null, signal: "SIGKILL" });
  assert.deepEqual(decodeWaitStatus(15 | 0x80), { code: null, signal: "SIGTERM" });
  assert.deepEqual(decodeWaitStatus(1 << 8), { code: 1, signal: null });
  assert.deepEqual(decodeWaitStatus(40), { code: null, signal: "SIG40" });
});

Deno.test("malformed lines are rejected", () => {
  assert.equal(parseStat(""), undefined);
  assert.equal(parseStat("12 (x) S 1 2"), undefined);
  assert.equal(parseStat("abc (x) S " + "0 ".repeat(40)), undefined);
});

Deno.test("old kernels without field 52 parse without an exit status", () => {
  const short = LINE.split(" ").slice(0, 44).join(" ");
  const stat = parseStat(short)!;
  assert.equal(stat.startTime, 987654);
  assert.equal(stat.exitStatus, undefined);
});
