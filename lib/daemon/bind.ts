/**
 * Binds the daemon's `SupervisorFactory` seam to the process runtime (lib/runtime). Node
 * snapshots are stored in the registry as the runtime produces them; `toNodeInfo` turns them
 * into the API's shape. A dataflow started with `hot_reload` gets a `HotReload` watcher (again
 * after adoption); a YAML change it applies is stored in `record.request.dataflow`, so that a
 * later adoption rebuilds the dataflow that runs.
 */
import type { NodeInfo } from "../api/types.ts";
import { runDir, settings } from "../config.ts";
import type { Dataflow } from "../descriptor/types.ts";
import { createDataPlane } from "../dataplane/mod.ts";
import { errorMessage } from "../errors.ts";
import { describeLimits, limitsLauncher } from "../limits/mod.ts";
import { isLive, readStat } from "../runtime/proc.ts";
import { policyRestartHook } from "../runtime/restart_hook.ts";
import {
  DataflowRuntime,
  type DataflowSnapshot,
  type DataPlane,
  HotReload,
  type NodeSnapshot,
  type RestartWhy,
  type RuntimeOptions,
} from "../runtime/mod.ts";
import type { BrokerTaps } from "../taps/broker_taps.ts";
import type { Logger } from "./logger.ts";
import type { DataflowRecord } from "./registry.ts";
import type { StopProgress, Supervised, SupervisorFactory } from "./supervised.ts";

/** A restart the user asked for (API, dashboard): the log says so and `restarts` counts it. */
const ASKED: RestartWhy = { reason: "user request", counted: true };

/** A stored node snapshot in the API's shape (metrics left null). */
export function toNodeInfo(node: NodeSnapshot, limits?: Record<string, string>): NodeInfo {
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
    next_restart_at: node.next_restart_at ?? null,
    limits: limits?.[node.id] ?? null,
  };
}

/** The node infos stored in a registry record (for dataflows no runtime watches). */
export function storedNodeInfos(record: DataflowRecord): NodeInfo[] {
  const snapshot = record.runtime as Partial<DataflowSnapshot> | null;
  return Array.isArray(snapshot?.nodes)
    ? snapshot.nodes.map((n) => toNodeInfo(n, record.limits))
    : [];
}

function wrap(
  runtime: DataflowRuntime,
  record: DataflowRecord,
  reload: HotReload | undefined,
  taps: BrokerTaps | undefined,
): Supervised {
  runtime.finished.finally(async () => {
    await reload?.close();
    await runtime.plane?.close();
    taps?.forget(record.uuid, `the dataflow has ended (${runtime.status})`);
    // The plane's socket lived there: once it is gone the folder is empty and goes too.
    await Deno.remove(stateDir(record)).catch(() => {});
  });
  return {
    stop: (opts, progress) =>
      runtime.stop(opts, (e) => {
        let mapped: StopProgress | undefined;
        if (e.type === "stopping") mapped = { type: "node-stopping", node: e.node };
        else if (e.type === "stopped") {
          mapped = { type: "node-stopped", node: e.node, killed: e.killed };
        } else if (e.type === "not-responding") {
          mapped = { type: "not-responding", node: e.node, timeoutMs: e.waitedMs };
        } else if (e.type === "force-stopping") mapped = { type: "force-stopping", node: e.node };
        if (mapped) progress(mapped);
      }),
    finished: runtime.finished.then((result) => result.status),
    nodes: () => {
      const stats = runtime.plane?.stats() ?? {};
      return runtime.snapshot().nodes.map((node) => ({
        ...toNodeInfo(node, record.limits),
        inputs: Object.fromEntries(
          Object.entries(stats[node.id] ?? {}).map(([id, s]) => [id, {
            received: s.received,
            dropped: s.dropped,
            queue_size: s.queueSize,
          }]),
        ),
      }));
    },
    snapshot: () => runtime.snapshot(),
    groups: () => runtime.groups(),
    restartNode: async (id, opts) => {
      const spec = runtime.dataflow.nodes.find((n) => n.id === id);
      if (!spec) return "unknown";
      const skipped = await runtime.restartNodes([spec], { graceMs: opts.graceMs, why: ASKED });
      return skipped.length > 0 ? "ended" : "restarted";
    },
    stopNode: (id, opts) => runtime.stopNode(id, opts),
    stderrTail: (node) => runtime.snapshot().nodes.find((n) => n.id === node)?.last_stderr ?? [],
    hasLiveProcesses: () =>
      runtime.snapshot().nodes.some((n) => {
        if (n.pid === null) return false;
        const stat = readStat(n.pid);
        return stat !== undefined && stat.startTime === n.start_time && isLive(stat);
      }),
  };
}

/** The dataflow's private folder: output FIFOs and the data plane's socket. */
function stateDir(record: DataflowRecord): string {
  return `${runDir()}/${record.uuid}`;
}

async function makePlane(
  record: DataflowRecord,
  log: Logger,
  taps: BrokerTaps | undefined,
  dataflow: Dataflow = record.request.dataflow,
  onStopRequest?: () => void,
): Promise<DataPlane> {
  await Deno.mkdir(stateDir(record), { recursive: true, mode: 0o700 });
  return await createDataPlane({
    dataflowId: record.uuid,
    nodes: dataflow.nodes,
    socketDir: stateDir(record),
    descriptor: dataflow.descriptor,
    onWarning: (node, message) => log.warn(`${record.name}${node ? `/${node}` : ""}: ${message}`),
    checkIntervalMs: dataflow.healthCheckIntervalMs,
    exitWhenNodesFinish: dataflow.exitWhenNodesFinish,
    hook: taps?.hook(record.uuid),
    params: (id) => record.request.params?.[id],
    onStopRequest: onStopRequest && (() => onStopRequest()),
  });
}

function options(
  record: DataflowRecord,
  plane: DataPlane,
  onChange: () => void,
  log: Logger,
  warnings: string[] = [],
): RuntimeOptions {
  const req = record.request;
  return {
    restart: policyRestartHook(req.restart_policy, "--restart-policy"),
    launcher: limitsLauncher(record.uuid, { cpu: req.cpu_limit, memoryBytes: req.memory_limit }, {
      onPlan: (node, limits, plan) => {
        const text = describeLimits(limits, plan);
        if (text !== "-") (record.limits ??= {})[node.id] = text;
        if (plan.warning && !warnings.includes(plan.warning)) warnings.push(plan.warning);
      },
      onWarning: (node, message) => log.warn(`${record.name}/${node.id}: ${message}`),
    }),
    uuid: record.uuid,
    stateDir: stateDir(record),
    plane,
    name: record.name,
    dataflow: record.request.dataflow,
    logDir: record.log_dir,
    baseEnv: record.request.base_env,
    extraEnv: record.request.env,
    onChange,
    onWarning: (node, message) => log.warn(`${record.name}${node ? `/${node}` : ""}: ${message}`),
  };
}

/**
 * Starts hot reload for a dataflow that asked for it. A folder that cannot be watched turns
 * it off (`record.request.hot_reload = false`) with a warning starting "Hot reload disabled".
 */
function startReload(
  runtime: DataflowRuntime,
  record: DataflowRecord,
  log: Logger,
  onChange: () => void,
  warnings: string[],
  taps: BrokerTaps | undefined,
  onStopRequest?: () => void,
): HotReload | undefined {
  const req = record.request;
  if (!req.hot_reload) return undefined;
  try {
    return HotReload.start({
      runtime,
      patterns: req.watch && req.watch.length > 0 ? req.watch : undefined,
      graceMs: settings.stopTimeoutMs(),
      parseEnv: req.base_env,
      swapPlane: async (old, next) => {
        await old?.close();
        // Stored first: an adoption after a crash must rebuild the dataflow that runs.
        req.dataflow = next;
        onChange();
        return await makePlane(record, log, taps, next, onStopRequest);
      },
      report: (line, error) => {
        if (error) log.warn(`${record.name}: ${line}`);
        else log.info(`${record.name}: ${line}`);
      },
      onApplied: (dataflow) => {
        req.dataflow = dataflow;
        onChange();
      },
    });
  } catch (err) {
    req.hot_reload = false;
    const warning = `Hot reload disabled: ${errorMessage(err)}`;
    warnings.push(warning);
    log.warn(`${record.name}: ${warning}`);
    return undefined;
  }
}

/**
 * The daemon's factory: real processes through `DataflowRuntime`. `taps` (lib/taps) gets a hook
 * into each dataflow's data plane.
 */
export function supervisorFactory(log: Logger, taps?: BrokerTaps): SupervisorFactory {
  return {
    async start(record, onChange, onStopRequest) {
      const warnings: string[] = [];
      const plane = await makePlane(record, log, taps, undefined, onStopRequest);
      let runtime: DataflowRuntime;
      try {
        runtime = await DataflowRuntime.start(options(record, plane, onChange, log, warnings));
      } catch (err) {
        await plane.close();
        taps?.forget(record.uuid);
        throw err;
      }
      const failedNodes = runtime.snapshot().nodes
        .filter((n) => n.status === "Failed" && n.reason !== null && n.pid === null)
        .map((n) => ({ id: n.id, reason: n.reason! }));
      const reload = startReload(runtime, record, log, onChange, warnings, taps, onStopRequest);
      return { supervised: wrap(runtime, record, reload, taps), failedNodes, warnings };
    },
    async adopt(record, onChange, onStopRequest) {
      const snapshot = record.runtime as DataflowSnapshot | null;
      if (!snapshot || !Array.isArray(snapshot.nodes)) {
        throw new Error("the registry holds no process information for it");
      }
      const plane = await makePlane(record, log, taps, undefined, onStopRequest);
      try {
        const runtime = await DataflowRuntime.adopt(
          options(record, plane, onChange, log),
          snapshot,
        );
        const reload = startReload(runtime, record, log, onChange, [], taps, onStopRequest);
        return wrap(runtime, record, reload, taps);
      } catch (err) {
        await plane.close();
        taps?.forget(record.uuid);
        throw new Error(`adoption failed: ${errorMessage(err)}`);
      }
    },
  };
}
