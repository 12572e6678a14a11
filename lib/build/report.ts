/** What `dora build` prints: one line per node, and the failure report. Pure. */
import { CHECK } from "../output/format.ts";

/** How one node's build ended. */
export type NodeOutcome =
  | { id: string; status: "built"; ms: number }
  /** The node has no `build:` lines. */
  | { id: string; status: "nothing" }
  /** Inputs unchanged since the last successful build. */
  | { id: string; status: "skipped" }
  | { id: string; status: "failed"; ms: number; failure: BuildFailure }
  /** Not attempted because an earlier node failed. */
  | { id: string; status: "not-built" };

/** Why a node's build failed. */
export interface BuildFailure {
  /** The line that failed, as it ran (after `--uv`); absent when no line could run. */
  command?: string;
  /** Its exit code; absent when killed by a signal or never started. */
  code?: number;
  signal?: string;
  /** Why the node failed when no command ran or the command could not start. */
  reason?: string;
  /** What to do about it. */
  hint?: string;
  /** The last lines of the output (stdout and stderr). */
  tail: string[];
  /** The node's build log. */
  log: string;
}

/** `850ms`, `2.1s`, `42s`, `3m 05s`. */
export function formatBuildDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "0ms";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

/** The line printed for a finished node; undefined for nodes never attempted. */
export function outcomeLine(outcome: NodeOutcome): string | undefined {
  switch (outcome.status) {
    case "built":
      return `${CHECK} ${outcome.id} built (${formatBuildDuration(outcome.ms)})`;
    case "nothing":
      return `- ${outcome.id}: nothing to build`;
    case "skipped":
      return `= ${outcome.id}: up to date (skipped; --force rebuilds)`;
    case "failed":
      return `✗ ${outcome.id} failed (${formatBuildDuration(outcome.ms)})`;
    case "not-built":
      return undefined;
  }
}

/** The spinner text while a node builds: `camera: pip install ... (step 2/3)`. */
export function progressText(id: string, step: number, steps: number, line: string): string {
  const short = line.trim().length > 60 ? `${line.trim().slice(0, 57)}...` : line.trim();
  return steps > 1 ? `${id}: ${short} (step ${step}/${steps})` : `${id}: ${short}`;
}

/** The error message and detail lines for a failed node. */
export function failureReport(
  outcome: Extract<NodeOutcome, { status: "failed" }>,
  notBuilt: string[],
): { message: string; details: string[] } {
  const f = outcome.failure;
  const how = f.reason !== undefined
    ? f.reason
    : f.signal !== undefined
    ? `\`${f.command}\` was killed by ${f.signal}`
    : `\`${f.command}\` exited with code ${f.code}`;
  const details: string[] = [];
  if (f.tail.length > 0) {
    details.push(`Last output lines:`);
    for (const line of f.tail) details.push(`  | ${line}`);
  } else if (f.command !== undefined) {
    details.push("(the command printed nothing)");
  }
  if (f.hint !== undefined) details.push(f.hint);
  details.push(`Full output: ${f.log}`);
  if (notBuilt.length > 0) {
    details.push(`Not built because of this failure: ${notBuilt.join(", ")}`);
  }
  return { message: `Build of node '${outcome.id}' failed: ${how}`, details };
}
