import assert from "node:assert/strict";
import { parseCoordinatorAddr } from "./address.ts";

Deno.test("DORA_COORDINATOR_ADDR: host:port, host, http://host:port, [v6]:port", () => {
  assert.deepEqual(parseCoordinatorAddr("localhost:53290"), { host: "localhost", port: 53290 });
  assert.deepEqual(parseCoordinatorAddr("robot.local"), { host: "robot.local" });
  assert.deepEqual(parseCoordinatorAddr("http://localhost:6013/"), {
    host: "localhost",
    port: 6013,
  });
  assert.deepEqual(parseCoordinatorAddr(" 127.0.0.1:1 "), { host: "127.0.0.1", port: 1 });
  assert.deepEqual(parseCoordinatorAddr("[::1]:53290"), { host: "[::1]", port: 53290 });
});

Deno.test("DORA_COORDINATOR_ADDR: malformed values are usage errors", () => {
  for (const bad of ["", ":53290", "host:", "host:0", "host:70000", "host:x", "https://h:1"]) {
    assert.throws(() => parseCoordinatorAddr(bad), (err: Error & { exitCode?: number }) => {
      assert.equal(err.exitCode, 2, bad);
      assert.match(err.message, /^Invalid DORA_COORDINATOR_ADDR/);
      return true;
    });
  }
  for (const bad of ["a b:1", "h/x", "::1:5"]) assert.throws(() => parseCoordinatorAddr(bad));
});
