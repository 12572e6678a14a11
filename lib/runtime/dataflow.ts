/**
 * A running dataflow: every node's process, the stop ladder, the final result, and the snapshot
 * a supervisor stores so that its successor can re-adopt the nodes (`adopt`).
 *
 * Stop ladder: nodes connected to the data plane get STOP, the others SIGTERM to their group;
 * at half the grace period nodes that only got STOP also get SIGTERM; at the end of it the
 * remaining groups get SIGKILL. A node counts as stopped when its whole group is gone.
 *
 * Hot reload (see hot_reload.ts) goes through `restartNodes` (some nodes, same graph: the data
 * plane keeps their consumers waiting) and `replace` (a new dataflow and data plane); the
 * dataflow does not end during either.
 */
import { runDir, settings } from "../config.ts";
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";
import { HOT_RELOAD, NodeRunner, type RestartWhy } from "./node.ts";
import { Watchdogs } from "./watchdogs.ts";
import type { DataPlane } from "./plane.ts";
import type {
  DataflowResult,
  DataflowSnapshot,
  DataflowStatus,
  RuntimeOptions,
  StopEvent,
  StopOptions,
} from "./types.ts";

/** Supervises the processes of one dataflow. */
export class DataflowRuntime {
  /** Resolves when every node has exited (dynamic nodes excepted, unless all are dynamic). */
  readonly finished: Promise<DataflowResult>;
  #settle!: (result: Promise<DataflowResult>) => void;
  /** ISO time the dataflow started (kept across adoption). */
  readonly startedAt: string;
  #endedAt: string | null = null;
  #runners: NodeRunner[];
  #stateDir: string;
  #stopRequested = false;
  #stopping: Promise<void> | undefined;
  #listeners = new Set<(event: StopEvent) => void>();
  #result: DataflowResult | undefined;
  #stopSignal!: () => void;
  #stopped = new Promise<void>((resolve) => this.#stopSignal = resolve);
  #dataflow: Dataflow;
  #plane: DataPlane | undefined;
  #baseEnv: Record<string, string>;
  /** Set while `replace` runs: the dataflow must not end when the old nodes are gone. */
  #replacing: Promise<void> | undefined;
  #watchdogs = new Watchdogs(() => this.#runners, () => this.#plane);

  private constructor(private readonly opts: RuntimeOptions, startedAt: string) {
    this.startedAt = startedAt;
    this.#stateDir = opts.stateDir ?? `${runDir()}/${opts.uuid}`;
    this.#baseEnv = opts.baseEnv ?? Deno.env.toObject();
    this.#dataflow = opts.dataflow;
    this.#plane = opts.plane;
    this.#runners = opts.dataflow.nodes.map((spec) => this.#makeRunner(spec));
    this.finished = new Promise((resolve) => this.#settle = resolve);
    this.#watchPlane();
  }

  /** The plane tells us when a node got STOP for closed inputs (`finish_grace_secs`). */
  #watchPlane(): void {
    this.#plane?.watch?.({
      inputsClosed: (id) => this.#watchdogs.inputsClosed(id),
      nodeWarning: (id, message) => {
        const runner = this.#runners.find((r) => r.id === id);
        if (runner) runner.warn(message);
        else this.opts.onWarning?.(id, message);
      },
    });
  }

  #makeRunner(spec: NodeSpec): NodeRunner {
    const opts = this.opts;
    return new NodeRunner({
      spec,
      dir: this.#dataflow.dir,
      logDir: opts.logDir,
      stateDir: this.#stateDir,
      baseEnv: this.#baseEnv,
      extraEnv: opts.extraEnv,
      plane: this.#plane,
      onLine: opts.onLine,
      onChange: opts.onChange,
      onWarning: opts.onWarning,
      restart: opts.restart,
      launcher: opts.launcher,
      uv: opts.uv,
    });
  }

  /** The dataflow being run: the one started with, or the last one `replace`d or reloaded in. */
  get dataflow(): Dataflow {
    return this.#dataflow;
  }

  /** The data plane in use (`replace` swaps it); whoever made it closes it. */
  get plane(): DataPlane | undefined {
    return this.#plane;
  }

  /** This dataflow's log folder. */
  get logDir(): string {
    return this.opts.logDir;
  }

  /** Spawns every node except dynamic ones. Nodes that cannot start end `Failed`. */
  static async start(opts: RuntimeOptions): Promise<DataflowRuntime> {
    const runtime = new DataflowRuntime(opts, new Date().toISOString());
    await runtime.#prepareDirs();
    for (const runner of runtime.#runners) if (runner.kind !== "dynamic") await runner.spawn();
    runtime.#watchdogs.start(runtime.#dataflow);
    runtime.#settle(runtime.#watch());
    runtime.opts.onChange?.();
    return runtime;
  }

  /**
   * Takes over the dataflow described by `snapshot` after its supervisor died: nodes whose pid
   * and start time still match are watched again (their output meanwhile waited in the FIFOs),
   * the others are recorded as ended with an unknown exit code, and their leftovers killed.
   * A snapshot taken while `Stopping` is only adopted: call `stop` to finish the stop.
   */
  static async adopt(opts: RuntimeOptions, snapshot: DataflowSnapshot): Promise<DataflowRuntime> {
    const runtime = new DataflowRuntime(
      { ...opts, stateDir: opts.stateDir ?? snapshot.state_dir },
      snapshot.started_at,
    );
    await runtime.#prepareDirs();
    runtime.#stopRequested = snapshot.stop_requested;
    for (const runner of runtime.#runners) {
      const node = snapshot.nodes.find((n) => n.id === runner.id);
      if (node) runner.adopt(node);
    }
    runtime.#watchdogs.start(runtime.#dataflow);
    runtime.#settle(runtime.#watch());
    runtime.opts.onChange?.();
    return runtime;
  }

  /** Node id → process group id of every node whose processes may still run. */
  groups(): Map<string, number> {
    const groups = new Map<string, number>();
    for (const runner of this.#runners) {
      if (runner.alive && runner.pid !== null) groups.set(runner.id, runner.pid);
    }
    return groups;
  }

  /** The dataflow's state now. */
  get status(): DataflowStatus {
    if (this.#result) return this.#result.status;
    return this.#stopRequested ? "Stopping" : "Running";
  }

  /** JSON-serialisable state, for the registry and for `adopt`. */
  snapshot(): DataflowSnapshot {
    return {
      uuid: this.opts.uuid,
      name: this.opts.name,
      status: this.status,
      started_at: this.startedAt,
      ended_at: this.#endedAt,
      stop_requested: this.#stopRequested,
      state_dir: this.#stateDir,
      nodes: this.#runners.map((runner) => runner.snapshot()),
    };
  }

  /**
   * Hot reload of some nodes, their inputs and outputs unchanged: each ends its current run
   * (STOP where the data plane can send it to one node, else SIGTERM to its group; SIGKILL after
   * `graceMs`) and starts again at once, with its spec from `specs`. Not a crash: restart
   * policies are not asked and `restarts` does not count it; the data plane keeps the nodes'
   * consumers waiting. Resolves once every node runs again (or a stop won). Returns the ids it
   * could not restart: unknown ones and nodes that have already ended (the data plane cannot
   * take those back; `replace` can). `why` (default: a hot reload) is what the log says and
   * whether `restarts` counts it (a user's restart does).
   */
  async restartNodes(
    specs: NodeSpec[],
    opts: { graceMs?: number; why?: RestartWhy } = {},
  ): Promise<string[]> {
    if (this.#stopRequested || this.#result) return [];
    const graceMs = opts.graceMs ?? settings.stopTimeoutMs();
    const skipped: string[] = [];
    const waits: Promise<void>[] = [];
    const timers: ReturnType<typeof setTimeout>[] = [];
    for (const spec of specs) {
      const runner = this.#runners.find((r) => r.id === spec.id);
      const wasAlive = runner?.alive ?? false;
      const generation = runner?.generation;
      const wait = runner?.reload(spec, opts.why ?? HOT_RELOAD);
      if (!runner || !wait) {
        skipped.push(spec.id);
        continue;
      }
      waits.push(wait);
      if (!wasAlive || runner.stopping) continue;
      const gotStop = this.#plane?.stopNode?.(runner.id) ?? false;
      if (!gotStop) runner.signal("SIGTERM");
      const current = () => runner.alive && runner.generation === generation;
      if (gotStop) {
        timers.push(setTimeout(() => current() && runner.signal("SIGTERM"), graceMs / 2));
      }
      timers.push(setTimeout(() => {
        if (current()) runner.kill(`after not responding for ${formatSeconds(graceMs)}`);
      }, graceMs));
    }
    const replaced = new Map(specs.filter((s) => !skipped.includes(s.id)).map((s) => [s.id, s]));
    this.#dataflow = {
      ...this.#dataflow,
      nodes: this.#dataflow.nodes.map((node) => replaced.get(node.id) ?? node),
    };
    this.opts.onChange?.();
    try {
      await Promise.all(waits);
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
    return skipped;
  }

  /**
   * Stops one node while the rest of the dataflow runs on (a user's `node stop`): STOP where
   * the data plane can send it to that node, else SIGTERM; SIGTERM at half `graceMs`, SIGKILL at
   * its end (at once with `force`). The node ends `Stopped`; its consumers get INPUT_CLOSED.
   * Resolves once its processes are gone. Returns false for an unknown id.
   */
  async stopNode(id: string, opts: StopOptions = {}): Promise<boolean> {
    const runner = this.#runners.find((r) => r.id === id);
    if (!runner) return false;
    if (runner.finished || (!runner.alive && !runner.restartPending)) return true;
    const graceMs = opts.graceMs ?? settings.stopTimeoutMs();
    runner.stopping = true;
    runner.status = "Stopping";
    runner.cancelRestart();
    this.opts.onChange?.();
    const timers: ReturnType<typeof setTimeout>[] = [];
    if (opts.force) {
      runner.kill("(forced stop)");
    } else if (runner.alive) {
      const gotStop = this.#plane?.stopNode?.(id) ?? false;
      if (!gotStop) runner.signal("SIGTERM");
      else timers.push(setTimeout(() => runner.signal("SIGTERM"), graceMs / 2));
      timers.push(setTimeout(() => {
        if (runner.alive) runner.kill(`after not responding for ${formatSeconds(graceMs)}`);
      }, graceMs));
    }
    try {
      await runner.done;
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
    return true;
  }

  /**
   * Hot reload of the whole dataflow (its graph changed, or a node that has ended must run
   * again): every node stops through the stop ladder, `swapPlane` closes the old data plane and
   * returns the new one for `dataflow`, then the nodes of `dataflow` start. The dataflow does
   * not end meanwhile. A user's stop during it wins: nothing new starts. Restart counts carry
   * over to nodes of the same id.
   */
  async replace(
    dataflow: Dataflow,
    swapPlane: (old: DataPlane | undefined, next: Dataflow) => Promise<DataPlane | undefined>,
    opts: { graceMs?: number } = {},
  ): Promise<void> {
    if (this.#stopRequested || this.#result || this.#replacing) return;
    let release!: () => void;
    this.#replacing = new Promise((resolve) => release = resolve);
    try {
      const old = this.#runners;
      await this.#ladder(old, opts.graceMs ?? settings.stopTimeoutMs(), false);
      for (const runner of old) {
        runner.markStopped();
        runner.close();
      }
      if (this.#stopRequested) return;
      try {
        this.#plane = await swapPlane(this.#plane, dataflow);
      } catch (err) {
        // No plane, no nodes: the dataflow ends, as stopped.
        this.#plane = undefined;
        this.#stopRequested = true;
        this.#stopSignal();
        throw err;
      }
      const restarts = new Map(old.map((runner) => [runner.id, runner.restarts]));
      this.#dataflow = dataflow;
      this.#watchPlane();
      this.#watchdogs.start(dataflow);
      this.#runners = dataflow.nodes.map((spec) => this.#makeRunner(spec));
      for (const runner of this.#runners) {
        runner.restarts = restarts.get(runner.id) ?? 0;
        if (runner.kind !== "dynamic" && !this.#stopRequested) await runner.spawn();
      }
      this.opts.onChange?.();
    } finally {
      this.#replacing = undefined;
      release();
    }
  }

  /**
   * Stops every node (see the ladder above) and resolves when all their groups are gone.
   * Calling it again while a stop runs joins that stop; with `force` it kills what is left.
   */
  async stop(opts: StopOptions = {}, progress?: (event: StopEvent) => void): Promise<void> {
    if (progress) this.#listeners.add(progress);
    try {
      this.#stopRequested = true;
      this.#stopSignal();
      if (!this.#stopping) {
        const graceMs = opts.graceMs ?? settings.stopTimeoutMs();
        const force = !!opts.force;
        // A reload in progress finishes its stop first and starts nothing new.
        const replacing = this.#replacing;
        if (replacing && force) this.#forceAll("(forced stop)");
        // The ladder starts now (not a turn later) unless a reload has to finish first.
        const ladder = replacing
          ? replacing.then(() => this.#ladder(this.#runners, graceMs, force))
          : this.#ladder(this.#runners, graceMs, force);
        this.#stopping = ladder.then(() => this.finished).then(() => {});
        this.opts.onChange?.();
      } else if (opts.force) {
        this.#forceAll("(forced stop)");
      }
      await this.#stopping;
    } finally {
      if (progress) this.#listeners.delete(progress);
    }
  }

  #emit(event: StopEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  async #prepareDirs(): Promise<void> {
    await Deno.mkdir(this.#stateDir, { recursive: true, mode: 0o700 });
    await Deno.chmod(this.#stateDir, 0o700);
    await Deno.mkdir(this.opts.logDir, { recursive: true, mode: 0o700 });
  }

  #forceAll(because: string): void {
    for (const runner of this.#runners) {
      if (!runner.alive || runner.killedBecause) continue;
      this.#emit({ type: "force-stopping", node: runner.id });
      runner.kill(because);
    }
  }

  /** Stops `runners` (see the module comment) and resolves when all are done. */
  async #ladder(runners: NodeRunner[], graceMs: number, force: boolean): Promise<void> {
    const live = runners.filter((runner) => runner.alive || runner.restartPending);
    for (const runner of live) {
      runner.stopping = true;
      runner.status = "Stopping";
      this.#emit({ type: "stopping", node: runner.id });
      runner.done.then(() =>
        this.#emit({ type: "stopped", node: runner.id, killed: runner.killedBecause !== null })
      );
      runner.cancelRestart();
    }
    this.opts.onChange?.();
    const timers: ReturnType<typeof setTimeout>[] = [];
    if (force) {
      this.#forceAll("(forced stop)");
    } else {
      const gotStop = this.#plane?.stopAll() ?? new Set<string>();
      for (const runner of live) if (!gotStop.has(runner.id)) runner.signal("SIGTERM");
      timers.push(setTimeout(() => {
        for (const runner of live) if (gotStop.has(runner.id)) runner.signal("SIGTERM");
      }, graceMs / 2));
      timers.push(setTimeout(() => {
        for (const runner of live) {
          if (!runner.alive || runner.killedBecause) continue;
          this.#emit({ type: "not-responding", node: runner.id, waitedMs: graceMs });
        }
        this.#forceAll(`after not responding for ${formatSeconds(graceMs)}`);
      }, graceMs));
    }
    await Promise.all(live.map((runner) => runner.done));
    for (const timer of timers) clearTimeout(timer);
  }

  /** Waits for every node, then settles the result. */
  async #watch(): Promise<DataflowResult> {
    for (;;) {
      const pending = this.#runners.filter((r) => r.alive || r.restartPending).map((r) => r.done);
      if (pending.length > 0) {
        await Promise.all(pending);
      } else if (this.#replacing) {
        await this.#replacing;
      } else if (!this.#stopRequested && this.#dataflow.nodes.every((n) => n.kind === "dynamic")) {
        // A dataflow of dynamic nodes only has nothing to wait for: it runs until stopped.
        await this.#stopped;
      } else {
        break;
      }
    }
    this.#watchdogs.stop();
    for (const runner of this.#runners) {
      runner.markStopped();
      runner.close();
    }
    await Deno.remove(this.#stateDir).catch(() => {});
    const nodes = this.#runners.map((runner) => runner.snapshot());
    const failed = nodes.some((n) => n.status === "Failed" || n.status === "Unknown");
    this.#result = {
      status: failed ? "Failed" : this.#stopRequested ? "Stopped" : "Succeeded",
      nodes,
    };
    this.#endedAt = new Date().toISOString();
    this.opts.onChange?.();
    return this.#result;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
