/**
 * Helpers of the inspection tests (topic, node, param, top, status): a daemon running the
 * TypeScript + Python fixture (tests/fixtures/inspect) or the robot example, the "@" records
 * its nodes print (from their log files), and a `dora run` in the background.
 */
import assert from "node:assert/strict";
import { parseLogRecord } from "../lib/logs/format.ts";
import {
  type CliResult,
  dora,
  FIXTURES,
  killPid,
  makeHome,
  pidAlive,
  pollUntil,
  type RunningCli,
  spawnDora,
  type TestHome,
} from "./helpers.ts";
import { grepUuids, listJson } from "./daemon_helpers.ts";

export const INSPECT = `${FIXTURES}/inspect/dataflow.yml`;

/** A daemon in a fresh home running `file` (all of its nodes up) under `name`. */
export async function daemonWith(
  file: string,
  name: string,
  env: string[] = [],
): Promise<{ home: TestHome; uuid: string }> {
  const home = await makeHome();
  const started = await dora(
    ["start", file, "--name", name, ...env.flatMap((e) => ["--env", e])],
    { env: home.env },
  );
  assert.equal(started.code, 0, started.stderr);
  const uuid = grepUuids(started.stdout)[0]!;
  await nodesRunning(home, uuid);
  return { home, uuid };
}

/** Waits until every node of dataflow `uuid` runs and holds a data-plane connection. */
export async function nodesRunning(home: TestHome, uuid: string): Promise<void> {
  await pollUntil("nodes running", async () => {
    const info = (await listJson(home)).find((d) => d.uuid === uuid);
    return info?.nodes.every((n) => n.status === "Running" && n.pid !== null);
  }, 60_000);
  await pollUntil("nodes connected", async () => {
    const res = await dora(["topic", "list", "-d", uuid, "--json", "--window", "0"], {
      env: home.env,
    });
    return res.code === 0 && res.stdout.trim().split("\n").every((l) => JSON.parse(l).messages > 0);
  }, 60_000);
}

/** The "@" records node `node` of dataflow `uuid` has printed so far. */
export async function records(
  home: TestHome,
  uuid: string,
  node: string,
): Promise<Record<string, unknown>[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(`${home.doraHome}/logs/${uuid}/${node}.log`);
  } catch {
    return [];
  }
  return text.split("\n").map(parseLogRecord)
    .filter((r) => r?.stream === "stdout" && r.text.startsWith("@"))
    .map((r) => JSON.parse(r!.text.slice(1)));
}

/** Polls until node `node` has printed a record matching `match`; returns it. */
export function recordOf(
  home: TestHome,
  uuid: string,
  node: string,
  what: string,
  match: (r: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return pollUntil(`${node}: ${what}`, async () => (await records(home, uuid, node)).find(match));
}

/** JSON lines of a CLI's stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/** A `dora run` of `file` in the background, until its control socket answers. */
export async function backgroundRun(
  home: TestHome,
  file: string,
  env: Record<string, string> = {},
): Promise<{ run: RunningCli; uuid: string; name: string }> {
  const run = spawnDora(["run", file], { env: { ...home.env, ...env } });
  const record = await pollUntil("the run's control socket", async () => {
    for await (const entry of Deno.readDir(`${home.doraHome}/run/runs`)) {
      if (!entry.name.endsWith(".json")) continue;
      return JSON.parse(await Deno.readTextFile(`${home.doraHome}/run/runs/${entry.name}`));
    }
    return undefined;
  }, 60_000);
  return { run, uuid: record.uuid, name: record.name };
}

/** Stops a background `dora run` like Ctrl-C and waits for it (SIGKILL after 20 s). */
export async function endRun(run: RunningCli): Promise<CliResult> {
  killPid(run.pid, "SIGINT");
  const timer = setTimeout(() => killPid(run.pid, "SIGKILL"), 20_000);
  const result = await run.finished;
  clearTimeout(timer);
  assert.ok(!pidAlive(run.pid));
  return result;
}
