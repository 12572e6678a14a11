/**
 * Binds the daemon's `SupervisorFactory` seam to the process runtime (lib/runtime). Node
 * snapshots are stored in the registry as the runtime produces them; `toNodeInfo` turns them
 * into the API's shape.
 */
import type { NodeInfo } from "../api/types.ts";
import { errorMessage } from "../errors.ts";
import {
  DataflowRuntime,
  type DataflowSnapshot,
  type NodeSnapshot,
  type RuntimeOptions,
} from "../runtime/mod.ts";
import type { Logger } from "./logger.ts";
import type { DataflowRecord } from "./registry.ts";
import type { StopProgress, Supervised, SupervisorFactory } from "./supervised.ts";

/** A stored node snapshot in the API's shape (metrics left null). */
export function toNodeInfo(node: NodeSnapshot): NodeInfo {
  return {
    id: node.id,
    status: node.status,
    pid: node.status === "Running" || node.status === "Stopping" ? node.pid : null,
    restarts: node.restarts,
    exit_code: node.exit_code,
    signal: node.signal,
    started_at: node.started_at,
    ended_at: node.ended_at,
    cpu_percent: null,
    memory_bytes: null,
    reason: node.reason,
    inputs: {},
  };
}

/** The node infos stored in a registry record (for dataflows no runtime watches). */
export function storedNodeInfos(record: DataflowRecord): NodeInfo[] {
  const snapshot = record.runtime as Partial<DataflowSnapshot> | null;
  return Array.isArray(snapshot?.nodes) ? snapshot.nodes.map(toNodeInfo) : [];
}

function wrap(runtime: DataflowRuntime): Supervised {
  return {
    stop: (opts, progress) =>
      runtime.stop(opts, (e) => {
        let mapped: StopProgress | undefined;
        if (e.type === "stopped") mapped = { type: "node-stopped", node: e.node, killed: e.killed };
        else if (e.type === "not-responding") {
          mapped = { type: "not-responding", node: e.node, timeoutMs: e.waitedMs };
        } else if (e.type === "force-stopping") mapped = { type: "force-stopping", node: e.node };
        if (mapped) progress(mapped);
      }),
    finished: runtime.finished.then((result) => result.status),
    nodes: () => runtime.snapshot().nodes.map(toNodeInfo),
    snapshot: () => runtime.snapshot(),
    groups: () => runtime.groups(),
  };
}

function options(record: DataflowRecord, onChange: () => void, log: Logger): RuntimeOptions {
  return {
    uuid: record.uuid,
    name: record.name,
    dataflow: record.request.dataflow,
    logDir: record.log_dir,
    baseEnv: record.request.base_env,
    extraEnv: record.request.env,
    onChange,
    onWarning: (node, message) => log.warn(`${record.name}${node ? `/${node}` : ""}: ${message}`),
  };
}

/** The daemon's factory: real processes through `DataflowRuntime`. */
export function supervisorFactory(log: Logger): SupervisorFactory {
  return {
    async start(record, onChange) {
      const runtime = await DataflowRuntime.start(options(record, onChange, log));
      const failedNodes = runtime.snapshot().nodes
        .filter((n) => n.status === "Failed" && n.reason !== null && n.pid === null)
        .map((n) => ({ id: n.id, reason: n.reason! }));
      return { supervised: wrap(runtime), failedNodes };
    },
    async adopt(record, onChange) {
      const snapshot = record.runtime as DataflowSnapshot | null;
      if (!snapshot || !Array.isArray(snapshot.nodes)) {
        throw new Error("the registry holds no process information for it");
      }
      try {
        return wrap(await DataflowRuntime.adopt(options(record, onChange, log), snapshot));
      } catch (err) {
        throw new Error(`adoption failed: ${errorMessage(err)}`);
      }
    },
  };
}
