/**
 * The daemon: owns the registry and every running dataflow, answers the control API.
 * Commands arrive through lib/daemon/server.ts; dataflows run through a `SupervisorFactory`.
 */
import { logsRoot, settings } from "../config.ts";
import { errorMessage } from "../errors.ts";
import type {
  DataflowInfo,
  StartRequest,
  StartResponse,
  StopRequest,
  StopStreamEvent,
} from "../api/types.ts";
import { uuidv7 } from "../ids.ts";
import { sampleGroups } from "../runtime/metrics.ts";
import { storedNodeInfos } from "./bind.ts";
import type { Logger } from "./logger.ts";
import { generateName, nameProblem } from "./names.ts";
import { type DataflowRecord, Registry } from "./registry.ts";
import { ApiError, type Handler } from "./server.ts";
import type { StopProgress, Supervised, SupervisorFactory } from "./supervised.ts";

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
    for (const record of this.registry.records.values()) {
      if (!ACTIVE.has(record.status)) continue;
      try {
        const supervised = await this.factory.adopt(
          record,
          () => this.changed(record.uuid),
          () => this.stopRequested(record),
        );
        this.track(record, supervised);
        this.log.info(`re-adopted dataflow ${record.name} (${record.uuid})`);
      } catch (err) {
        record.status = "Failed";
        record.ended_at = new Date().toISOString();
        this.log.error(`could not re-adopt ${record.name} (${record.uuid}): ${errorMessage(err)}`);
      }
    }
    await this.registry.save();
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
    const uuid = uuidv7();
    const record: DataflowRecord = {
      uuid,
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
      return { uuid, name, failed_nodes: failedNodes, warnings };
    } catch (err) {
      record.status = "Failed";
      record.ended_at = new Date().toISOString();
      await this.registry.save();
      throw new ApiError(500, "start_failed", `Could not start dataflow: ${errorMessage(err)}`);
    }
  }

  /** Finds a dataflow by UUID, UUID prefix or name; running ones win over finished ones. */
  resolve(ref: string): DataflowRecord {
    const records = [...this.registry.records.values()];
    const exact = this.registry.records.get(ref);
    if (exact) return exact;
    const byName = records.filter((r) => r.name === ref);
    const pick = (list: DataflowRecord[]) => {
      const active = list.filter((r) => ACTIVE.has(r.status));
      if (active.length === 1) return active[0]!;
      if (active.length === 0 && list.length > 0) {
        return list.sort((a, b) => b.started_at.localeCompare(a.started_at))[0]!;
      }
      return undefined;
    };
    const named = pick(byName);
    if (named) return named;
    if (/^[0-9a-f-]{4,}$/i.test(ref)) {
      const prefixed = records.filter((r) => r.uuid.startsWith(ref.toLowerCase()));
      if (prefixed.length === 1) return prefixed[0]!;
      if (prefixed.length > 1) {
        throw new ApiError(
          409,
          "ambiguous",
          `'${ref}' matches ${prefixed.length} dataflows`,
          [
            ...prefixed.map((r) => `  ${r.uuid}  ${r.name}  ${r.status}`),
            "Give more characters of the UUID, or the name",
          ],
        );
      }
    }
    throw new ApiError(404, "not_found", `Dataflow ${ref} not found`, [
      "",
      "Possible reasons:",
      "  1. Dataflow already stopped",
      "  2. UUID is incorrect",
      "  3. Daemon was restarted",
      "",
      "Run 'dora list' to see active dataflows",
    ]);
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

  /** Stops one dataflow, streaming progress; a second stop of the same dataflow joins the first. */
  async stop(record: DataflowRecord, req: StopRequest, emit: (e: StopStreamEvent) => void) {
    const supervised = this.running.get(record.uuid);
    emit({ type: "stopping", uuid: record.uuid, name: record.name });
    if (supervised) {
      const progress = (e: StopProgress) => {
        if (e.type === "node-stopped") {
          emit({ type: "node-stopped", uuid: record.uuid, node: e.node, killed: e.killed });
        } else if (e.type === "not-responding") {
          emit({
            type: "not-responding",
            uuid: record.uuid,
            node: e.node,
            timeout_ms: e.timeoutMs,
          });
        } else emit({ type: "force-stopping", uuid: record.uuid, node: e.node });
      };
      let stopping = this.stops.get(record.uuid);
      if (!stopping || req.force) {
        record.stop_requested = true;
        record.status = "Stopping";
        this.registry.save();
        const force = req.force ?? false;
        const graceMs = req.grace_ms ?? settings.stopTimeoutMs();
        this.log.info(`stopping ${record.name} (${record.uuid})${force ? " by force" : ""}`);
        stopping = supervised.stop({ graceMs, force }, progress).finally(() =>
          this.stops.delete(record.uuid)
        );
        this.stops.set(record.uuid, stopping);
      }
      await stopping;
      await supervised.finished;
    }
    emit({ type: "stopped", uuid: record.uuid, name: record.name, status: record.status });
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
    }
    if (resource === "destroy" && method === "POST") {
      const req = await body() as StopRequest;
      return { stream: (emit) => this.destroy(emit, req) };
    }
    throw new ApiError(404, "no_route", `Unknown API request ${method} /${path.join("/")}`);
  };
}
