/** Helpers for the dashboard's end-to-end tests: a daemon running the robot example, links. */
import assert from "node:assert/strict";
import { dora, makeHome, pollUntil, ROOT, type TestHome } from "./helpers.ts";
import { grepUuids, listJson } from "./daemon_helpers.ts";

export const ROBOT = `${ROOT}/examples/robot/dataflow.yml`;

/** A daemon in a fresh home, running the robot example long enough for a test (named robot). */
export async function robotDaemon(
  extraEnv: Record<string, string> = {},
): Promise<{ home: TestHome; uuid: string; base: string }> {
  const home = await makeHome(extraEnv);
  const started = await dora(
    ["start", ROBOT, "--name", "robot", "--env", "FRAMES=100000"],
    { env: home.env },
  );
  assert.equal(started.code, 0, started.stderr);
  const uuid = grepUuids(started.stdout)[0]!;
  await pollUntil("robot nodes running", async () => {
    const info = (await listJson(home)).find((d) => d.uuid === uuid);
    return info?.nodes.every((n) => n.status === "Running" && n.pid !== null);
  }, 60_000);
  return { home, uuid, base: `http://127.0.0.1:${home.port}` };
}

/** `dora dashboard`'s link (asserting the exact output). */
export async function dashboardLink(home: TestHome): Promise<string> {
  const res = await dora(["dashboard"], { env: home.env });
  assert.equal(res.code, 0, res.stderr);
  const match = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard\/login\?token=[0-9a-f]{64})\n$/
    .exec(res.stdout);
  assert.ok(match, res.stdout);
  assert.match(res.stderr, /^The link works once, until .*; run 'dora dashboard' again/);
  return match[1]!;
}

/** Trades a link for the session cookie (`name=value`), as a browser would. */
export async function login(link: string): Promise<string> {
  const res = await fetch(link);
  await res.body?.cancel();
  assert.equal(res.status, 200);
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(
    cookie,
    /^dora_dashboard_\d+=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/dashboard;/,
  );
  return cookie.split(";")[0]!;
}
