/**
 * The shapes of resource-limit enforcement: how a node's limits are enforced, the plan the
 * runtime follows when it spawns the node, and the JSON record kept in the daemon's state.
 */

/** How a node's limits are enforced (shown by `list <uuid>`). */
export type Enforcement = "cgroup v2" | "cgroup v1" | "systemd-run" | "none";

/** The limits we enforce. */
export type LimitKind = "memory" | "cpu";

/** A strategy as named by `DORA_CGROUP` (`auto`: try v2, v1, systemd in that order). */
export type Strategy = "v2" | "v1" | "systemd" | "none";

/** Stored form of a plan (JSON-safe, snake_case like the daemon's other records). */
export interface LimitRecord {
  enforcement: Enforcement;
  /** CPUs asked for, or null. */
  cpu: number | null;
  /** Bytes asked for, or null. */
  memory_bytes: number | null;
  /** Limits that were asked for but are not enforced. */
  unenforced: LimitKind[];
  /** Why some limit is not enforced, or null. */
  warning: string | null;
  /** Cgroup folders created for the node (one for v2, one per controller for v1). */
  groups: string[];
  /** The folder whose memory counters tell an OOM kill, or null. */
  memory_group: string | null;
  /** OOM kills counted in `memory_group` before the node started. */
  oom_baseline: number;
  /** The transient systemd scope, for systemd-run. */
  unit: string | null;
}

/** Memory figures of a node's cgroup. */
export interface LimitUsage {
  /** Bytes charged now (page cache included, as the limit counts it). */
  memoryBytes: number | null;
  /** Highest charge seen, where the kernel keeps it. */
  memoryPeakBytes: number | null;
  /** OOM kills in the group since the node started. */
  oomKills: number | null;
}

/** What the runtime does to run one node (one spawn) under its limits. */
export interface LimitPlan {
  enforcement: Enforcement;
  /** Limits asked for but not enforced (empty when all are, or none were asked). */
  unenforced: LimitKind[];
  /** Set when some limit is not enforced: log it and show it to the user. */
  warning?: string;
  /**
   * Shell commands to run in the node's `sh` before it `exec`s the program: they move the shell
   * (`$$`) into the node's cgroups so everything it becomes or starts is counted. They exit 125
   * with a message on stderr when that fails.
   */
  shellPrefix?: string;
  /** Words to put before the program's argv (systemd-run). */
  commandPrefix?: string[];
  /** Whether the kernel killed a process of the node for exceeding the memory limit. */
  wasOomKilled(): Promise<boolean>;
  /** Memory figures, where the enforcement keeps them. */
  usage(): Promise<LimitUsage>;
  /** Pids in the node's cgroups: every process of the node, even those that left its group. */
  members(): Promise<number[]>;
  /**
   * Removes what the plan created, after the node's processes are gone. Never throws; resolves
   * to a warning when something could not be removed.
   */
  cleanup(): Promise<string | undefined>;
  /** The stored form, for `restorePlan` after a supervisor restart. */
  record(): LimitRecord;
}
