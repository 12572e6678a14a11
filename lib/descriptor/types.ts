/**
 * The resolved dataflow descriptor: what `parseDataflow` returns once a YAML file has passed
 * validation. Everything downstream (run, daemon, data plane, build) works from these types,
 * never from raw YAML.
 */

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
  | { kind: "timer"; intervalMs: number };

/** One input of a node. */
export interface InputSpec {
  /** The source as written in the YAML, e.g. `camera/image` or `dora/timer/millis/50`. */
  raw: string;
  source: InputSource;
  /** Queue length; when full the oldest message is dropped (and counted). Default 10. */
  queueSize: number;
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
  /** Set when this process runs a Python operator (see operators.ts). */
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
  /** The file's YAML as plain data, handed to nodes (`dataflow_descriptor()`). */
  descriptor?: unknown;
}
