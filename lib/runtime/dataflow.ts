/**
 * A running dataflow: every node's process, the stop ladder, the final result, and the snapshot
 * a supervisor stores so that its successor can re-adopt the nodes (`adopt`).
 *
 * Stop ladder: nodes connected to the data plane get STOP, the others SIGTERM to their group;
 * at half the grace period nodes that only got STOP also get SIGTERM; at the end of it the
 * remaining groups get SIGKILL. A node counts as stopped when its whole group is gone.
 */
import { runDir, settings } from "../config.ts";
import { NodeRunner } from "./node.ts";
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

  private constructor(private readonly opts: RuntimeOptions, startedAt: string) {
    this.startedAt = startedAt;
    this.#stateDir = opts.stateDir ?? `${runDir()}/${opts.uuid}`;
    const baseEnv = opts.baseEnv ?? Deno.env.toObject();
    this.#runners = opts.dataflow.nodes.map((spec) =>
      new NodeRunner({
        spec,
        dir: opts.dataflow.dir,
        logDir: opts.logDir,
        stateDir: this.#stateDir,
        baseEnv,
        extraEnv: opts.extraEnv,
        plane: opts.plane,
        onLine: opts.onLine,
        onChange: opts.onChange,
        onWarning: opts.onWarning,
        restart: opts.restart,
        launcher: opts.launcher,
      })
    );
    this.finished = new Promise((resolve) => this.#settle = resolve);
  }

  /** Spawns every node except dynamic ones. Nodes that cannot start end `Failed`. */
  static async start(opts: RuntimeOptions): Promise<DataflowRuntime> {
    const runtime = new DataflowRuntime(opts, new Date().toISOString());
    await runtime.#prepareDirs();
    for (const runner of runtime.#runners) if (runner.kind !== "dynamic") await runner.spawn();
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
   * Stops every node (see the ladder above) and resolves when all their groups are gone.
   * Calling it again while a stop runs joins that stop; with `force` it kills what is left.
   */
  async stop(opts: StopOptions = {}, progress?: (event: StopEvent) => void): Promise<void> {
    if (progress) this.#listeners.add(progress);
    try {
      this.#stopRequested = true;
      this.#stopSignal();
      if (!this.#stopping) {
        this.#stopping = this.#ladder(opts.graceMs ?? settings.stopTimeoutMs(), !!opts.force);
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

  async #ladder(graceMs: number, force: boolean): Promise<void> {
    const live = this.#runners.filter((runner) => runner.alive || runner.restartPending);
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
      const gotStop = this.opts.plane?.stopAll() ?? new Set<string>();
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
    await this.finished;
  }

  /** Waits for every node, then settles the result. */
  async #watch(): Promise<DataflowResult> {
    const spawnable = this.opts.dataflow.nodes.filter((n) => n.kind !== "dynamic");
    for (;;) {
      const pending = this.#runners.filter((r) => r.alive || r.restartPending).map((r) => r.done);
      if (pending.length === 0) break;
      await Promise.all(pending);
    }
    // A dataflow of dynamic nodes only has nothing to wait for: it runs until stopped.
    if (spawnable.length === 0) await this.#stopped;
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
