/**
 * A `dora run` seen from another terminal: the run serves a small control API on a Unix
 * socket of its own (mode 600, in the mode-700 `~/.dora/run/runs/`, every request carrying the
 * token of `~/.dora/token`, like the daemon's) and describes itself in a run record next to it
 * (lib/api/runs.ts). What it serves (docs/api.md, "dora run"): its status, its one dataflow
 * (`GET /v1/dataflows[/{ref}]`), node restart and stop, restarting the dataflow, and the whole
 * inspection API (taps, injection, counters, parameters). The record and the socket go when
 * the run ends.
 */
import { settings, VERSION } from "../config.ts";
import type { DataflowInfo, NodeInfo, StartResponse, StopRequest } from "../api/types.ts";
import { refMatches, type RunRecord, runRecordPath, runsDir } from "../api/runs.ts";
import { ensureToken } from "../api/token.ts";
import { toNodeInfo } from "../daemon/bind.ts";
import { assignShortId } from "../daemon/resolve.ts";
import type { Logger } from "../daemon/logger.ts";
import { ApiError, closeServer, type Handler, serve } from "../daemon/server.ts";
import { writeJsonAtomic } from "../daemon/state_file.ts";
import { prepareSocket } from "../dataplane/paths.ts";
import { type DataflowRuntime, type RestartWhy, sampleGroups } from "../runtime/mod.ts";
import type { BrokerTaps } from "../taps/broker_taps.ts";
import type { ParamTable } from "../taps/params.ts";
import { inspectHandler, isInspectPath } from "../daemon/inspect_routes.ts";

/** A restart someone asked for from another terminal: logged and counted. */
const ASKED: RestartWhy = { reason: "user request", counted: true };

/** What a run gives its control socket. */
export interface RunHostOptions {
  uuid: string;
  name: string;
  file: string;
  runtime: DataflowRuntime;
  taps: BrokerTaps;
  /** Its runtime parameters (the run's data plane puts them in node configs). */
  params: ParamTable;
  /** Stops the run as Ctrl-C would (the run then exits 0). */
  stop(opts: { graceMs: number; force: boolean }): Promise<void>;
  /** Stops every node and starts the dataflow again (`dora restart`). */
  restartAll(graceMs: number): Promise<void>;
  /** Problems of the socket itself, for the run's stderr. */
  warn(message: string): void;
}

/** A run's control socket, until `close`. */
export interface RunHost {
  record: RunRecord;
  close(): Promise<void>;
}

/** Starts serving; a run without a control socket still runs (a warning says why). */
export async function startRunHost(opts: RunHostOptions): Promise<RunHost | undefined> {
  const { runtime, uuid, name, params } = opts;
  const shortId = assignShortId(uuid, []);
  let lastSample = 0;
  let metrics = new Map<number, { cpuPercent: number; memoryBytes: number }>();

  const describe = async (): Promise<DataflowInfo> => {
    const groups = runtime.groups();
    if (Date.now() - lastSample > 900 && groups.size > 0) {
      metrics = await sampleGroups(groups.values());
      lastSample = Date.now();
    }
    const stats = runtime.plane?.stats() ?? {};
    const nodes: NodeInfo[] = runtime.snapshot().nodes.map((node) => {
      const pgid = groups.get(node.id);
      const sample = pgid === undefined ? undefined : metrics.get(pgid);
      return {
        ...toNodeInfo(node),
        cpu_percent: sample?.cpuPercent ?? null,
        memory_bytes: sample?.memoryBytes ?? null,
        inputs: Object.fromEntries(
          Object.entries(stats[node.id] ?? {}).map(([id, s]) => [id, {
            received: s.received,
            dropped: s.dropped,
            queue_size: s.queueSize,
          }]),
        ),
      };
    });
    const sum = (pick: (n: NodeInfo) => number | null) => {
      const values = nodes.map(pick).filter((v): v is number => v !== null);
      return values.length ? values.reduce((a, b) => a + b, 0) : null;
    };
    const snap = runtime.snapshot();
    return {
      uuid,
      name,
      short_id: shortId,
      status: runtime.status,
      file: opts.file,
      started_at: runtime.startedAt,
      ended_at: snap.ended_at,
      cpu_percent: sum((n) => n.cpu_percent),
      memory_bytes: sum((n) => n.memory_bytes),
      hot_reload: false,
      nodes,
    };
  };

  const mustMatch = (ref: string) => {
    if (!refMatches(uuid, name, ref)) {
      throw new ApiError(404, "not_found", `Dataflow ${ref} not found`, [
        `This dora run runs ${name} (${uuid}) only.`,
      ]);
    }
  };
  const nodeOf = (nodeId: string) => {
    if (runtime.status !== "Running") {
      throw new ApiError(409, "not_running", `Dataflow ${name} is not running`, [
        `Its status is ${runtime.status}.`,
      ]);
    }
    const spec = runtime.dataflow.nodes.find((n) => n.id === nodeId);
    if (!spec) {
      throw new ApiError(404, "not_found", `Dataflow ${name} has no node '${nodeId}'`, [
        `Its nodes: ${runtime.dataflow.nodes.map((n) => n.id).join(", ")}`,
      ]);
    }
    return spec;
  };
  const nodeInfo = async (nodeId: string) => (await describe()).nodes.find((n) => n.id === nodeId)!;
  const grace = (req: StopRequest) => req.grace_ms ?? settings.stopTimeoutMs();

  const inspect = inspectHandler({
    taps: opts.taps,
    find(ref) {
      mustMatch(ref);
      return {
        uuid,
        name,
        status: runtime.status,
        nodes: runtime.dataflow.nodes,
        params,
        saveParams: () => {},
      };
    },
  });
  const startedAt = new Date().toISOString();

  const handler: Handler = async (req) => {
    if (isInspectPath(req.path)) return await inspect(req);
    const { method, path, body } = req;
    const [version, resource, ref, action, nodeId, nodeAction] = path;
    if (version === "v1" && resource === "status" && method === "GET" && path.length === 2) {
      return {
        json: {
          service: "dora-run",
          version: VERSION,
          pid: Deno.pid,
          uuid,
          name,
          file: opts.file,
          started_at: startedAt,
        },
      };
    }
    if (version === "v1" && resource === "dataflows" && ref === undefined && method === "GET") {
      return { json: [await describe()] };
    }
    if (version === "v1" && resource === "dataflows" && ref !== undefined) {
      mustMatch(ref);
      if (action === undefined && method === "GET") return { json: await describe() };
      if (action === "stop" && method === "POST" && path.length === 4) {
        const stop = await body() as StopRequest;
        await opts.stop({ graceMs: grace(stop), force: stop.force ?? false });
        return { json: { type: "stopped", uuid, name, status: runtime.status } };
      }
      if (action === "restart" && method === "POST" && path.length === 4) {
        if (runtime.status !== "Running") nodeOf("");
        await opts.restartAll(grace(await body() as StopRequest));
        const reply: StartResponse = {
          uuid,
          name,
          short_id: shortId,
          failed_nodes: [],
          warnings: [],
          hot_reload: false,
        };
        return { json: reply };
      }
      if (action === "nodes" && nodeId !== undefined && path.length === 6 && method === "POST") {
        const spec = nodeOf(nodeId);
        const stop = await body() as StopRequest;
        if (nodeAction === "restart") {
          const skipped = await runtime.restartNodes([spec], { graceMs: grace(stop), why: ASKED });
          if (skipped.length > 0) {
            throw new ApiError(409, "node_ended", `Node '${nodeId}' has already ended`, [
              "Its consumers were told its outputs closed, so it cannot rejoin this run.",
              `Restart the whole dataflow instead: dora restart ${name}`,
            ]);
          }
          return { json: await nodeInfo(nodeId) };
        }
        if (nodeAction === "stop") {
          await runtime.stopNode(nodeId, { graceMs: grace(stop), force: stop.force ?? false });
          return { json: await nodeInfo(nodeId) };
        }
      }
    }
    throw new ApiError(404, "no_route", `Unknown API request ${method} /${path.join("/")}`);
  };

  let socket;
  try {
    socket = await prepareSocket(runsDir(), uuid);
  } catch (err) {
    opts.warn(`no control socket for other terminals: ${(err as Error).message}`);
    return undefined;
  }
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (m) => opts.warn(m),
    error: (m) => opts.warn(m),
  };
  let server: Deno.HttpServer;
  const abort = new AbortController();
  try {
    const token = await ensureToken();
    server = serve({ port: 0, path: socket.path, token, log, handler, signal: abort.signal });
    // The socket never keeps a finished run alive.
    server.unref();
    await Deno.chmod(socket.path, 0o600);
  } catch (err) {
    opts.warn(`no control socket for other terminals: ${(err as Error).message}`);
    return undefined;
  }
  const record: RunRecord = {
    uuid,
    name,
    pid: Deno.pid,
    socket: socket.path,
    file: opts.file,
    started_at: startedAt,
    version: VERSION,
  };
  await writeJsonAtomic(runRecordPath(uuid), record);
  let closed = false;
  return {
    record,
    async close() {
      if (closed) return;
      closed = true;
      await Deno.remove(runRecordPath(uuid)).catch(() => {});
      opts.taps.forget(uuid, `the dataflow has ended (${runtime.status})`);
      // Open streams end with the taps above; a client that stopped reading must not hold
      // the run: its connection is cut after a moment.
      await closeServer(server, abort, () => opts.taps.openStreams);
      await Deno.remove(socket.path).catch(() => {});
      if (socket.ownDir) await Deno.remove(socket.ownDir, { recursive: true }).catch(() => {});
      // The folder goes with the last run (it fails, and stays, while another one runs).
      await Deno.remove(runsDir()).catch(() => {});
    },
  };
}
