/**
 * The runtime's public shapes: options, node and dataflow snapshots (stored by the daemon and
 * given back to `adopt`), stop progress and the final result. Snapshot fields are snake_case
 * because they are stored as JSON and mirror the API's node listing.
 */
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";
import type { LogRecord, LogStream } from "../logs/format.ts";
import type { DataPlane } from "./plane.ts";

/**
 * A node's state. `Pending`: not started (dynamic nodes stay here while the dataflow runs);
 * `Unknown`: it ended while no supervisor watched it, exit code unknown.
 */
export type NodeStatus =
  | "Pending"
  | "Running"
  | "Restarting"
  | "Stopping"
  | "Succeeded"
  | "Failed"
  | "Stopped"
  | "Unknown";

/** A dataflow's state. */
export type DataflowStatus = "Running" | "Stopping" | "Succeeded" | "Failed" | "Stopped";

/** One node, as stored and as reported. */
export interface NodeSnapshot {
  id: string;
  status: NodeStatus;
  /** The node's process; also its process group and session id. */
  pid: number | null;
  /** Field 22 of /proc/PID/stat: with the pid, identifies the process across pid reuse. */
  start_time: number | null;
  restarts: number;
  exit_code: number | null;
  /** `SIGKILL`... when a signal ended it. */
  signal: string | null;
  started_at: string | null;
  ended_at: string | null;
  /** Why it failed to start, or how it was lost. */
  reason: string | null;
  /** The last lines it wrote to stderr (at most 10). */
  last_stderr: string[];
  /** When status is `Restarting`: the ISO time of the next start. */
  next_restart_at?: string | null;
}

/** A dataflow, as stored by the daemon; enough to `adopt` it after a crash. */
export interface DataflowSnapshot {
  uuid: string;
  name: string;
  status: DataflowStatus;
  started_at: string;
  ended_at: string | null;
  /** The user asked for a stop (an adopting supervisor should finish it). */
  stop_requested: boolean;
  /** Private folder holding the nodes' output FIFOs. */
  state_dir: string;
  nodes: NodeSnapshot[];
}

/** What a finished dataflow reports. */
export interface DataflowResult {
  /** `Failed` when a node failed (before any stop), `Stopped` after a user's stop. */
  status: "Succeeded" | "Failed" | "Stopped";
  nodes: NodeSnapshot[];
}

/** Progress of `stop`, one event per node and step. */
export type StopEvent =
  | { type: "stopping"; node: string }
  /** The node's whole process group is gone; `killed` when it took SIGKILL. */
  | { type: "stopped"; node: string; killed: boolean }
  | { type: "not-responding"; node: string; waitedMs: number }
  | { type: "force-stopping"; node: string };

/** How a stop proceeds. */
export interface StopOptions {
  /** Time between the polite request and SIGKILL (default `settings.stopTimeoutMs()`). */
  graceMs?: number;
  /** SIGKILL at once. */
  force?: boolean;
}

/** How a node's main process ended: a code, or a signal (both null: unknown). */
export interface NodeExit {
  code: number | null;
  signal: string | null;
}

/**
 * What to do after a node ended on its own (never asked after a user's stop): start it again
 * in `restartInMs`, give up (the node ends `Failed` with the reason), or nothing (it ends as its
 * exit says). `run` times are ms since the epoch.
 */
export type RestartHook = (
  node: NodeSpec,
  exit: NodeExit,
  run: { startedAt: number; endedAt: number },
) => { restartInMs: number } | { giveUp: string } | undefined;

/** How one spawn of a node is launched (see `RuntimeOptions.launcher`). */
export interface Launch {
  /** The argv to execute instead; it must `exec` the node in the end (the pid stays). */
  argv: string[];
  /** Shown and logged once for this spawn (e.g. a limit that cannot be enforced). */
  warning?: string;
  /**
   * Called once the node's processes are gone (or it did not start); may say how it ended,
   * e.g. "killed by the memory limit (OOM)": that becomes the node's reason.
   */
  ended?: () => Promise<string | undefined>;
}

/** Everything a runtime needs to run (or adopt) one dataflow. */
export interface RuntimeOptions {
  uuid: string;
  name: string;
  dataflow: Dataflow;
  /** This dataflow's log folder (`~/.dora/logs/<uuid>`). */
  logDir: string;
  /**
   * Private folder (created mode 700) for the output FIFOs; it must stay the same for `adopt`.
   * Default `runDir()/<uuid>`.
   */
  stateDir?: string;
  /** The environment nodes start from (default: this process's). */
  baseEnv?: Record<string, string>;
  /** `start --env K=V`, applied over each node's own env. */
  extraEnv?: Record<string, string>;
  plane?: DataPlane;
  /**
   * Every record kept of a node's output (and every `dora` lifecycle line) as it is read:
   * `text` is the line, or a structured record's message; `record` has its level and fields.
   */
  onLine?: (node: string, stream: LogStream, text: string, time: number, record: LogRecord) => void;
  /** Any node state change (the daemon persists its registry on it). */
  onChange?: () => void;
  /** Problems of the supervisor itself (log file unwritable...). Default: stderr. */
  onWarning?: (node: string | undefined, message: string) => void;
  /** Restart policies plug in here; without it no node is restarted. */
  restart?: RestartHook;
  /** `run --uv`: this `uv` runs Python nodes (`uv run python -u script`). */
  uv?: string;
  /** Resource limits plug in here: called before every spawn of a node, with its argv. */
  launcher?: (node: NodeSpec, argv: string[]) => Promise<Launch>;
}
