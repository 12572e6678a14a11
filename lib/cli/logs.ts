/**
 * `dora logs <DATAFLOW> [NODE] [--node N] [--tail N] [--follow] [--since D] [--until D]
 * [--level L] [--grep TEXT] [--json]`: every node's log merged by time, prefixed with the node
 * id; filters in dora's order (time, level and text, then tail). Reads the files in
 * `~/.dora/logs/<uuid>/` directly, so finished dataflows (and `dora run` runs, by UUID) work too;
 * the daemon is asked only to resolve names and to tell when a followed dataflow has ended.
 */
import { logsRoot } from "../config.ts";
import { DoraError, UsageError } from "../errors.ts";
import type { DataflowInfo } from "../api/types.ts";
import { DaemonClient } from "../client/client.ts";
import { displayText, recordLevel } from "../logs/format.ts";
import type { LogLevel } from "../logs/levels.ts";
import {
  followLogs,
  logNodes,
  type NodeLogRecord,
  type ReadLogOptions,
  readLogs,
} from "../logs/reader.ts";
import { parseLevelFlag } from "./_flags.ts";
import { colorEnabled, makePrefixer, parseDuration } from "../output/format.ts";
import { statePath } from "../daemon/registry.ts";

/** The pseudo-node of hot reload lines (`RELOAD_LOG_NODE`; no node may be called `dora`). */
const RELOAD_LOG_NODE = "dora";

/** Options of `dora logs`. */
export interface LogsOptions {
  node?: string;
  tail?: string;
  follow?: boolean;
  since?: string;
  until?: string;
  level?: string;
  grep?: string;
  json?: boolean;
  port?: number;
}

/** What the logs command needs to know of a dataflow. */
interface Target {
  uuid: string;
  name: string;
  nodes: string[];
  /** Whether it may still produce output. */
  active: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fromInfo(info: DataflowInfo): Target {
  return {
    uuid: info.uuid,
    name: info.name,
    nodes: info.nodes.map((n) => n.id),
    active: info.status === "Running" || info.status === "Stopping",
  };
}

/** Resolves without a daemon: the registry file, then a bare UUID with a log folder. */
async function resolveOffline(ref: string): Promise<Target | undefined> {
  try {
    const state = JSON.parse(await Deno.readTextFile(statePath())) as {
      dataflows?: { uuid: string; name: string; started_at: string }[];
    };
    const all = state.dataflows ?? [];
    const byName = all.filter((d) => d.name === ref)
      .sort((a, b) => b.started_at.localeCompare(a.started_at));
    const byPrefix = ref.length >= 4 ? all.filter((d) => d.uuid.startsWith(ref)) : [];
    const match = all.find((d) => d.uuid === ref) ?? byName[0] ??
      (byPrefix.length === 1 ? byPrefix[0] : undefined);
    if (match) {
      return { uuid: match.uuid, name: match.name, nodes: [], active: false };
    }
  } catch {
    // no registry
  }
  if (UUID.test(ref)) {
    try {
      await Deno.stat(`${logsRoot()}/${ref}`);
      return { uuid: ref, name: ref, nodes: [], active: false };
    } catch {
      // no logs either
    }
  }
  return undefined;
}

async function resolve(
  ref: string,
  port?: number,
): Promise<{ target: Target; client?: DaemonClient }> {
  let client: DaemonClient | undefined;
  try {
    client = await DaemonClient.connect(port);
  } catch (err) {
    if (err instanceof UsageError) throw err; // a malformed DORA_COORDINATOR_ADDR...
    const offline = await resolveOffline(ref);
    if (offline) return { target: offline };
    throw err;
  }
  try {
    const info = await client.request<DataflowInfo>(
      "GET",
      `/v1/dataflows/${encodeURIComponent(ref)}`,
    );
    return { target: fromInfo(info), client };
  } catch (err) {
    // `dora run` runs are not in the daemon's registry but have logs.
    const offline = UUID.test(ref) ? await resolveOffline(ref) : undefined;
    if (offline) return { target: offline };
    throw err;
  }
}

function parseTail(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`Invalid --tail '${text}': expected a whole number`);
  }
  return n;
}

/** The time `flag`'s duration ago (ms since the epoch). */
function ago(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`Invalid ${flag} '${text}': use e.g. 30s, 10m, 2h`);
  return Date.now() - ms;
}

/**
 * The text of a record as shown after its prefix: supervisor lines get `[dora] `, except those
 * of the `dora` pseudo-node (hot reload), whose prefix already says it.
 */
export function recordText(r: NodeLogRecord, color: boolean): string {
  return r.stream === "dora" && !r.level && r.node === RELOAD_LOG_NODE
    ? r.text
    : displayText(r, color);
}

/** A printer for records: `<node> | <line>`, or one JSON object per line. */
function recordPrinter(nodes: string[], json: boolean): (r: NodeLogRecord) => void {
  const encoder = new TextEncoder();
  let prefix = makePrefixer(nodes, colorEnabled());
  const known = new Set(nodes);
  const color = colorEnabled();
  return (r) => {
    if (!known.has(r.node)) {
      known.add(r.node);
      prefix = makePrefixer([...known], color);
    }
    const line = json
      ? JSON.stringify({
        time: new Date(r.time).toISOString(),
        node: r.node,
        stream: r.stream,
        level: recordLevel(r),
        line: r.text,
        ...(r.target !== undefined ? { target: r.target } : {}),
        ...(r.fields !== undefined ? { fields: r.fields } : {}),
      })
      : `${prefix(r.node)}${recordText(r, color)}`;
    Deno.stdout.writeSync(encoder.encode(line + "\n"));
  };
}

/**
 * Follows a dataflow's logs until it ends (asking the daemon every half second), `stop` is
 * aborted, or Ctrl-C. Used by `logs --follow` and `start --attach`.
 */
export async function followDataflow(
  client: DaemonClient | undefined,
  target: Target,
  opts: ReadLogOptions,
  print: (r: NodeLogRecord) => void,
  stop: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  stop.addEventListener("abort", () => controller.abort(), { once: true });
  const watcher = (async () => {
    if (!client || !target.active) return;
    while (!controller.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        const info = await client.request<DataflowInfo>("GET", `/v1/dataflows/${target.uuid}`);
        if (info.status !== "Running" && info.status !== "Stopping") break;
      } catch {
        break;
      }
    }
    // Let the reader pick up the last lines before ending.
    await new Promise((resolve) => setTimeout(resolve, 400));
    controller.abort();
  })();
  if (!target.active) controller.abort();
  const dir = `${logsRoot()}/${target.uuid}`;
  if (controller.signal.aborted) {
    for (const r of await readLogs(dir, opts)) print(r);
  } else {
    for await (const r of followLogs(dir, { ...opts, signal: controller.signal })) print(r);
  }
  controller.abort();
  await watcher;
}

/** Runs `dora logs`. */
export async function logs(
  ref: string,
  nodeArg: string | undefined,
  opts: LogsOptions,
): Promise<number> {
  if (nodeArg !== undefined && opts.node !== undefined && nodeArg !== opts.node) {
    throw new UsageError(`Two different nodes given: '${nodeArg}' and --node '${opts.node}'`);
  }
  const node = opts.node ?? nodeArg;
  const tail = parseTail(opts.tail);
  const since = ago("--since", opts.since);
  const until = ago("--until", opts.until);
  const envLevel = Deno.env.get("DORA_LOG_LEVEL")?.trim();
  const level: LogLevel | undefined = opts.level !== undefined
    ? parseLevelFlag("--level", opts.level)
    : envLevel
    ? parseLevelFlag("DORA_LOG_LEVEL", envLevel)
    : undefined;
  const grep = opts.grep === "" ? undefined : opts.grep;
  const filters: ReadLogOptions = { node, tail, since, until, level, grep };
  const { target, client } = await resolve(ref, opts.port);
  const dir = `${logsRoot()}/${target.uuid}`;
  const nodes = target.nodes.length ? target.nodes : await logNodes(dir);
  if (node !== undefined && !nodes.includes(node)) {
    throw new DoraError(`Node '${node}' not found in dataflow ${target.name}`, [
      `Its nodes: ${nodes.join(", ") || "(none)"}`,
    ]);
  }
  const print = recordPrinter(node ? [node] : nodes, opts.json ?? false);
  if (!opts.follow) {
    for (const r of await readLogs(dir, filters)) print(r);
    return 0;
  }
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    await followDataflow(client, target, filters, print, interrupt.signal);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  return 0;
}
