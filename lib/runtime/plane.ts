/**
 * The seam between process supervision (lib/runtime) and message routing (lib/dataplane).
 * The runtime owns processes; the data plane owns sockets, queues, timers and events. The
 * runtime tells the plane about process lifecycle; the plane tells the runtime nothing except
 * through the callbacks given at creation.
 */
import type { NodeSpec } from "../descriptor/types.ts";
import type { LogRecord } from "../logs/format.ts";

/** Per-input counters shown by `list <uuid>` and `--json`. */
export interface InputStats {
  /** Messages delivered to the node. */
  received: number;
  /** Messages dropped because the input's queue was full. */
  dropped: number;
  queueSize: number;
}

/** What the runtime needs from the data plane. */
export interface DataPlane {
  /**
   * Environment variables to add for a node's process: its config (`DORA_NODE_CONFIG`) and a
   * `PYTHONPATH` that makes `from dora import Node` work (built from `baseEnv.PYTHONPATH`).
   * `restarts`: how many times the restart policy has restarted the node so far (the node's
   * `restart_count()`).
   */
  nodeEnv(
    nodeId: string,
    baseEnv: Record<string, string>,
    restarts?: number,
  ): Record<string, string>;
  /** The node's process was spawned (again, after a restart); it may (re)connect. */
  nodeSpawned(nodeId: string): void;
  /**
   * The node's process has exited. Unless `willRestart`, every input it fed gets INPUT_CLOSED
   * (and nodes whose inputs are all closed get STOP). With `willRestart`, consumers keep waiting.
   */
  nodeExited(nodeId: string, willRestart: boolean): void;
  /** Whether the node currently holds a data-plane connection. */
  isConnected(nodeId: string): boolean;
  /** Sends STOP to every connected node; returns the ids that were sent it. */
  stopAll(): Set<string>;
  /**
   * Optional: sends STOP to one connected node (a hot reload restarting it); returns whether
   * it was sent. Without it, such a node gets SIGTERM.
   */
  stopNode?(nodeId: string): boolean;
  /** A stdout line of a node that has `send_stdout_as`: sent as a string on that output. */
  stdoutLine(nodeId: string, line: string): void;
  /**
   * Optional: a log record of a node (past its `min_log_level`): structured ones go to its
   * `send_logs_as` output, every one to the `dora/logs` inputs that want it.
   */
  logRecord?(nodeId: string, record: LogRecord): void;
  /**
   * Optional: when the node last talked to the data plane (ms since the epoch; now while it
   * waits for events), or undefined when it is not connected. For `health_check_timeout`.
   */
  lastActivity?(nodeId: string): number | undefined;
  /**
   * Optional: whether every input of the node that other nodes feed has closed for good
   * (a restart would only get STOP). False for a node without such inputs.
   */
  inputsDone?(nodeId: string): boolean;
  /** Optional: tells `listener` about events the runtime acts on. */
  watch?(listener: PlaneListener): void;
  /** Per node, per input counters. */
  stats(): Record<string, Record<string, InputStats>>;
  /** Closes every connection and the listening socket; removes the socket file. */
  close(): Promise<void>;
}

/** What the data plane tells the runtime. */
export interface PlaneListener {
  /** The node got STOP because its inputs closed (for `finish_grace_secs`). */
  inputsClosed(nodeId: string): void;
  /**
   * Something the user should know about one node (an input timed out, a backpressure queue
   * overflowed): the runtime writes it to the node's log and warns. Without a listener the plane
   * gives it to `onWarning`.
   */
  nodeWarning(nodeId: string, message: string): void;
}

/** How a data plane is created for one dataflow run. */
export interface DataPlaneOptions {
  dataflowId: string;
  nodes: NodeSpec[];
  /** A private (mode 700) folder where the plane may create its socket. */
  socketDir: string;
  /** A warning about a node (e.g. it never connected): shown to the user and logged. */
  onWarning: (nodeId: string | undefined, message: string) => void;
  /** How often input timeouts are checked (`health_check_interval`, default 5 s). */
  checkIntervalMs?: number;
  /** `exit_when_nodes_finish`: timer inputs do not keep a node whose data inputs closed. */
  exitWhenNodesFinish?: boolean;
  /** The parsed dataflow file, handed to nodes (`dataflow_descriptor()`). */
  descriptor?: unknown;
  /**
   * A node asked to stop the whole dataflow (a Python operator returned `STOP_ALL`): the owner
   * stops it as a user's stop would. Without it the request is ignored with a warning.
   */
  onStopRequest?: (nodeId: string) => void;
}
