/**
 * Helpers for the end-to-end tests of dora 1.0's keys: a dataflow written into a private HOME
 * (`$FIX` stands for tests/fixtures/dora10, `$DP` for tests/fixtures/dataplane), run with the
 * real `dora run`, or started with the real `dora start` and followed until it has finished,
 * and the `@{json}` event lines fixture nodes print, per node.
 */
import assert from "node:assert/strict";
import type { DataflowInfo } from "../lib/api/types.ts";
import { type CliResult, dora, FIXTURES, makeHome, pollUntil, type TestHome } from "./helpers.ts";
import { listJson, teardown } from "./daemon_helpers.ts";

export const FIX = `${FIXTURES}/dora10`;
export const DP = `${FIXTURES}/dataplane`;

/** A fixture event line (`@{...}` printed by events.py). */
export type Ev = { type: string; id?: string; value?: unknown; at: number };

/** Writes `yaml` as `<home>/flow/<name>` (and `files` beside it); returns the file. */
export async function writeFlow(
  home: TestHome,
  yaml: string,
  files: Record<string, string> = {},
  name = "dataflow.yml",
): Promise<string> {
  const dir = `${home.dir}/flow`;
  await Deno.mkdir(dir, { recursive: true });
  const fill = (text: string) => text.replaceAll("$FIX", FIX).replaceAll("$DP", DP);
  for (const [file, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${file}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${file}`, fill(text));
  }
  await Deno.writeTextFile(`${dir}/${name}`, fill(yaml));
  return `${dir}/${name}`;
}

/** The lines of `node` in `node | line` output (run's stdout, or `dora logs`). */
export function linesOf(output: string, node: string): string[] {
  const out: string[] = [];
  for (const line of output.split("\n")) {
    const match = /^(\S+)\s*\| (.*)$/.exec(line);
    if (match && match[1] === node) out.push(match[2]!);
  }
  return out;
}

/** The `@{json}` events among `lines`. */
export function eventsIn(lines: string[]): Ev[] {
  return lines.filter((l) => l.startsWith("@")).map((l) => JSON.parse(l.slice(1)) as Ev);
}

/** Runs a test body with a private HOME (and its daemon, if one was started) cleaned up. */
export async function withHome(
  fn: (home: TestHome) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const home = await makeHome(env);
  try {
    await fn(home);
  } finally {
    await teardown(home);
  }
}

/** `dora run <file> ...args`, asserting it exits with `code`. */
export async function runFlow(
  home: TestHome,
  file: string,
  args: string[] = [],
  code = 0,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const result = await dora(["run", file, ...args], { env: { ...home.env, ...env } });
  assert.equal(result.code, code, `dora run exited ${result.code}:\n${result.stderr}`);
  return result;
}

/** `dora start <file>`, then waits until the dataflow has finished; returns it and its logs. */
export async function startFlow(
  home: TestHome,
  file: string,
  args: string[] = [],
  timeoutMs = 30_000,
): Promise<{ uuid: string; info: DataflowInfo; logs: string }> {
  const started = await dora(["start", file, ...args], { env: home.env });
  assert.equal(started.code, 0, started.stderr);
  const uuid = /Dataflow started: ([0-9a-f-]{36})/.exec(started.stdout)![1]!;
  let info: DataflowInfo | undefined;
  await pollUntil("the dataflow to finish", async () => {
    info = (await listJson(home)).find((d) => d.uuid === uuid);
    return info !== undefined && info.status !== "Running" && info.status !== "Stopping";
  }, timeoutMs);
  const logs = await dora(["logs", uuid], { env: home.env });
  assert.equal(logs.code, 0, logs.stderr);
  return { uuid, info: info!, logs: logs.stdout };
}
