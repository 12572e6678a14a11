/**
 * Every key of dora 1.0's dataflow format (its `dora-schema.json` and YAML spec), where it may
 * appear and what dora for Deno does with it. One table: the checker takes its allowed keys and
 * its "not supported" messages from here, the "did you mean" hints search it, and the README's
 * schema section is generated from it (`schemaMarkdown`, checked by a test). Pure.
 */

/** Where a key is written. */
export type Place =
  /** The top level of a dataflow file. */
  | "dataflow"
  /** An entry of `nodes:`. */
  | "node"
  /** A node's `operator:`, or an entry of its `operators:`. */
  | "operator"
  /** The long form of an input (`{source, queue_size, ...}`). */
  | "input"
  /** `deploy:` of the dataflow or of a node. */
  | "deploy"
  /** The top level of a module file. */
  | "module-file"
  /** The `module:` header of a module file. */
  | "module";

/**
 * - `implemented`: behaves as dora documents it.
 * - `checked`: validated by `dora check` only; it changes nothing at run time (in dora either).
 * - `no-effect`: accepted, but it changes nothing here; `note` says why (shown by `check`).
 * - `unsupported`: reported as a problem; `note` says what to do instead.
 * - `elsewhere`: read by its own reader (`handler`), which reports its problems.
 */
export type KeyStatus = "implemented" | "checked" | "no-effect" | "unsupported" | "elsewhere";

/** One key of the format. */
export interface KeyInfo {
  place: Place;
  key: string;
  status: KeyStatus;
  /** What the key means, in a few words. */
  meaning: string;
  /** `no-effect`: why; `unsupported`: what to do instead; `elsewhere`: fallback message. */
  note?: string;
  /** `elsewhere`: the function that reads the key. */
  handler?: string;
  /** A key of dora for Deno, not of dora 1.0. */
  ours?: boolean;
  /** An older spelling dora still reads. */
  legacy?: boolean;
  /** A key a `module:` node takes too (the others belong on the module's inner nodes). */
  moduleNode?: boolean;
  /** `unsupported`: how its problem names the feature (default: the key, quoted). */
  subject?: string;
}

const SINGLE_MACHINE = "dora for Deno runs every node on this machine";
const OPERATOR_ALTERNATIVE = "write the operator in Python (python: my_operator.py), or build " +
  "it as an executable node and give its 'path'";
const OPERATOR_TYPES = "dora for Deno checks the type annotations of nodes, not yet those of " +
  "operators";

/** The table. Order: as a reader of the README would look for them. */
export const SCHEMA: readonly KeyInfo[] = [
  // --- the dataflow file ---
  { place: "dataflow", key: "nodes", status: "implemented", meaning: "the list of nodes" },
  {
    place: "dataflow",
    key: "env",
    status: "implemented",
    meaning: "environment for every node (a node's own `env` wins)",
  },
  {
    place: "dataflow",
    key: "health_check_interval",
    status: "implemented",
    meaning: "seconds between health and input-timeout checks (default 5)",
  },
  {
    place: "dataflow",
    key: "exit_when_nodes_finish",
    status: "implemented",
    meaning: "a node whose data inputs have all closed gets STOP even if it has timer inputs",
  },
  {
    place: "dataflow",
    key: "type_rules",
    status: "implemented",
    meaning: "extra `{from, to}` type compatibility rules for `output_types`/`input_types`",
  },
  {
    place: "dataflow",
    key: "strict_types",
    status: "checked",
    meaning: "type warnings become errors (here a type mismatch is always an error)",
  },
  {
    place: "dataflow",
    key: "deploy",
    status: "no-effect",
    meaning: "where nodes run (unstable in dora)",
    note: SINGLE_MACHINE,
  },
  {
    place: "dataflow",
    key: "_unstable_deploy",
    status: "no-effect",
    meaning: "older spelling of `deploy`",
    note: SINGLE_MACHINE,
    legacy: true,
  },
  {
    place: "dataflow",
    key: "debug",
    status: "no-effect",
    meaning: "debug options, e.g. `enable_debug_inspection`",
    note: "there are no debug topics to enable in dora for Deno",
  },
  {
    place: "dataflow",
    key: "_unstable_debug",
    status: "no-effect",
    meaning: "older spelling of `debug`",
    note: "there are no debug topics to enable in dora for Deno",
    legacy: true,
  },
  {
    place: "dataflow",
    key: "communication",
    status: "no-effect",
    meaning: "transport settings of older dora versions",
    note: "nodes always talk to the daemon over a local socket and shared memory",
    legacy: true,
  },

  // --- a node: identity and source ---
  { place: "node", key: "id", moduleNode: true, status: "implemented", meaning: "unique node id" },
  {
    place: "node",
    key: "name",
    moduleNode: true,
    status: "implemented",
    meaning: "display name (metadata)",
  },
  {
    place: "node",
    key: "description",
    moduleNode: true,
    status: "implemented",
    meaning: "description (metadata)",
  },
  {
    place: "node",
    key: "path",
    status: "implemented",
    meaning: "the program: `.py`, `.ts`/`.js`, an executable, `shell` or `dynamic`",
  },
  { place: "node", key: "args", status: "implemented", meaning: "arguments (a string or a list)" },
  {
    place: "node",
    key: "env",
    moduleNode: true,
    status: "implemented",
    meaning: "the node's environment",
  },
  {
    place: "node",
    key: "build",
    moduleNode: true,
    status: "implemented",
    meaning: "build commands (`dora build`)",
  },
  {
    place: "node",
    key: "module",
    moduleNode: true,
    status: "implemented",
    meaning: "a module file expanded into nodes (`dora expand` shows the result)",
  },
  {
    place: "node",
    key: "params",
    moduleNode: true,
    status: "implemented",
    meaning: "parameters of a `module`",
  },
  {
    place: "node",
    key: "path_sha256",
    status: "implemented",
    meaning: "SHA-256 the file at `path` must have (checked before it runs)",
  },
  {
    place: "node",
    key: "custom",
    status: "implemented",
    meaning: "older form `{source, args, envs, inputs, outputs}`",
    legacy: true,
  },
  {
    place: "node",
    key: "operator",
    status: "implemented",
    meaning: "a single operator, run as the node's process (Python only, see below)",
  },
  {
    place: "node",
    key: "operators",
    status: "implemented",
    meaning: "several operators; each runs as its own node `<node>.<operator>` (Python only)",
  },
  {
    place: "node",
    key: "git",
    status: "unsupported",
    meaning: "a git repository to clone and build",
    subject: "'git' sources",
    note: "clone the repository yourself (git clone, or a 'build' line) and point 'path' at " +
      "the program in the clone",
  },
  {
    place: "node",
    key: "branch",
    status: "elsewhere",
    meaning: "the branch of `git`",
    handler: "checkUnsupportedSources (lib/descriptor/_sources.ts)",
  },
  {
    place: "node",
    key: "tag",
    status: "elsewhere",
    meaning: "the tag of `git`",
    handler: "checkUnsupportedSources (lib/descriptor/_sources.ts)",
  },
  {
    place: "node",
    key: "rev",
    status: "elsewhere",
    meaning: "the commit of `git`",
    handler: "checkUnsupportedSources (lib/descriptor/_sources.ts)",
  },
  {
    place: "node",
    key: "hub",
    status: "unsupported",
    meaning: "a dora hub package",
    subject: "hub packages ('hub:')",
    note: "install the node yourself (e.g. 'build: pip install <package>') and point 'path' " +
      "at its program",
  },
  {
    place: "node",
    key: "ros2",
    status: "unsupported",
    meaning: "a declarative ROS 2 bridge",
    subject: "ROS 2 bridge nodes ('ros2:')",
    note: "write a Python node with 'path' that uses rclpy to publish or subscribe, and send " +
      "what it receives as outputs",
  },

  // --- a node: data ---
  {
    place: "node",
    key: "inputs",
    moduleNode: true,
    status: "implemented",
    meaning: "input id → source",
  },
  {
    place: "node",
    key: "outputs",
    moduleNode: true,
    status: "implemented",
    meaning: "the outputs it sends on",
  },
  {
    place: "node",
    key: "output_types",
    status: "implemented",
    meaning: "type URN per output; connected types must match (`check`)",
  },
  {
    place: "node",
    key: "input_types",
    status: "implemented",
    meaning: "expected type URN per input; connected types must match (`check`)",
  },
  {
    place: "node",
    key: "output_metadata",
    status: "checked",
    meaning: "metadata keys each output must carry (validated: outputs exist)",
  },
  {
    place: "node",
    key: "pattern",
    status: "checked",
    meaning: "`service-server`, `service-client`, `action-server` or `action-client`",
  },
  {
    place: "node",
    key: "output_framing",
    status: "no-effect",
    meaning: "`raw` or `arrow-ipc` per output",
    note: "every message already carries its value's type",
  },
  {
    place: "node",
    key: "shared_memory_pool_size",
    status: "no-effect",
    meaning: "size of a zenoh shared-memory pool",
    note: "large payloads use reused shared-memory files (see DORA_SHM_THRESHOLD)",
  },

  // --- a node: fault tolerance ---
  {
    place: "node",
    key: "restart_policy",
    status: "implemented",
    meaning: "`never` (or `no`), `on-failure`, `always`",
  },
  {
    place: "node",
    key: "max_restarts",
    status: "implemented",
    meaning: "restarts allowed (per `restart_window`); 0 = unlimited",
  },
  {
    place: "node",
    key: "restart_delay",
    status: "implemented",
    meaning: "first restart delay in seconds, doubled each attempt",
  },
  {
    place: "node",
    key: "max_restart_delay",
    status: "implemented",
    meaning: "cap of the doubling delay, seconds",
  },
  {
    place: "node",
    key: "restart_window",
    status: "implemented",
    meaning: "seconds after the first restart when the restart count starts over",
  },
  {
    place: "node",
    key: "health_check_timeout",
    status: "implemented",
    meaning: "a connected node silent this many seconds is killed (then its policy applies)",
  },
  {
    place: "node",
    key: "finish_grace_secs",
    status: "implemented",
    meaning: "seconds a node may run after STOP for closed inputs before it is killed",
  },

  // --- a node: logs ---
  {
    place: "node",
    key: "send_stdout_as",
    status: "implemented",
    meaning: "every stdout line also becomes a message on this output",
  },
  {
    place: "node",
    key: "send_logs_as",
    status: "implemented",
    meaning: "every structured log record becomes a JSON message on this output",
  },
  {
    place: "node",
    key: "min_log_level",
    status: "implemented",
    meaning: "records below it are dropped: `stdout` < `trace` < `debug` < `info` < `warn` < " +
      "`error`",
  },
  {
    place: "node",
    key: "max_log_size",
    status: "implemented",
    meaning: "the log file rotates at this size (`50MB`, `1GB`, bytes)",
  },
  {
    place: "node",
    key: "max_rotated_files",
    status: "implemented",
    meaning: "rotated log files kept (1-100, default 5)",
  },

  // --- a node: placement and resources ---
  {
    place: "node",
    key: "cpu_affinity",
    status: "implemented",
    meaning: "CPU cores the node's processes may run on (Linux)",
  },
  {
    place: "node",
    key: "cpu_limit",
    status: "implemented",
    meaning: "CPUs the node may use (cgroups)",
    ours: true,
  },
  {
    place: "node",
    key: "memory_limit",
    status: "implemented",
    meaning: "memory the node may use, e.g. `512M` (cgroups)",
    ours: true,
  },
  {
    place: "node",
    key: "deploy",
    moduleNode: true,
    status: "no-effect",
    meaning: "the machine a node runs on",
    note: SINGLE_MACHINE,
  },
  {
    place: "node",
    key: "_unstable_deploy",
    moduleNode: true,
    status: "no-effect",
    meaning: "older spelling of `deploy`",
    note: SINGLE_MACHINE,
    legacy: true,
  },

  // --- an operator (`operator:` or an entry of `operators:`) ---
  {
    place: "operator",
    key: "id",
    status: "implemented",
    meaning: "operator id (optional for `operator:`)",
  },
  { place: "operator", key: "name", status: "implemented", meaning: "display name (metadata)" },
  {
    place: "operator",
    key: "description",
    status: "implemented",
    meaning: "description (metadata)",
  },
  {
    place: "operator",
    key: "python",
    status: "implemented",
    meaning: "the Python file with `class Operator` (or `{source, conda_env}`)",
  },
  {
    place: "operator",
    key: "shared-library",
    status: "unsupported",
    meaning: "a compiled operator (C/C++/Rust)",
    subject: "shared-library operators",
    note: OPERATOR_ALTERNATIVE,
  },
  {
    place: "operator",
    key: "shared_library",
    status: "unsupported",
    meaning: "spelling of `shared-library` in dora's Python API",
    subject: "shared-library operators",
    note: OPERATOR_ALTERNATIVE,
    legacy: true,
  },
  {
    place: "operator",
    key: "wasm",
    status: "unsupported",
    meaning: "a WebAssembly operator (older dora versions)",
    subject: "WebAssembly operators",
    note: OPERATOR_ALTERNATIVE,
    legacy: true,
  },
  {
    place: "operator",
    key: "build",
    status: "implemented",
    meaning: "build commands (`dora build`)",
  },
  { place: "operator", key: "inputs", status: "implemented", meaning: "input id → source" },
  {
    place: "operator",
    key: "outputs",
    status: "implemented",
    meaning: "the outputs it sends on",
  },
  {
    place: "operator",
    key: "send_stdout_as",
    status: "implemented",
    meaning: "every stdout line also becomes a message on this output",
  },
  {
    place: "operator",
    key: "send_logs_as",
    status: "implemented",
    meaning: "every structured log record becomes a JSON message on this output",
  },
  {
    place: "operator",
    key: "min_log_level",
    status: "implemented",
    meaning: "records below it are dropped",
  },
  {
    place: "operator",
    key: "max_log_size",
    status: "implemented",
    meaning: "the log file rotates at this size",
  },
  {
    place: "operator",
    key: "max_rotated_files",
    status: "implemented",
    meaning: "rotated log files kept (1-100, default 5)",
  },
  {
    place: "operator",
    key: "output_metadata",
    status: "checked",
    meaning: "metadata keys each output must carry (validated: outputs exist)",
  },
  {
    place: "operator",
    key: "pattern",
    status: "checked",
    meaning: "`service-server`, `service-client`, `action-server` or `action-client`",
  },
  {
    place: "operator",
    key: "output_types",
    status: "no-effect",
    meaning: "type URN per output",
    note: OPERATOR_TYPES,
  },
  {
    place: "operator",
    key: "input_types",
    status: "no-effect",
    meaning: "expected type URN per input",
    note: OPERATOR_TYPES,
  },
  {
    place: "operator",
    key: "output_framing",
    status: "no-effect",
    meaning: "`raw` or `arrow-ipc` per output",
    note: "every message already carries its value's type",
  },

  // --- the long form of an input ---
  {
    place: "input",
    key: "source",
    status: "implemented",
    meaning: "`<node>/<output>` or built-in",
  },
  {
    place: "input",
    key: "queue_size",
    status: "implemented",
    meaning: "messages kept waiting (default 10)",
  },
  {
    place: "input",
    key: "queue_policy",
    status: "implemented",
    meaning: "`drop_oldest` (default) or `backpressure` (keeps up to 10 × queue_size)",
  },
  {
    place: "input",
    key: "input_timeout",
    status: "implemented",
    meaning: "seconds without a message before INPUT_CLOSED; the next message recovers it",
  },

  // --- deploy ---
  { place: "deploy", key: "machine", status: "no-effect", meaning: "target machine", note: "" },
  { place: "deploy", key: "working_dir", status: "no-effect", meaning: "its folder", note: "" },
  { place: "deploy", key: "labels", status: "no-effect", meaning: "scheduling labels", note: "" },
  {
    place: "deploy",
    key: "distribute",
    status: "no-effect",
    meaning: "how binaries get there",
    note: "",
  },

  // --- module files ---
  { place: "module-file", key: "module", status: "implemented", meaning: "the module's header" },
  { place: "module-file", key: "nodes", status: "implemented", meaning: "the module's nodes" },
  {
    place: "module-file",
    key: "build",
    status: "implemented",
    meaning: "runs before each inner node's own build",
  },
  { place: "module", key: "name", status: "implemented", meaning: "the module's name" },
  {
    place: "module",
    key: "inputs",
    status: "implemented",
    meaning: "required input ports (`_mod/<port>` inside)",
  },
  {
    place: "module",
    key: "inputs_optional",
    status: "implemented",
    meaning: "input ports that may stay unwired (their inputs are dropped)",
  },
  {
    place: "module",
    key: "outputs",
    status: "implemented",
    meaning: "outputs the parent sees as `<module node>/<output>`",
  },
];

/** The keys allowed at `place` (every key of the table, unsupported ones included). */
export function keysAt(place: Place): string[] {
  return SCHEMA.filter((k) => k.place === place).map((k) => k.key);
}

/** The node keys a `module:` node takes. */
export function moduleNodeKeys(): string[] {
  return SCHEMA.filter((k) => k.place === "node" && k.moduleNode).map((k) => k.key);
}

/** What the table says about `key` at `place`. */
export function keyInfo(place: Place, key: string): KeyInfo | undefined {
  return SCHEMA.find((k) => k.place === place && k.key === key);
}

/** The problem reported for an `unsupported` key (or an `elsewhere` key without its reader). */
export function unsupportedMessage(info: KeyInfo): string {
  const subject = info.subject ? `${info.subject} are` : `'${info.key}' is`;
  return `${subject} not supported by dora for Deno: ${info.note ?? "remove it"}`;
}

/** The note `check` prints for a `no-effect` key. */
export function noEffectMessage(info: KeyInfo): string {
  return `'${info.key}' has no effect here: ${info.note || SINGLE_MACHINE}`;
}

const STATUS_TEXT: Record<KeyStatus, string> = {
  implemented: "yes",
  checked: "checked by `check`",
  "no-effect": "accepted, no effect",
  unsupported: "not supported",
  elsewhere: "see below",
};

const PLACE_TITLE: Record<Place, string> = {
  dataflow: "top level",
  node: "node",
  operator: "operator",
  input: "input (long form)",
  deploy: "`deploy`",
  "module-file": "module file",
  module: "module header (`module:`)",
};

/**
 * The README's table of keys (between the `<!-- schema:begin -->` and `<!-- schema:end -->`
 * markers): one row per key, grouped by place.
 */
export function schemaMarkdown(): string {
  const rows = ["| where | key | meaning | here |", "| --- | --- | --- | --- |"];
  for (const info of SCHEMA) {
    const tags = [info.ours ? "ours" : "", info.legacy ? "older form" : ""].filter(Boolean);
    const key = `\`${info.key}\`${tags.length ? ` (${tags.join(", ")})` : ""}`;
    let here = STATUS_TEXT[info.status];
    if (info.status === "no-effect" && info.note) here += `: ${info.note}`;
    if (info.status === "unsupported") here += `: ${info.note}`;
    if (info.status === "elsewhere") here = "see below";
    rows.push(`| ${PLACE_TITLE[info.place]} | ${key} | ${info.meaning} | ${here} |`);
  }
  return rows.join("\n");
}
