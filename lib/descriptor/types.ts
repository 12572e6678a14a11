/**
 * The resolved dataflow descriptor: what `parseDataflow` returns once a YAML file has passed
 * validation. Everything downstream (run, daemon, data plane, build) works from these types,
 * never from raw YAML.
 */
import type { LogLevel } from "../logs/levels.ts";

export type { LogLevel };

/** A position in the YAML file, 1-based. */
export interface Position {
  line: number;
  col: number;
}

/** One validation problem, printed as `file:line:col: message`. */
export interface Problem extends Position {
  file: string;
  message: string;
}

/** Where an input's messages come from. */
export type InputSource =
  | { kind: "node"; node: string; output: string }
  /** A timer; `intervalMs` is exact (hz/N becomes 1000/N). */
  | { kind: "timer"; intervalMs: number }
  /**
   * `dora/logs[/<level>[/<node>]]`: the log records of every other node (or of `node`), at
   * `minLevel` or above (every record, plain lines included, when absent).
   */
  | { kind: "logs"; minLevel?: LogLevel; node?: string };

/** What a full input queue does: drop its oldest message, or hold up to 10 × its size. */
export type QueuePolicy = "drop_oldest" | "backpressure";

/** One input of a node. */
export interface InputSpec {
  /** The source as written in the YAML, e.g. `camera/image` or `dora/timer/millis/50`. */
  raw: string;
  source: InputSource;
  /** Queue length; when full the oldest message is dropped (and counted). Default 10. */
  queueSize: number;
  /** Undefined: `drop_oldest`. */
  queuePolicy?: QueuePolicy;
  /** `input_timeout`: no message for this long closes the input until the next one. */
  timeoutMs?: number;
}

/** `never` (also written `no`), `on-failure`, `always`. */
export type RestartPolicy = "never" | "on-failure" | "always";

/** How a node is launched. */
export type NodeKind =
  /** An executable: absolute, relative to the YAML folder, or found on PATH. */
  | "executable"
  /** A `.py` file, run with `python3 -u`. */
  | "python"
  /** A `.ts`/`.js`/`.mjs`/`.tsx` file, run with Deno. */
  | "deno"
  /** `path: shell`: `args` is a shell command line run with `sh -c`. */
  | "shell"
  /** `path: dynamic`: not spawned; the user starts it and it connects by node id. */
  | "dynamic";

/** Per-node resource limits (issue: supervision). */
export interface ResourceLimits {
  /** CPUs, e.g. 2.0. */
  cpu?: number;
  /** Bytes. */
  memoryBytes?: number;
}

/** `max_restarts`, `restart_delay`, `max_restart_delay`, `restart_window` (dora's keys). */
export interface RestartSettings {
  /** Restarts allowed (within `windowMs` when set); 0 means unlimited. */
  maxRestarts?: number;
  /** First delay; doubled each attempt. */
  delayMs?: number;
  /** Cap of the doubling delay. */
  maxDelayMs?: number;
  /** The restart count starts over this long after the first restart of a window. */
  windowMs?: number;
}

/** `min_log_level`, `send_logs_as`, `max_log_size`, `max_rotated_files`. */
export interface LogSettings {
  /** Records below this level are dropped (not stored, shown or sent). */
  minLevel?: LogLevel;
  /** Structured records are also sent, as JSON text, on this output. */
  sendLogsAs?: string;
  /** The log file rotates past this size. */
  maxBytes?: number;
  /** Rotated files kept. */
  maxRotatedFiles?: number;
}

/** One node of a dataflow, fully resolved. */
export interface NodeSpec {
  id: string;
  /** The `path` value as written. */
  path: string;
  kind: NodeKind;
  /**
   * The program to execute: an absolute path for files next to the YAML, the bare name for
   * programs on PATH, `""` for shell/dynamic.
   */
  program: string;
  /** Arguments, already split (a string `args` is split like a POSIX shell splits words). */
  args: string[];
  /** Environment values, stringified, `$VAR`/`${VAR}` expanded at parse time. */
  env: Record<string, string>;
  /** Build commands, one per line, in order. */
  build: string[];
  inputs: Record<string, InputSpec>;
  outputs: string[];
  /** Undefined when the YAML did not say; the effective default is `never`. */
  restartPolicy?: RestartPolicy;
  /** Every stdout line is also sent as a string message on this output. */
  sendStdoutAs?: string;
  /** `deploy` / `_unstable_deploy`, kept for display; nodes always run on this machine. */
  deploy?: { machine?: string };
  limits?: ResourceLimits;
  /** dora's restart settings; unset ones fall back to the `DORA_RESTART_*` defaults. */
  restart?: RestartSettings;
  /** `health_check_timeout`: a connected node silent this long is killed. */
  healthCheckTimeoutMs?: number;
  /** `finish_grace_secs`: after STOP for closed inputs, it is killed once this has passed. */
  finishGraceMs?: number;
  logs?: LogSettings;
  /** `cpu_affinity`: the CPU cores its processes may run on. */
  cpuAffinity?: number[];
  /** `output_types` / `input_types`: type URNs (checked by `check`, kept for display). */
  outputTypes?: Record<string, string>;
  inputTypes?: Record<string, string>;
  /** Set when this process runs a Python operator (see _operators.ts). */
  operator?: OperatorSpec;
  /** Where the node is declared in the YAML (for messages about it later). */
  position: Position;
}

/**
 * A Python operator of an `operator:`/`operators:` node. Each operator runs in its own process
 * (`python3 -u -m dora._operator <source>`); a node with several operators becomes one process
 * per operator, with the id `<node>.<operator>`.
 */
export interface OperatorSpec {
  /** The node of the YAML file that declares the operator. */
  node: string;
  /** The operator's id (a single `operator:` without one gets the node's id). */
  id: string;
  /** Absolute path of the Python file defining `class Operator`. */
  source: string;
  /** `python: {source, conda_env}`: run with this conda environment's Python. */
  condaEnv?: string;
}

/** A validated dataflow. */
export interface Dataflow {
  /** Absolute path of the YAML file. */
  file: string;
  /** Absolute path of the folder holding it: nodes' working directory. */
  dir: string;
  nodes: NodeSpec[];
  /** `health_check_interval` (default 5 s). */
  healthCheckIntervalMs?: number;
  /**
   * `exit_when_nodes_finish`: a node whose inputs from other nodes have all closed gets STOP
   * even when it also has timer inputs (by default those keep it running).
   */
  exitWhenNodesFinish?: boolean;
  /** The file as plain data, modules expanded (as `dora expand` prints it), for nodes. */
  descriptor?: unknown;
}
