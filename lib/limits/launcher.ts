/**
 * Resource limits as the runtime's `launcher`: before each spawn of a node, plan its limits and
 * wrap its argv; once its processes are gone, say whether the memory limit killed it and
 * remove its groups.
 */
import type { NodeSpec, ResourceLimits } from "../descriptor/types.ts";
import { formatBytes } from "../output/format.ts";
import type { Launch } from "../runtime/types.ts";
import { planLimits, type PlanOptions, wrapArgv } from "./plan.ts";
import type { LimitPlan } from "./types.ts";

/** Options of `limitsLauncher`. */
export interface LauncherOptions extends PlanOptions {
  /** Every plan made, e.g. for `list <uuid>` (`describeLimits(limits, plan)`) and the state file. */
  onPlan?: (node: NodeSpec, limits: ResourceLimits | undefined, plan: LimitPlan) => void;
  /** A group that could not be removed after the node ended. */
  onWarning?: (node: NodeSpec, message: string) => void;
}

/**
 * A node's limits: its own (`cpu_limit`, `memory_limit`), and for what it does not set, the
 * dataflow's (`start --cpu-limit/--memory-limit`).
 */
export function nodeLimits(
  node: NodeSpec,
  defaults: ResourceLimits = {},
): ResourceLimits | undefined {
  const merged: ResourceLimits = {};
  const cpu = node.limits?.cpu ?? defaults.cpu;
  const memoryBytes = node.limits?.memoryBytes ?? defaults.memoryBytes;
  if (cpu !== undefined) merged.cpu = cpu;
  if (memoryBytes !== undefined) merged.memoryBytes = memoryBytes;
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** What the node's reason says after the memory limit killed it. */
export function oomNote(limits: ResourceLimits | undefined): string {
  const limit = limits?.memoryBytes;
  return `OOM-killed: the node exceeded its memory limit${
    limit === undefined ? "" : ` (${formatBytes(limit)})`
  }`;
}

/**
 * The launcher for `RuntimeOptions.launcher` of dataflow `uuid`. Nodes without limits run
 * unchanged. Throws `UsageError` (at the first spawn with limits) for a bad `DORA_CGROUP`.
 */
export function limitsLauncher(
  uuid: string,
  defaults: ResourceLimits = {},
  options: LauncherOptions = {},
): (node: NodeSpec, argv: string[]) => Promise<Launch> {
  return async (node, argv) => {
    const limits = nodeLimits(node, defaults);
    const plan = await planLimits({ dataflow: uuid, node: node.id }, limits, options);
    options.onPlan?.(node, limits, plan);
    const launch: Launch = {
      argv: wrapArgv(plan, argv, node.id),
      ended: async () => {
        const oom = await plan.wasOomKilled();
        const problem = await plan.cleanup();
        if (problem) options.onWarning?.(node, problem);
        return oom ? oomNote(limits) : undefined;
      },
    };
    if (plan.warning) launch.warning = plan.warning;
    return launch;
  };
}
