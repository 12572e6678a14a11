import assert from "node:assert/strict";
import { DashboardAuth, SESSION_MS } from "./auth.ts";

Deno.test("a link opens one session, once; sessions end after SESSION_MS", () => {
  let now = 1_000_000;
  const auth = new DashboardAuth(() => now);
  const { token, expiresAt } = auth.issueLink();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(expiresAt, now + 300_000);
  assert.equal(auth.redeem("0".repeat(64)), undefined);
  const session = auth.redeem(token);
  assert.ok(session && /^[0-9a-f]{64}$/.test(session) && session !== token);
  assert.equal(auth.redeem(token), undefined, "a link works once");
  assert.ok(auth.valid(session));
  assert.ok(!auth.valid(token), "a link is not a session");
  assert.ok(!auth.valid(undefined) && !auth.valid(""));
  now += SESSION_MS + 1;
  assert.ok(!auth.valid(session));
});

Deno.test("an expired link opens nothing", () => {
  let now = 0;
  const auth = new DashboardAuth(() => now);
  const { token, expiresAt } = auth.issueLink();
  now = expiresAt + 1;
  assert.equal(auth.redeem(token), undefined);
});
