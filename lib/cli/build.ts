/**
 * `dora build [FILE] [--uv] [--node ID] [--force]`: run each node's `build:` lines (see
 * lib/build/mod.ts). One line per node; on a terminal a spinner shows the running step.
 */
import process from "node:process";
import { yoctoSpinner } from "../../deps/spinner.ts";
import {
  buildDataflow,
  type BuildProgress,
  failureReport,
  type NodeOutcome,
  outcomeLine,
  progressText,
  selectNodes,
} from "../build/mod.ts";
import { loadDataflowOrThrow } from "../descriptor/mod.ts";
import { DoraError } from "../errors.ts";
import { colorEnabled, paint } from "../output/format.ts";

/** Flags of `dora build`. */
export interface BuildFlags {
  uv?: boolean;
  node?: string;
  force?: boolean;
}

const COLOURS: Record<NodeOutcome["status"], number> = {
  built: 32,
  failed: 31,
  skipped: 36,
  nothing: 2,
  "not-built": 2,
};

/**
 * Builds the dataflow's nodes and returns 0, or throws a `DoraError` (exit 1) naming the failed
 * node, its command, exit code and last output lines. An unknown `--node` exits 2.
 */
export async function build(file: string, flags: BuildFlags): Promise<number> {
  const dataflow = await loadDataflowOrThrow(file);
  selectNodes(dataflow, flags.node, file);
  const colour = colorEnabled();
  const result = await buildDataflow(dataflow, flags, reporter(colour));
  if (result.stampError !== undefined) {
    console.error(`Warning: ${result.stampError}; the next build will not skip anything`);
  }
  const failed = result.outcomes.find((o) => o.status === "failed");
  if (failed?.status !== "failed") return 0;
  const notBuilt = result.outcomes.filter((o) => o.status === "not-built").map((o) => o.id);
  const { message, details } = failureReport(failed, notBuilt);
  throw new DoraError(message, details);
}

/** Prints one line per finished node; with a terminal, a spinner while a node builds. */
function reporter(colour: boolean): BuildProgress {
  const interactive = Deno.stdout.isTerminal() && Deno.env.get("TERM") !== "dumb" &&
    terminalColumns() > 0;
  let spinner: ReturnType<typeof yoctoSpinner> | undefined;
  return {
    step(node, step, steps, line) {
      if (!interactive) return;
      const text = progressText(node, step, steps, line);
      if (spinner) spinner.text = text;
      else spinner = yoctoSpinner({ text, stream: process.stdout }).start();
    },
    done(outcome) {
      spinner?.stop();
      spinner = undefined;
      const line = outcomeLine(outcome);
      if (line !== undefined) console.log(paint(line, COLOURS[outcome.status], colour));
    },
  };
}

/** The terminal's width; 0 when unknown (the spinner would then erase lines forever). */
function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 0;
  }
}
