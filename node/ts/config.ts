/**
 * The node configuration dora hands a node process in `DORA_NODE_CONFIG` (docs/protocol.md,
 * "Node configuration"), or, for a node started by hand (`path: dynamic`), in a file under
 * `$DORA_HOME/run/dynamic/`.
 */
import { PROTOCOL_VERSION } from "./frames.ts";

/** One input as the node sees it. */
export interface InputConfig {
  /** Where it comes from, as written in the dataflow (`camera/image`, `dora/timer/millis/50`). */
  source: string;
  queue_size: number;
}

/** The JSON in `DORA_NODE_CONFIG`. */
export interface NodeConfig {
  protocol: number;
  dataflow_id: string;
  node_id: string;
  /** Absolute path of the daemon's Unix socket for this dataflow. */
  socket: string;
  /** Secret the node presents in HELLO, so one node cannot pass for another. */
  token: string;
  inputs: Record<string, InputConfig>;
  outputs: string[];
  /** Private shared-memory folder for large payloads, or null when there is none. */
  shm_dir: string | null;
  /** Payloads of at least this many bytes go through `shm_dir`. */
  shm_threshold: number;
  /** The parsed dataflow file (absent when it travels in `descriptor_file`). */
  descriptor?: unknown;
  /** A file holding the descriptor as JSON, for descriptors too large for the environment. */
  descriptor_file?: string;
  /** This node's entry of the descriptor's `nodes` list. */
  node_config?: Record<string, unknown>;
  /** How many times the node has been restarted by its restart policy (0: first run). */
  restart_count?: number;
  /** The node's runtime parameters when it was started (`dora param set`); absent: none. */
  params?: Record<string, unknown>;
}

/** Where the daemon writes the config of dynamic node `nodeId`. */
export function dynamicConfigPath(nodeId: string, env: (name: string) => string | undefined) {
  const home = env("DORA_HOME") || `${env("HOME") ?? "/tmp"}/.dora`;
  return `${home}/run/dynamic/${nodeId}.json`;
}

/** Parses and checks a config document; throws an Error saying what is wrong. */
export function parseConfig(text: string, origin: string): NodeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${origin} is not valid JSON: ${(err as Error).message}`);
  }
  const c = raw as Partial<NodeConfig>;
  if (typeof c !== "object" || c === null) throw new Error(`${origin} is not a JSON object`);
  if (c.protocol !== PROTOCOL_VERSION) {
    throw new Error(
      `${origin} uses protocol version ${c.protocol}, this node library speaks ${PROTOCOL_VERSION}`,
    );
  }
  for (const key of ["dataflow_id", "node_id", "socket", "token"] as const) {
    if (typeof c[key] !== "string") throw new Error(`${origin} lacks '${key}'`);
  }
  if (typeof c.inputs !== "object" || c.inputs === null || !Array.isArray(c.outputs)) {
    throw new Error(`${origin} lacks 'inputs' or 'outputs'`);
  }
  return {
    ...c,
    shm_dir: c.shm_dir ?? null,
    shm_threshold: c.shm_threshold ?? Infinity,
  } as NodeConfig;
}

/** The config of this process (or of dynamic node `nodeId`). */
export async function readConfig(nodeId?: string): Promise<NodeConfig> {
  const env = (name: string) => Deno.env.get(name);
  const text = env("DORA_NODE_CONFIG");
  if (text) {
    const config = parseConfig(text, "DORA_NODE_CONFIG");
    if (nodeId !== undefined && nodeId !== config.node_id) {
      throw new Error(`this process is node '${config.node_id}', not '${nodeId}'`);
    }
    return config;
  }
  if (nodeId === undefined) {
    throw new Error(
      "DORA_NODE_CONFIG is not set: start this node through dora (`dora run dataflow.yml`), " +
        "or, for a node declared with `path: dynamic`, pass its id: Node.init({ nodeId })",
    );
  }
  const path = dynamicConfigPath(nodeId, env);
  let fileText: string;
  try {
    fileText = await Deno.readTextFile(path);
  } catch {
    throw new Error(
      `no running dataflow has a dynamic node '${nodeId}' (${path} not found); ` +
        "start the dataflow first",
    );
  }
  return parseConfig(fileText, path);
}
