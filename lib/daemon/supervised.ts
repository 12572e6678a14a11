/**
 * What the daemon needs of a running dataflow. `bind.ts` implements it on top of the process
 * runtime (lib/runtime) and the data plane (lib/dataplane).
 */
import type { DataflowStatus, NodeInfo } from "../api/types.ts";
import type { DataflowRecord } from "./registry.ts";

/** Progress while stopping, in the runtime's terms. */
export type StopProgress =
  /** The stop reached a node that still runs. */
  | { type: "node-stopping"; node: string }
  | { type: "node-stopped"; node: string; killed: boolean }
  | { type: "not-responding"; node: string; timeoutMs: number }
  | { type: "force-stopping"; node: string };

/** A dataflow under the daemon's supervision. */
export interface Supervised {
  /** Stops every node (graceful ladder, or kill with `force`); resolves once all are gone. */
  stop(
    opts: { graceMs: number; force: boolean },
    progress: (e: StopProgress) => void,
  ): Promise<void>;
  /** Resolves when every node has exited, with the dataflow's final status. */
  finished: Promise<DataflowStatus>;
  /** Current node states, metrics left null (the daemon fills them in). */
  nodes(): NodeInfo[];
  /** JSON to store in the registry, enough for `adopt` after a daemon crash. */
  snapshot(): unknown;
  /** Process group id of each running node, for CPU/memory sampling. */
  groups(): Map<string, number>;
  /**
   * Restarts one node in place (a user's restart: logged and counted); resolves once it runs
   * again. `ended`: the node has already ended and cannot be taken back without the dataflow.
   */
  restartNode(id: string, opts: { graceMs: number }): Promise<"restarted" | "ended" | "unknown">;
  /** Stops one node, the rest running on; false for an unknown id. */
  stopNode(id: string, opts: { graceMs: number; force: boolean }): Promise<boolean>;
  /** The last lines a node wrote to stderr (at most 10), for failure reports. */
  stderrTail(node: string): string[];
  /** Whether any node process recorded for it still runs (same pid and start time). */
  hasLiveProcesses(): boolean;
}

/** Starts and re-adopts dataflows. */
export interface SupervisorFactory {
  /** Starts `record.request.dataflow`; nodes that fail to spawn are reported, not thrown. */
  start(
    record: DataflowRecord,
    onChange: () => void,
    /** A node asked to stop the whole dataflow (an operator's STOP_ALL). */
    onStopRequest?: () => void,
  ): Promise<{
    supervised: Supervised;
    failedNodes: { id: string; reason: string }[];
    /** Warnings about the whole start, e.g. limits that cannot be enforced. */
    warnings: string[];
  }>;
  /** Re-attaches to the nodes of `record` that still run (same pid and start time). */
  adopt(
    record: DataflowRecord,
    onChange: () => void,
    onStopRequest?: () => void,
  ): Promise<Supervised>;
}
