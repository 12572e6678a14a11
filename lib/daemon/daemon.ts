/**
 * The daemon: owns the registry and every running dataflow, answers the control API.
 * Commands arrive through lib/daemon/server.ts; dataflows run through a `SupervisorFactory`.
 */
import { logsRoot, settings } from "../config.ts";
import { errorMessage } from "../errors.ts";
import type {
  DataflowInfo,
  NodeInfo,
  SaveRequest,
  SaveResponse,
  StartRequest,
  StartResponse,
  StopRequest,
  StopStreamEvent,
} from "../api/types.ts";
import { uuidv7 } from "../ids.ts";
import { parseRestartPolicy } from "../restart/mod.ts";
import { sampleGroups } from "../runtime/metrics.ts";
import { storedNodeInfos } from "./bind.ts";
import type { Logger } from "./logger.ts";
import { generateName, nameProblem } from "./names.ts";
import { type DataflowRecord, Registry } from "./registry.ts";
import { assignShortId, resolveRef } from "./resolve.ts";
import { resurrect } from "./resurrect.ts";
import { ApiError, type Handler } from "./server.ts";
import { dumpPath, EmptySaveRefused, savedEntry, writeDump } from "./snapshot.ts";
import { earlyFailures, StopReporter } from "./stop_events.ts";
import type { Supervised, SupervisorFactory } from "./supervised.ts";

const ACTIVE = new Set(["Running", "Stopping"]);

/** The daemon's state and operations. */
export class Daemon {
  readonly registry: Registry;
  private readonly running = new Map<string, Supervised>();
  private readonly stops = new Map<string, Promise<void>>();
  private lastSample = 0;
  private metrics = new Map<number, { cpuPercent: number | null; memoryBytes: number | null }>();
  private shutdown: Promise<void> | undefined;
  private signalShutdown: (done: Promise<void>) => void = () => {};
  /** Resolves once a destroy has been requested and has finished. */
  readonly shutdownDone = new Promise<void>((resolve) => this.signalShutdown = resolve);

  constructor(
    private readonly factory: SupervisorFactory,
    private readonly log: Logger,
    readonly info: { port: number; pid: number; version: string; startedAt: string },
  ) {
    this.registry = new Registry(log);
  }

  private markReady: () => void = () => {};
  /** Resolves once `init` is done; requests wait for it, so nobody sees a half-loaded registry. */
  readonly ready = new Promise<void>((resolve) => this.markReady = resolve);

  /** Loads the registry and re-adopts dataflows that were running when the last daemon died. */
  async init(): Promise<void> {
    try {
      await this.#init();
    } finally {
      this.markReady();
    }
  }

  async #init(): Promise<void> {
    await this.registry.load();
    const gone: Promise<unknown>[] = [];
    for (const record of this.registry.records.values()) {
      record.short_id ??= assignShortId(
        record.uuid,
        [...this.registry.records.values()].filter((r) => r !== record),
      );
      if (!ACTIVE.has(record.status)) continue;
      try {
        const supervised = await this.factory.adopt(
          record,
          () => this.changed(record.uuid),
          () => this.stopRequested(record),
        );
        this.track(record, supervised);
        this.log.info(`re-adopted dataflow ${record.name} (${record.uuid})`);
        // None of its processes survived (a power loss): let it end before anyone looks.
        if (!supervised.hasLiveProcesses()) gone.push(supervised.finished);
      } catch (err) {
        record.status = "Failed";
        record.ended_at = new Date().toISOString();
        this.log.error(`could not re-adopt ${record.name} (${record.uuid}): ${errorMessage(err)}`);
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(gone),
      new Promise((resolve) => timer = setTimeout(resolve, 10_000)),
    ]);
    clearTimeout(timer);
    await this.registry.save();
  }

  /** `dora daemon --resurrect`: starts the saved dataflows that do not run (by name). */
  async resurrectAtStart(): Promise<void> {
    try {
      const res = await resurrect(this.#resurrectOps());
      for (const r of res.results) {
        if (r.status === "failed") this.log.error(`resurrect ${r.name}: ${r.error}`);
        else this.log.info(`resurrect ${r.name}: ${r.status} (${r.uuid})`);
      }
    } catch (err) {
      this.log.warn(`resurrect: ${errorMessage(err)}`);
    }
  }

  #resurrectOps() {
    return {
      runningNames: () =>
        new Map(
          [...this.registry.records.values()].filter((r) => ACTIVE.has(r.status))
            .map((r) => [r.name, r.uuid]),
        ),
      start: (req: StartRequest) => this.start(req),
    };
  }

  /** `POST /v1/save`: records the running dataflows for `resurrect`. */
  async save(req: SaveRequest): Promise<SaveResponse> {
    const active = [...this.registry.records.values()].filter((r) => ACTIVE.has(r.status))
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
    try {
      await writeDump(active.map((r) => savedEntry(r.name, r.request)), req.force === true);
    } catch (err) {
      if (!(err instanceof EmptySaveRefused)) throw err;
      throw new ApiError(
        409,
        "refused",
        `No dataflow is running: not replacing the ${err.saved} saved in ${dumpPath()}`,
        ["Use 'dora save --force' to save the empty list anyway"],
      );
    }
    this.log.info(`saved ${active.length} dataflows to ${dumpPath()}`);
    return { path: dumpPath(), saved: active.map((r) => ({ name: r.name, file: r.file })) };
  }

  /** A node of the dataflow asked to stop it all (an operator's STOP_ALL): a user's stop. */
  private stopRequested(record: DataflowRecord): void {
    if (!ACTIVE.has(record.status) || this.stops.has(record.uuid)) return;
    this.log.info(`${record.name}: a node asked to stop the dataflow`);
    void this.stop(record, {}, () => {}).catch((err) =>
      this.log.warn(`${record.name}: stop failed: ${errorMessage(err)}`)
    );
  }

  private changed(uuid: string): void {
    const record = this.registry.records.get(uuid);
    const supervised = this.running.get(uuid);
    if (record && supervised) record.runtime = supervised.snapshot();
    this.registry.save();
  }

  private track(record: DataflowRecord, supervised: Supervised): void {
    this.running.set(record.uuid, supervised);
    record.runtime = supervised.snapshot();
    supervised.finished.then((status) => {
      record.status = record.stop_requested && status !== "Succeeded" ? "Stopped" : status;
      record.ended_at = new Date().toISOString();
      record.runtime = supervised.snapshot();
      this.running.delete(record.uuid);
      this.log.info(`dataflow ${record.name} (${record.uuid}) ended: ${record.status}`);
      this.registry.save();
    });
  }

  /** Starts a dataflow. The name is reserved before anything awaits, so parallel starts race safely. */
  async start(req: StartRequest): Promise<StartResponse> {
    if (typeof req?.dataflow?.file !== "string" || !Array.isArray(req.dataflow.nodes)) {
      throw new ApiError(400, "bad_request", "A start request needs a resolved dataflow");
    }
    const activeNames = new Set(
      [...this.registry.records.values()].filter((r) => ACTIVE.has(r.status)).map((r) => r.name),
    );
    let name = req.name;
    if (name !== undefined) {
      const problem = nameProblem(name);
      if (problem) throw new ApiError(400, "bad_name", `Invalid dataflow name: ${problem}`);
      if (activeNames.has(name)) {
        const other = [...this.registry.records.values()].find((r) =>
          r.name === name && ACTIVE.has(r.status)
        )!;
        throw new ApiError(409, "name_taken", `A dataflow named '${name}' is already running`, [
          `Running: ${name} (${other.uuid})`,
          `Stop it first with 'dora stop --name ${name}', or choose another --name`,
        ]);
      }
    } else {
      name = generateName(activeNames);
    }
    // Settings the caller did not give come from the daemon's own environment.
    req = { ...req };
    req.hot_reload ??= settings.hotReload();
    req.restart_policy ??= settings.restartPolicy();
    if (req.restart_policy !== undefined) {
      req.restart_policy = parseRestartPolicy(req.restart_policy, "DORA_RESTART_POLICY");
    }
    const uuid = uuidv7();
    const short_id = assignShortId(uuid, this.registry.records.values());
    const record: DataflowRecord = {
      uuid,
      short_id,
      name,
      file: req.dataflow.file,
      status: "Running",
      started_at: new Date().toISOString(),
      ended_at: null,
      log_dir: `${logsRoot()}/${uuid}`,
      request: req,
      stop_requested: false,
      runtime: null,
    };
    this.registry.records.set(uuid, record);
    try {
      const { supervised, failedNodes, warnings } = await this.factory.start(
        record,
        () => this.changed(uuid),
        () => this.stopRequested(record),
      );
      this.track(record, supervised);
      await this.registry.save();
      this.log.info(`started dataflow ${name} (${uuid}) from ${record.file}`);
      // Nodes that die at once (an ImportError...) are reported like those that did not spawn.
      const early = await earlyFailures(supervised, settings.startCheckMs(), failedNodes);
      return {
        uuid,
        short_id,
        name,
        failed_nodes: [...failedNodes, ...early],
        warnings,
        hot_reload: record.request.hot_reload === true,
      };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      record.status = "Failed";
      record.ended_at = new Date().toISOString();
      await this.registry.save();
      throw new ApiError(500, "start_failed", `Could not start dataflow: ${errorMessage(err)}`);
    }
  }

  /** Finds a dataflow by UUID, name, short id or UUID prefix (see resolve.ts). */
  resolve(ref: string): DataflowRecord {
    return resolveRef([...this.registry.records.values()], ref);
  }

  private async refreshMetrics(): Promise<void> {
    if (Date.now() - this.lastSample < 900) return;
    const groups = [...this.running.values()].flatMap((s) => [...s.groups().values()]);
    if (groups.length === 0) return;
    this.metrics = await sampleGroups(groups);
    this.lastSample = Date.now();
  }

  /** A dataflow as the API shows it, metrics included for running nodes. */
  describe(record: DataflowRecord): DataflowInfo {
    const supervised = this.running.get(record.uuid);
    const groups = supervised?.groups() ?? new Map<string, number>();
    const nodes = (supervised?.nodes() ?? storedNodeInfos(record)).map((node) => {
      const pgid = groups.get(node.id);
      const sample = pgid === undefined ? undefined : this.metrics.get(pgid);
      return {
        ...node,
        cpu_percent: sample?.cpuPercent ?? null,
        memory_bytes: sample?.memoryBytes ?? null,
      };
    });
    const sum = (pick: (n: typeof nodes[number]) => number | null) => {
      const values = nodes.map(pick).filter((v): v is number => v !== null);
      return values.length ? values.reduce((a, b) => a + b, 0) : null;
    };
    return {
      uuid: record.uuid,
      short_id: record.short_id ?? record.uuid.slice(-4),
      name: record.name,
      status: record.status,
      file: record.file,
      started_at: record.started_at,
      ended_at: record.ended_at,
      cpu_percent: sum((n) => n.cpu_percent),
      memory_bytes: sum((n) => n.memory_bytes),
      hot_reload: record.request.hot_reload ?? false,
      nodes,
    };
  }

  /** Every dataflow: running first (oldest first), then finished (newest first). */
  async list(): Promise<DataflowInfo[]> {
    await this.refreshMetrics();
    const records = [...this.registry.records.values()];
    const active = records.filter((r) => ACTIVE.has(r.status))
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
    const done = records.filter((r) => !ACTIVE.has(r.status))
      .sort((a, b) => (b.ended_at ?? "").localeCompare(a.ended_at ?? ""));
    return [...active, ...done].map((r) => this.describe(r));
  }

  /**
   * Stops one dataflow, streaming progress; a second stop of the same dataflow joins the first.
   * Unset fields of `req` come from the daemon's environment (`DORA_FORCE_STOP`,
   * `DORA_STOP_TIMEOUT`).
   */
  async stop(record: DataflowRecord, req: StopRequest, emit: (e: StopStreamEvent) => void) {
    const supervised = this.running.get(record.uuid);
    emit({ type: "stopping", uuid: record.uuid, name: record.name });
    if (supervised) {
      const force = req.force ?? settings.forceStop();
      const graceMs = req.grace_ms ?? settings.stopTimeoutMs();
      let stopping = this.stops.get(record.uuid);
      if (!stopping || force) {
        record.stop_requested = true;
        record.status = "Stopping";
        this.registry.save();
        this.log.info(
          `stopping ${record.name} (${record.uuid})${
            force ? " by force" : ` (grace ${graceMs} ms)`
          }`,
        );
        const reporter = new StopReporter(record.uuid, graceMs, force, emit);
        stopping = supervised.stop({ graceMs, force }, (e) => reporter.progress(e))
          .finally(() => {
            reporter.close();
            this.stops.delete(record.uuid);
          });
        this.stops.set(record.uuid, stopping);
      }
      await stopping;
      await supervised.finished;
    }
    emit({ type: "stopped", uuid: record.uuid, name: record.name, status: record.status });
  }

  /** The running dataflow's supervision and the node `nodeId` of it, or the API error why not. */
  private nodeOf(record: DataflowRecord, nodeId: string): Supervised {
    const supervised = this.running.get(record.uuid);
    if (!supervised || record.status !== "Running") {
      throw new ApiError(409, "not_running", `Dataflow ${record.name} is not running`, [
        `Its status is ${record.status}.`,
      ]);
    }
    const ids = record.request.dataflow.nodes.map((n) => n.id);
    if (!ids.includes(nodeId)) {
      throw new ApiError(404, "not_found", `Dataflow ${record.name} has no node '${nodeId}'`, [
        `Its nodes: ${ids.join(", ")}`,
      ]);
    }
    return supervised;
  }

  private async nodeInfo(record: DataflowRecord, nodeId: string): Promise<NodeInfo> {
    await this.refreshMetrics();
    return this.describe(record).nodes.find((n) => n.id === nodeId)!;
  }

  /** Restarts one node of a running dataflow (see docs/api.md); answers its state after. */
  async restartNode(record: DataflowRecord, nodeId: string, req: StopRequest): Promise<NodeInfo> {
    const supervised = this.nodeOf(record, nodeId);
    this.log.info(`restarting node ${record.name}/${nodeId} (asked for)`);
    const result = await supervised.restartNode(nodeId, {
      graceMs: req.grace_ms ?? settings.stopTimeoutMs(),
    });
    if (result === "ended") {
      throw new ApiError(409, "node_ended", `Node '${nodeId}' has already ended`, [
        "Its consumers were told its outputs closed, so it cannot rejoin this run.",
        `Restart the whole dataflow instead (POST /v1/dataflows/${record.uuid}/restart).`,
      ]);
    }
    return await this.nodeInfo(record, nodeId);
  }

  /** Stops one node of a running dataflow; the others run on. Answers its state after. */
  async stopNode(record: DataflowRecord, nodeId: string, req: StopRequest): Promise<NodeInfo> {
    const supervised = this.nodeOf(record, nodeId);
    this.log.info(`stopping node ${record.name}/${nodeId} (asked for)`);
    await supervised.stopNode(nodeId, {
      graceMs: req.grace_ms ?? settings.stopTimeoutMs(),
      force: req.force ?? false,
    });
    return await this.nodeInfo(record, nodeId);
  }

  /**
   * Stops a dataflow (if it runs) and starts it again from its stored request, with its name:
   * a new run with a new UUID, as dora's `restart` does.
   */
  async restart(record: DataflowRecord, req: StopRequest): Promise<StartResponse> {
    if (this.shutdown) throw new ApiError(503, "shutting_down", "The daemon is shutting down");
    if (ACTIVE.has(record.status)) await this.stop(record, req, () => {});
    this.log.info(`restarting dataflow ${record.name} (${record.uuid})`);
    return await this.start({ ...record.request, name: record.name });
  }

  /**
   * Stops every running dataflow (in parallel) and marks the daemon as going down; the host
   * process exits once the returned promise resolves. A second call joins the first.
   */
  destroy(emit: (e: StopStreamEvent) => void, req: StopRequest = {}): Promise<void> {
    if (this.shutdown) return this.shutdown;
    const active = [...this.registry.records.values()].filter((r) => ACTIVE.has(r.status));
    this.shutdown = Promise.all(active.map((r) => this.stop(r, req, emit)))
      .then(() => this.registry.save());
    this.signalShutdown(this.shutdown);
    return this.shutdown;
  }

  /** The request router (see docs/api.md). */
  handler: Handler = async ({ method, path, body }) => {
    await this.ready;
    const [version, resource, ref, action] = path;
    if (version !== "v1") throw new ApiError(404, "no_route", "Unknown API path");
    if (resource === "status" && method === "GET") {
      return {
        json: {
          service: "dora-daemon",
          version: this.info.version,
          pid: this.info.pid,
          port: this.info.port,
          started_at: this.info.startedAt,
        },
      };
    }
    if (resource === "dataflows" && ref === undefined) {
      if (method === "GET") return { json: await this.list() };
      if (method === "POST") {
        if (this.shutdown) throw new ApiError(503, "shutting_down", "The daemon is shutting down");
        return { json: await this.start(await body() as StartRequest) };
      }
    }
    if (resource === "dataflows" && ref !== undefined) {
      const record = this.resolve(ref);
      if (action === undefined && method === "GET") {
        await this.refreshMetrics();
        return { json: this.describe(record) };
      }
      if (action === "stop" && method === "POST") {
        const req = await body() as StopRequest;
        return { stream: (emit) => this.stop(record, req, emit) };
      }
      if (action === "restart" && method === "POST" && path.length === 4) {
        return { json: await this.restart(record, await body() as StopRequest) };
      }
      const [, , , , nodeId, nodeAction] = path;
      if (action === "nodes" && nodeId !== undefined && path.length === 6 && method === "POST") {
        if (nodeAction === "restart") {
          return { json: await this.restartNode(record, nodeId, await body() as StopRequest) };
        }
        if (nodeAction === "stop") {
          return { json: await this.stopNode(record, nodeId, await body() as StopRequest) };
        }
      }
    }
    if (resource === "save" && method === "POST") {
      return { json: await this.save(await body() as SaveRequest) };
    }
    if (resource === "resurrect" && method === "POST") {
      if (this.shutdown) throw new ApiError(503, "shutting_down", "The daemon is shutting down");
      return { json: await resurrect(this.#resurrectOps()) };
    }
    if (resource === "destroy" && method === "POST") {
      const req = await body() as StopRequest;
      return { stream: (emit) => this.destroy(emit, req) };
    }
    throw new ApiError(404, "no_route", `Unknown API request ${method} /${path.join("/")}`);
  };
}
