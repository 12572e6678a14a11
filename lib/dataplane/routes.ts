/**
 * The broker's bookkeeping types (a node, one of its inputs as a route, a `dora/logs`
 * subscription) and the small rules about them: queue capacity by policy, how often input
 * timeouts are checked, which log records a subscription wants, which nodes the startup barrier
 * waits for. Pure.
 */
import type { InputSpec, LogLevel, NodeSpec } from "../descriptor/types.ts";
import { passesLevel } from "../logs/levels.ts";
import type { FrameConn } from "../../node/ts/conn.ts";
import type { EventQueue } from "./queue.ts";

/** `queue_policy: backpressure` holds this many times `queue_size` before dropping. */
export const BACKPRESSURE_FACTOR = 10;
/** Input timeouts are checked at least this often... */
export const DEFAULT_CHECK_MS = 5000;
/** ...and never more often than this. */
export const MIN_CHECK_MS = 20;

/** One subscriber of an output, timer or log stream: a node's input. */
export interface Route {
  node: NodeState;
  input: string;
  idBytes: Uint8Array;
  /** `input_timeout`. */
  timeoutMs?: number;
  /** When its last message arrived (undefined: none yet, the timeout is not armed). */
  last?: number;
  /** Closed by its timeout; the next message recovers it. */
  broken?: boolean;
  /** `queue_policy: backpressure` (a drop at its hard cap is reported). */
  backpressure?: boolean;
  warnedDrop?: boolean;
}

/** A `dora/logs[/<level>[/<node>]]` input. */
export interface LogRoute {
  route: Route;
  minLevel?: LogLevel;
  source?: string;
}

/** The broker's view of one node. */
export interface NodeState {
  spec: NodeSpec;
  token: string;
  conn: FrameConn | null;
  connectedOnce: boolean;
  /** Exited for good: its outputs are closed, nothing more is queued for it. */
  finished: boolean;
  queue: EventQueue;
  /** Inputs fed by nodes (not timers) that are still open. */
  openInputs: Set<string>;
  /** A READY is outstanding: the next events go out at once. */
  ready: boolean;
  welcomed: boolean;
  stopQueued: boolean;
  pendingErrors: number;
  /** The process exited but its connection is still being read (its last frames). */
  exiting?: { willRestart: boolean; timer: ReturnType<typeof setTimeout> };
  /** Outputs the node may send on (declared ones plus `send_stdout_as` / `send_logs_as`). */
  outputs: Set<string>;
  /** When it last sent a frame (ms since the epoch). */
  lastActivity: number;
  /** It has timer inputs (they never close). */
  hasTimers: boolean;
}

/** How many messages an input may hold: its `queue_size`, ten times that for backpressure. */
export function laneCapacity(input: InputSpec): number {
  return input.queuePolicy === "backpressure"
    ? input.queueSize * BACKPRESSURE_FACTOR
    : input.queueSize;
}

/** How often to check input timeouts: every `intervalMs`, or half the shortest timeout. */
export function timeoutCheckMs(timeouts: number[], intervalMs = DEFAULT_CHECK_MS): number {
  return Math.max(MIN_CHECK_MS, Math.min(intervalMs, Math.min(...timeouts) / 2));
}

/** Whether a `dora/logs` subscription wants a record of `nodeId` at `level`. */
export function logWanted(logs: LogRoute, nodeId: string, level: LogLevel): boolean {
  // A node never gets its own logs (that would feed back into itself).
  if (logs.route.node.spec.id === nodeId) return false;
  if (logs.source !== undefined && logs.source !== nodeId) return false;
  return logs.minLevel === undefined || passesLevel(level, logs.minLevel);
}

/** Whether the startup barrier waits for this node: it has inputs or real outputs. */
export function takesPart(spec: NodeSpec): boolean {
  if (Object.keys(spec.inputs).length > 0) return true;
  return spec.outputs.some((o) => o !== spec.sendStdoutAs && o !== spec.logs?.sendLogsAs);
}
