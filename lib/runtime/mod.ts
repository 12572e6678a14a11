/**
 * Process supervision: run a dataflow's nodes, each in its own session and process group, with
 * their output in per-node logs; stop them with a grace period; re-adopt them after the
 * supervisor itself died; hot reload of a running dataflow. Used by `dora run` and by the daemon.
 */
export { DataflowRuntime } from "./dataflow.ts";
export { HotReload, type HotReloadOptions, RELOAD_LOG_NODE } from "./hot_reload.ts";
export { HOT_RELOAD, type RestartWhy } from "./node.ts";
export { planReload, type ReloadPlan } from "./reload_plan.ts";
export { GroupSampler, type GroupUsage, sampleGroups } from "./metrics.ts";
export { policyRestartHook } from "./restart_hook.ts";
export type * from "./types.ts";
export type { DataPlane, DataPlaneOptions } from "./plane.ts";
