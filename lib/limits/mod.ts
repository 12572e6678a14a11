/**
 * Resource limits for nodes (`cpu_limit`, `memory_limit`, `start --cpu-limit/--memory-limit`),
 * enforced with cgroup v2, cgroup v1 or systemd-run, whichever this machine offers
 * (`DORA_CGROUP` forces one), else not at all with a warning saying why.
 *
 * The runtime uses `limitsLauncher` as its `launcher`. By hand, per spawn: `plan = await
 * planLimits(...)`, spawn `wrapArgv(plan, argv, id)`, and once the node's processes are gone
 * `await plan.wasOomKilled()` then `await plan.cleanup()`.
 */
export { cgroupOverride, JOIN_FAILED_EXIT, planLimits, restorePlan, wrapArgv } from "./plan.ts";
export type { LimitKey, PlanOptions } from "./plan.ts";
export { type LauncherOptions, limitsLauncher, nodeLimits, oomNote } from "./launcher.ts";
export { describeLimits, formatCpus, limitKinds } from "./describe.ts";
export { parseCgroupOverride } from "./choose.ts";
export type {
  Enforcement,
  LimitKind,
  LimitPlan,
  LimitRecord,
  LimitUsage,
  Strategy,
} from "./types.ts";
