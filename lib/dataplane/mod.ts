/**
 * The data plane of one dataflow: a Unix socket the nodes connect to, and the broker that
 * routes their messages. Implements the `DataPlane` seam the process runtime drives
 * (lib/runtime/plane.ts). The wire protocol is documented in docs/protocol.md.
 */
import type { DataPlane, DataPlaneOptions, InputStats } from "../runtime/plane.ts";
import { runDir, settings } from "../config.ts";
import { errorMessage } from "../errors.ts";
import { FrameConn } from "../../node/ts/conn.ts";
import { decodeText, encodeMessage, Frame, nowNs, PROTOCOL_VERSION } from "../../node/ts/frames.ts";

import { Kind } from "../../node/ts/values.ts";
import type { NodeConfig } from "../../node/ts/config.ts";
import { recordLevel } from "../logs/format.ts";
import { logMessage } from "../logs/structured.ts";
import { Broker, type NodeState } from "./broker.ts";
import type { PlaneHook, PlanePort } from "./hook.ts";
import { prepareShm, prepareSocket } from "./paths.ts";
import { pythonLibDir } from "./pythonlib.ts";
import { SharedFiles } from "./shared_files.ts";

export { pythonLibDir } from "./pythonlib.ts";
export type { PlaneHook, PlaneInput, PlaneNode, PlanePort, PlaneSnapshot } from "./hook.ts";

/** A connection must say HELLO within this time. */
const HELLO_TIMEOUT_MS = 10_000;
/**
 * A descriptor larger than this travels in a file instead of DORA_NODE_CONFIG: one environment
 * variable may hold at most 128 KiB on Linux, and every node's config repeats it.
 */
const INLINE_DESCRIPTOR_MAX = 32 * 1024;

const encoder = new TextEncoder();

function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares secrets in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** What inspection (lib/taps) adds to a data plane's options. */
export interface InspectOptions {
  /** Told of routed messages while someone taps them; gets the plane's `PlanePort`. */
  hook?: PlaneHook;
  /** A node's runtime parameters now, put in its config (`params`) at each spawn. */
  params?: (nodeId: string) => Record<string, unknown> | undefined;
}

/** Starts listening for the nodes of one dataflow. */
export async function createDataPlane(
  opts: DataPlaneOptions & InspectOptions,
): Promise<DataPlane> {
  const libDir = await pythonLibDir();
  const socket = await prepareSocket(opts.socketDir, opts.dataflowId);
  const shm = await prepareShm();
  const files = new SharedFiles(shm.dir);
  const tokens = new Map(opts.nodes.map((n) => [n.id, randomToken()]));
  const configs = new Map<string, NodeConfig>();
  const descriptor = await shareDescriptor(opts);
  for (const spec of opts.nodes) {
    const config: NodeConfig = {
      protocol: PROTOCOL_VERSION,
      dataflow_id: opts.dataflowId,
      node_id: spec.id,
      socket: socket.path,
      token: tokens.get(spec.id)!,
      inputs: Object.fromEntries(
        Object.entries(spec.inputs).map((
          [id, i],
        ) => [id, { source: i.raw, queue_size: i.queueSize }]),
      ),
      outputs: [...spec.outputs],
      shm_dir: shm.dir,
      shm_threshold: shm.threshold,
      ...descriptor.fields,
      restart_count: 0,
    };
    const entry = nodeEntry(opts.descriptor, spec.operator?.node ?? spec.id);
    if (JSON.stringify(entry).length <= INLINE_DESCRIPTOR_MAX) config.node_config = entry;
    configs.set(spec.id, config);
  }

  let listener: Deno.UnixListener;
  try {
    listener = Deno.listen({ transport: "unix", path: socket.path });
    await Deno.chmod(socket.path, 0o600);
  } catch (err) {
    await files.close();
    if (socket.ownDir) await Deno.remove(socket.ownDir, { recursive: true }).catch(() => {});
    throw new Error(`cannot listen on ${socket.path}: ${errorMessage(err)}`);
  }

  const broker = new Broker(opts.nodes, tokens, files, {
    onWarning: opts.onWarning,
    onStopRequest: (nodeId) => {
      if (opts.onStopRequest) opts.onStopRequest(nodeId);
      else opts.onWarning(nodeId, `node '${nodeId}' asked to stop the dataflow; ignored here`);
    },
  }, {
    startupTimeoutMs: settings.startupTimeoutMs(),
    checkIntervalMs: opts.checkIntervalMs,
    exitWhenNodesFinish: opts.exitWhenNodesFinish,
  });
  const conns = new Set<FrameConn>();
  let closed = false;
  broker.tap = opts.hook;
  const port: PlanePort = {
    inject(nodeId, output, message) {
      const node = broker.nodes.get(nodeId);
      if (!node) return `the dataflow has no node '${nodeId}'`;
      if (!node.outputs.has(output)) {
        const declared = [...node.outputs].join(", ") || "none";
        return `node '${nodeId}' has no output '${output}' (its outputs: ${declared})`;
      }
      broker.route(nodeId, output, message, undefined);
      return undefined;
    },
    readShm(name, length, max) {
      const n = Math.min(length, max);
      if (!shm.dir || n <= 0) return new Uint8Array(0);
      const file = Deno.openSync(`${shm.dir}/${name}`, { read: true });
      try {
        const buf = new Uint8Array(n);
        let at = 0;
        while (at < n) {
          const got = file.readSync(buf.subarray(at));
          if (!got) break;
          at += got;
        }
        return buf.subarray(0, at);
      } finally {
        file.close();
      }
    },
    snapshot: () => broker.snapshot(),
    paramUpdate: (nodeId, body) => broker.paramUpdate(nodeId, body),
  };

  const accept = async () => {
    for (;;) {
      let unix: Deno.UnixConn;
      try {
        unix = await listener.accept();
      } catch {
        return; // listener closed
      }
      if (closed) {
        unix.close();
        return;
      }
      serve(unix);
    }
  };

  function serve(unix: Deno.UnixConn): void {
    let node: NodeState | null = null;
    const helloTimer = setTimeout(() => conn.close(), HELLO_TIMEOUT_MS);
    const conn: FrameConn = new FrameConn(unix, (type, body) => {
      if (node) {
        const problem = broker.onFrame(node, conn, type, body);
        if (problem) {
          opts.onWarning(
            node.spec.id,
            `closing the data-plane connection of node '${node.spec.id}': ${problem}`,
          );
          conn.close();
        }
        return;
      }
      clearTimeout(helloTimer);
      const result = type === Frame.HELLO
        ? checkHello(decodeText(body))
        : "expected HELLO as the first frame";
      let refusal: string | undefined = typeof result === "string" ? result : undefined;
      if (typeof result !== "string") {
        refusal = broker.attach(result, conn);
        if (!refusal) {
          node = result;
          return;
        }
      }
      conn.batch.text(Frame.REFUSED, refusal!);
      void conn.closeAfterFlush();
    }, (error) => {
      clearTimeout(helloTimer);
      conns.delete(conn);
      if (node) {
        if (error !== undefined && !closed) {
          opts.onWarning(
            node.spec.id,
            `data-plane connection of node '${node.spec.id}' failed: ${errorMessage(error)}`,
          );
        }
        broker.detach(node, conn);
      }
    });
    conns.add(conn);
  }

  /** The node a HELLO authenticates, or why it is refused. */
  function checkHello(text: string): NodeState | string {
    let hello: Record<string, unknown>;
    try {
      hello = JSON.parse(text);
    } catch {
      return "HELLO is not valid JSON";
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      return `protocol version ${hello.protocol} is not supported ` +
        `(the daemon speaks ${PROTOCOL_VERSION})`;
    }
    if (hello.dataflow_id !== opts.dataflowId) {
      return `this socket serves dataflow ${opts.dataflowId}, not ${hello.dataflow_id}`;
    }
    const node = typeof hello.node_id === "string" ? broker.nodes.get(hello.node_id) : undefined;
    if (!node) return `the dataflow has no node '${hello.node_id}'`;
    if (typeof hello.token !== "string" || !sameSecret(hello.token, node.token)) {
      opts.onWarning(
        node.spec.id,
        `refused a data-plane connection claiming to be node '${node.spec.id}' (wrong token)`,
      );
      return `wrong token for node '${node.spec.id}'`;
    }
    return node;
  }

  void accept();
  opts.hook?.attach(port);

  // Nodes started by hand have no environment from us: they find their config in a file.
  const dynamicDir = `${runDir()}/dynamic`;
  const dynamicFiles: [string, string][] = [];
  for (const spec of opts.nodes.filter((n) => n.kind === "dynamic")) {
    await Deno.mkdir(dynamicDir, { recursive: true, mode: 0o700 });
    const path = `${dynamicDir}/${spec.id}.json`;
    const text = JSON.stringify(configs.get(spec.id)!);
    await Deno.writeTextFile(path, text, { mode: 0o600 });
    dynamicFiles.push([path, text]);
  }

  const plane: DataPlane = {
    nodeEnv(nodeId, baseEnv, restarts = 0) {
      const config = configs.get(nodeId);
      if (config === undefined) throw new Error(`the dataflow has no node '${nodeId}'`);
      const path = baseEnv.PYTHONPATH ? `${libDir}:${baseEnv.PYTHONPATH}` : libDir;
      const params = opts.params?.(nodeId);
      const text = JSON.stringify({
        ...config,
        ...(restarts ? { restart_count: restarts } : {}),
        ...(params && Object.keys(params).length > 0 ? { params } : {}),
      });
      return { DORA_NODE_CONFIG: text, PYTHONPATH: path };
    },
    nodeSpawned(nodeId) {
      broker.spawned(nodeId);
    },
    nodeExited(nodeId, willRestart) {
      broker.exited(nodeId, willRestart);
    },
    isConnected(nodeId) {
      const conn = broker.nodes.get(nodeId)?.conn;
      return conn !== null && conn !== undefined && !conn.closed;
    },
    stopAll() {
      return broker.stopAll();
    },
    stopNode(nodeId) {
      return broker.stopNode(nodeId);
    },
    stdoutLine(nodeId, line) {
      const output = broker.nodes.get(nodeId)?.spec.sendStdoutAs;
      if (!output) return;
      const message = encodeMessage(Kind.TEXT, nowNs(), new Uint8Array(0), encoder.encode(line));
      broker.route(nodeId, output, message, undefined);
    },
    logRecord(nodeId, record) {
      const sendAs = broker.nodes.get(nodeId)?.spec.logs?.sendLogsAs;
      const toOutput = sendAs !== undefined && record.level !== undefined;
      if (!toOutput && !broker.wantsLogs) return;
      // dora's LogMessage as JSON text, encoded once for every receiver.
      const json = JSON.stringify(logMessage(opts.dataflowId, nodeId, record));
      const message = encodeMessage(Kind.TEXT, nowNs(), new Uint8Array(0), encoder.encode(json));
      if (toOutput) broker.route(nodeId, sendAs, message, undefined);
      broker.routeLog(nodeId, recordLevel(record), message);
    },
    lastActivity(nodeId) {
      return broker.lastActivity(nodeId);
    },
    inputsDone(nodeId) {
      return broker.inputsDone(nodeId);
    },
    watch(listener) {
      broker.watch(listener);
    },
    stats() {
      return broker.stats() as Record<string, Record<string, InputStats>>;
    },
    async close() {
      if (closed) return;
      closed = true;
      opts.hook?.detach(port);
      broker.close();
      try {
        listener.close();
      } catch {
        // already closed
      }
      await Promise.all([...conns].map((c) => c.closeAfterFlush().catch(() => {})));
      await Promise.all([...conns].map((c) => c.ended));
      await Deno.remove(socket.path).catch(() => {});
      if (socket.ownDir) await Deno.remove(socket.ownDir, { recursive: true }).catch(() => {});
      await files.close();
      if (descriptor.file) await Deno.remove(descriptor.file).catch(() => {});
      for (const [path, text] of dynamicFiles) {
        // Another dataflow with a dynamic node of the same id may have taken the file over.
        const current = await Deno.readTextFile(path).catch(() => undefined);
        if (current === text) await Deno.remove(path).catch(() => {});
      }
    },
  };
  return plane;
}

/**
 * The config fields that hand the dataflow descriptor to nodes: inline when small, else in a
 * private file next to the socket (removed with the plane).
 */
async function shareDescriptor(
  opts: DataPlaneOptions,
): Promise<{ fields: Partial<NodeConfig>; file?: string }> {
  if (opts.descriptor === undefined) return { fields: {} };
  const text = JSON.stringify(opts.descriptor);
  if (text.length <= INLINE_DESCRIPTOR_MAX) return { fields: { descriptor: opts.descriptor } };
  const file = `${opts.socketDir}/${opts.dataflowId}.descriptor.json`;
  await Deno.writeTextFile(file, text, { mode: 0o600 });
  return { fields: { descriptor_file: file }, file };
}

/** The YAML entry of node `id` in the descriptor (what `node_config()` returns), or `{}`. */
function nodeEntry(descriptor: unknown, id: string): Record<string, unknown> {
  const nodes = (descriptor as { nodes?: unknown } | undefined)?.nodes;
  if (!Array.isArray(nodes)) return {};
  const entry = nodes.find((n) => (n as { id?: unknown })?.id === id);
  return entry && typeof entry === "object" ? entry as Record<string, unknown> : {};
}
