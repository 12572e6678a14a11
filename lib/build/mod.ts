/**
 * `dora build`'s engine: runs each node's `build:` lines in YAML order, in the dataflow's folder
 * with the node's env, stopping at a node's first failing line and building no node after a
 * failed one. Nodes whose build inputs are unchanged since their last successful build are
 * skipped (see inputs.ts for what counts); `force` builds them anyway.
 *
 * Input digests are taken before any node builds, and stored again once the run ends for every
 * node that built or was up to date, so files one node's build writes never make another node
 * (or itself) rebuild next time.
 */
import { didYouMean } from "../descriptor/suggest.ts";
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";
import { errorMessage, UsageError } from "../errors.ts";
import { which } from "../runtime/command.ts";
import { effectiveLines } from "./commands.ts";
import { inputsDigest, ScanCache } from "./inputs.ts";
import type { BuildFailure, NodeOutcome } from "./report.ts";
import { BuildLog, runStep } from "./step.ts";
import { buildLogDir, readStamps, stampPath, writeStamps } from "./stamps.ts";

export type { BuildFailure, NodeOutcome } from "./report.ts";
export { failureReport, formatBuildDuration, outcomeLine, progressText } from "./report.ts";

/** Options of `dora build`. */
export interface BuildOptions {
  /** Run a leading `pip`/`pip3` as `uv pip`. */
  uv?: boolean;
  /** Build only this node. */
  node?: string;
  /** Build even when the inputs are unchanged. */
  force?: boolean;
}

/** Progress callbacks, for the spinner. */
export interface BuildProgress {
  /** A line of `node` starts: `step` counts from 1. */
  step?(node: string, step: number, steps: number, line: string): void;
  /** A node is done (built, skipped, failed, nothing to build). */
  done?(outcome: NodeOutcome): void;
}

/** The result of a build run. */
export interface BuildResult {
  /** Every selected node, in YAML order. */
  outcomes: NodeOutcome[];
  /** Where the build logs are. */
  logDir: string;
  /** Set when the stamps could not be saved (the next build will not skip). */
  stampError?: string;
}

/**
 * The nodes to build: all, or the one named by `--node`. An unknown id is a usage error (exit
 * 2) listing the ids; `label` names the file in that message.
 */
export function selectNodes(
  dataflow: Dataflow,
  id: string | undefined,
  label = dataflow.file,
): NodeSpec[] {
  if (id === undefined) return dataflow.nodes;
  const node = dataflow.nodes.find((n) => n.id === id);
  if (node) return [node];
  const ids = dataflow.nodes.map((n) => n.id);
  throw new UsageError(`No node '${id}' in ${label}${didYouMean(id, ids)}`, [
    `Nodes: ${ids.join(", ")}`,
  ]);
}

/** Builds the selected nodes; see the module comment. */
export async function buildDataflow(
  dataflow: Dataflow,
  opts: BuildOptions = {},
  progress: BuildProgress = {},
): Promise<BuildResult> {
  const uv = opts.uv ?? false;
  const nodes = selectNodes(dataflow, opts.node);
  const logDir = await buildLogDir(dataflow);
  const stampFile = await stampPath(dataflow.file);
  const stamps = await readStamps(stampFile, dataflow.file);

  const before = new ScanCache(dataflow);
  const digests = new Map<string, string | undefined>();
  for (const node of nodes) {
    if (node.build.length > 0) digests.set(node.id, await inputsDigest(node, uv, before));
  }

  const outcomes: NodeOutcome[] = [];
  let failed = false;
  for (const node of nodes) {
    let outcome: NodeOutcome;
    if (failed) {
      outcome = { id: node.id, status: "not-built" };
    } else if (node.build.length === 0) {
      outcome = { id: node.id, status: "nothing" };
    } else if (!opts.force && isUpToDate(digests.get(node.id), stamps.nodes[node.id]?.inputs)) {
      outcome = { id: node.id, status: "skipped" };
    } else {
      outcome = await buildNode(dataflow, node, uv, `${logDir}/${node.id}.log`, progress);
      failed = outcome.status === "failed";
    }
    outcomes.push(outcome);
    if (outcome.status !== "not-built") progress.done?.(outcome);
  }

  const after = new ScanCache(dataflow);
  const builtAt = new Date().toISOString();
  for (const outcome of outcomes) {
    const node = nodes.find((n) => n.id === outcome.id)!;
    if (outcome.status === "failed") delete stamps.nodes[node.id];
    if (outcome.status !== "built" && outcome.status !== "skipped") continue;
    const inputs = await inputsDigest(node, uv, after);
    if (inputs === undefined) delete stamps.nodes[node.id];
    else {
      const previous = stamps.nodes[node.id];
      const at = outcome.status === "skipped" && previous ? previous.builtAt : builtAt;
      stamps.nodes[node.id] = { inputs, builtAt: at };
    }
  }
  try {
    await writeStamps(stampFile, stamps);
    return { outcomes, logDir };
  } catch (err) {
    return { outcomes, logDir, stampError: `cannot save ${stampFile}: ${errorMessage(err)}` };
  }
}

function isUpToDate(current: string | undefined, stored: string | undefined): boolean {
  return current !== undefined && current === stored;
}

async function buildNode(
  dataflow: Dataflow,
  node: NodeSpec,
  uv: boolean,
  logPath: string,
  progress: BuildProgress,
): Promise<NodeOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const env = { ...Deno.env.toObject(), ...node.env };
  const lines = effectiveLines(node.build, uv);
  const log = await BuildLog.create(logPath);
  try {
    await log.write(
      `# dora build: node '${node.id}' of ${dataflow.file}, ${new Date().toISOString()}\n` +
        `# working directory: ${dataflow.dir}\n`,
    );
    const fail = (failure: Omit<BuildFailure, "log">): NodeOutcome => ({
      id: node.id,
      status: "failed",
      ms: elapsed(),
      failure: { ...failure, log: logPath },
    });

    // Only pip lines change under --uv: a changed line means uv is needed.
    const first = lines.findIndex((line, i) => line !== node.build[i]);
    if (first >= 0 && which("uv", env.PATH ?? "") === undefined) {
      const reason = `uv is not installed (no 'uv' on PATH), and --uv runs \`${
        node.build[first]!.trim()
      }\` as \`${lines[first]!.trim()}\``;
      await log.write(`${reason}\n`);
      const hint = "Install uv (https://docs.astral.sh/uv/), or build without --uv.";
      return fail({ reason, tail: [], hint });
    }

    for (const [i, line] of lines.entries()) {
      progress.step?.(node.id, i + 1, lines.length, line);
      await log.write(`\n$ ${line}\n`);
      const stepStarted = performance.now();
      const result = await runStep(line, { cwd: dataflow.dir, env, log });
      const took = ((performance.now() - stepStarted) / 1000).toFixed(1);
      const end = result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
      await log.write(`# ${end} after ${took}s\n`);
      if (result.spawnError !== undefined) {
        return fail({ command: line, reason: result.spawnError, tail: result.tail });
      }
      if (result.signal !== undefined) {
        return fail({ command: line, signal: result.signal, tail: result.tail });
      }
      if (result.code !== 0) return fail({ command: line, code: result.code, tail: result.tail });
    }
    return { id: node.id, status: "built", ms: elapsed() };
  } finally {
    await log.close();
  }
}
