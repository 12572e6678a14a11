/**
 * Helpers for runtime tests: node specs built in code, a private folder per test, and a
 * runtime that records every line and stop event.
 */
import type { Dataflow, NodeSpec } from "../lib/descriptor/types.ts";
import { testNode } from "../lib/descriptor/testing.ts";
import type { LogStream } from "../lib/logs/format.ts";
import { DataflowRuntime, type RuntimeOptions, type StopEvent } from "../lib/runtime/mod.ts";
import { FIXTURES } from "./helpers.ts";

/** A node running `program` (a fixture name, or an absolute path) with `args`. */
export function nodeSpec(
  id: string,
  program: string,
  args: string[] = [],
  extra: Partial<NodeSpec> = {},
): NodeSpec {
  const path = program.startsWith("/") ? program : `${FIXTURES}/${program}`;
  return testNode(id, {
    path: program,
    kind: path.endsWith(".py") ? "python" : "executable",
    program: path,
    args,
    ...extra,
  });
}

/** A dataflow of `nodes` whose folder is the fixtures folder. */
export function dataflowOf(nodes: NodeSpec[]): Dataflow {
  return { file: `${FIXTURES}/inline.yml`, dir: FIXTURES, nodes };
}

/** One line seen through `onLine`. */
export interface SeenLine {
  node: string;
  stream: LogStream;
  text: string;
}

/** A runtime plus what it reported. */
export interface Recorded {
  runtime: DataflowRuntime;
  lines: SeenLine[];
  events: StopEvent[];
  /** Lines of one node and stream. */
  textOf(node: string, stream?: LogStream): string[];
}

/** Runtimes started by tests, killed by `cleanup` if a failed test left them running. */
const started = new Set<DataflowRuntime>();

/** A temp folder for logs and FIFOs, and a cleanup that leaves no process behind. */
export async function tempRoot(): Promise<{
  dir: string;
  /** Runs `fn` at cleanup, before the folder is removed. */
  defer(fn: () => unknown): void;
  cleanup(): Promise<void>;
}> {
  const dir = await Deno.makeTempDir({ prefix: "dora-rt-" });
  const deferred: (() => unknown)[] = [];
  return {
    dir,
    defer: (fn) => deferred.push(fn),
    async cleanup() {
      for (const fn of deferred.reverse()) await fn();
      for (const runtime of started) {
        if (runtime.status === "Running" || runtime.status === "Stopping") {
          await runtime.stop({ force: true });
        }
        started.delete(runtime);
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Options for a runtime under `root`. */
export function runtimeOptions(
  root: string,
  nodes: NodeSpec[],
  extra: Partial<RuntimeOptions> = {},
): RuntimeOptions {
  return {
    uuid: "0190a0a0-0000-7000-8000-000000000001",
    name: "test",
    dataflow: dataflowOf(nodes),
    logDir: `${root}/logs`,
    stateDir: `${root}/state`,
    ...extra,
  };
}

/** Starts (or adopts, with `snapshot`) a runtime that records lines. */
export async function recordRuntime(
  opts: RuntimeOptions,
  snapshot?: Parameters<typeof DataflowRuntime.adopt>[1],
): Promise<Recorded> {
  const lines: SeenLine[] = [];
  const withLines = {
    ...opts,
    onLine: (node: string, stream: LogStream, text: string) => lines.push({ node, stream, text }),
  };
  const runtime = snapshot
    ? await DataflowRuntime.adopt(withLines, snapshot)
    : await DataflowRuntime.start(withLines);
  started.add(runtime);
  return {
    runtime,
    lines,
    events: [],
    textOf: (node, stream = "stdout") =>
      lines.filter((l) => l.node === node && l.stream === stream).map((l) => l.text),
  };
}
