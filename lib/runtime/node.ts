/**
 * One node's processes: spawning (or re-adopting) it in its own session and process group, its
 * output from the FIFOs into the log and `onLine`, signals to the whole group, and the end: a
 * node is done only when its group is empty and its output drained.
 */
import type { NodeSpec } from "../descriptor/types.ts";
import { errorMessage } from "../errors.ts";
import type { LogRecord, LogStream } from "../logs/format.ts";
import { nodeArgv, nodeEnv, wrapWithFifos } from "./command.ts";
import { type Exit, reapGroup, signalGroup, unknownExit, zombieExit } from "./group.ts";
import { commandText, exitText, formatMs, wrapperError } from "./node_text.ts";
import { chooseCores } from "./affinity.ts";
import { setThreadAffinity, threadAffinity } from "./libc.ts";
import { NodeOutput } from "./output.ts";
import type { DataPlane } from "./plane.ts";
import { isLive, readStat } from "./proc.ts";
import type { Launch, NodeSnapshot, NodeStatus, RuntimeOptions } from "./types.ts";

/** Lines of stderr kept for the failure report. */
const STDERR_TAIL = 10;
/** After the main process exits, its leftovers get SIGTERM, then SIGKILL this much later. */
const LEFTOVER_GRACE_MS = 2000;
/** How often an adopted node (not our child: no exit notification) is checked. */
const ADOPTED_POLL_MS = 250;

const FINAL: ReadonlySet<NodeStatus> = new Set(["Succeeded", "Failed", "Stopped", "Unknown"]);

/** What a node runner shares with its dataflow. */
export interface NodeContext extends
  Pick<
    RuntimeOptions,
    "extraEnv" | "plane" | "onLine" | "onChange" | "onWarning" | "restart" | "launcher" | "uv"
  > {
  spec: NodeSpec;
  dir: string;
  logDir: string;
  stateDir: string;
  baseEnv: Record<string, string>;
}

/** Why a node is restarted in place: the log says `reason`; `counted` adds one to `restarts`. */
export interface RestartWhy {
  reason: string;
  counted: boolean;
}

/** A hot reload's restart: not counted (the node did not fail, its files changed). */
export const HOT_RELOAD: RestartWhy = { reason: "hot reload", counted: false };

/** Supervises one node. */
export class NodeRunner {
  status: NodeStatus = "Pending";
  pid: number | null = null;
  startTime: number | null = null;
  restarts = 0;
  exitCode: number | null = null;
  signalName: string | null = null;
  startedAt: string | null = null;
  endedAt: string | null = null;
  reason: string | null = null;
  lastStderr: string[] = [];
  /** A user's stop reached this node: however it ends, it is Stopped. */
  stopping = false;
  /** Set when the stop ladder sent SIGKILL; the text says why (for the log). */
  killedBecause: string | null = null;
  /** When a restart is scheduled, ISO time. */
  nextRestartAt: string | null = null;
  #alive = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #done: Promise<void> = Promise.resolve();
  #resolveDone: (() => void) | undefined;
  #output: NodeOutput;
  #plane: DataPlane | undefined;
  #launch: Launch | undefined;
  #spec: NodeSpec;
  /** A hot reload asked for a new run with this spec once the current one has ended. */
  #reloadSpec: NodeSpec | undefined;
  /** Why the pending reload restarts the node (for the log) and whether `restarts` counts it. */
  #reloadWhy: RestartWhy = HOT_RELOAD;
  #reloadWaiters: (() => void)[] = [];
  #generation = 0;

  constructor(private readonly ctx: NodeContext) {
    this.#plane = ctx.plane;
    this.#spec = ctx.spec;
    this.#output = new NodeOutput(
      ctx.spec.id,
      ctx.stateDir,
      ctx.logDir,
      (stream, lines, records) => this.#onLines(stream, lines, records),
      (message) => this.#warn(message),
      ctx.spec.logs,
    );
  }

  get id(): string {
    return this.#spec.id;
  }

  get kind(): NodeSpec["kind"] {
    return this.#spec.kind;
  }

  /** The spec the node runs with (a hot reload may replace it). */
  get spec(): NodeSpec {
    return this.#spec;
  }

  /** Counts the node's spawns: tells one run of the node from the next. */
  get generation(): number {
    return this.#generation;
  }

  /** Spawned (or adopted) and its process group not yet seen empty. */
  get alive(): boolean {
    return this.#alive;
  }

  /** Waiting to be started again (restart policy). */
  get restartPending(): boolean {
    return this.#restartTimer !== undefined;
  }

  /**
   * Resolves when the node reached a final state: its group is empty, its output drained and
   * no restart is pending (at once if it never ran).
   */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Whether the node reached a final state. */
  get finished(): boolean {
    return FINAL.has(this.status);
  }

  #begin(): void {
    this.#alive = true;
    this.#generation++;
    // A restart continues the same wait: the dataflow waits for the final state.
    if (!this.#resolveDone) this.#done = new Promise((resolve) => this.#resolveDone = resolve);
    this.nextRestartAt = null;
    // The previous run's pid may belong to anyone by now: never signal it.
    this.pid = null;
    this.startTime = null;
    this.exitCode = null;
    this.signalName = null;
    this.endedAt = null;
    this.reason = null;
    this.killedBecause = null;
  }

  /** Starts the node. Never throws: a node that cannot start ends `Failed` with a reason. */
  async spawn(): Promise<void> {
    const spec = this.#spec;
    this.#begin();
    const env = nodeEnv(
      this.ctx.baseEnv,
      spec,
      this.ctx.extraEnv,
      this.#plane ? (merged) => this.#plane!.nodeEnv(spec.id, merged, this.restarts) : undefined,
    );
    let argv: string[];
    try {
      argv = nodeArgv(spec, env.PATH ?? "", undefined, this.ctx.uv);
      if (this.ctx.launcher) {
        this.#launch = await this.ctx.launcher(spec, argv);
        argv = this.#launch.argv;
        if (this.#launch.warning) {
          this.#warn(this.#launch.warning);
          this.#dora(`warning: ${this.#launch.warning}`);
        }
      }
      // A stop that came while the launcher prepared wins: nothing is started.
      if (this.stopping) {
        await this.#endLaunch();
        this.#alive = false;
        return this.#settle("Stopped");
      }
      this.#output.open(true);
    } catch (err) {
      this.#output.close();
      await this.#endLaunch();
      return this.#failToStart(errorMessage(err));
    }
    const [stdoutFifo, stderrFifo] = this.#output.fifos;
    const cmd = wrapWithFifos(spec.id, argv, stdoutFifo, stderrFifo);
    // cpu_affinity: this thread forks the node, so the node starts with this thread's cores.
    const cores = spec.cpuAffinity ? this.#affinity(spec.cpuAffinity) : undefined;
    const previous = cores ? threadAffinity() : undefined;
    let child: Deno.ChildProcess;
    try {
      if (cores) setThreadAffinity(cores);
      child = new Deno.Command(cmd.command, {
        args: cmd.args,
        cwd: this.ctx.dir,
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "null",
        detached: true,
      }).spawn();
    } catch (err) {
      this.#output.close();
      await this.#endLaunch();
      const reason = err instanceof Deno.errors.NotFound
        ? `working directory not found: ${this.ctx.dir}`
        : errorMessage(err);
      return this.#failToStart(reason);
    } finally {
      if (previous) setThreadAffinity(previous);
    }
    this.pid = child.pid;
    this.startTime = readStat(child.pid)?.startTime ?? null;
    this.startedAt = new Date().toISOString();
    this.status = "Running";
    this.#dora(`started (pid ${child.pid}): ${commandText(spec, this.ctx.dir)}`);
    this.#plane?.nodeSpawned(spec.id);
    this.ctx.onChange?.();
    child.status.then(
      (s) => this.#ended({ known: true, code: s.signal ? null : s.code, signal: s.signal }),
      () => this.#ended({ known: false, code: null, signal: null }),
    );
  }

  /**
   * Takes over a node from a supervisor that died: keeps watching it when the same process
   * (pid and start time) still runs, otherwise records that it ended unwatched.
   */
  adopt(snap: NodeSnapshot): void {
    this.status = snap.status;
    this.pid = snap.pid;
    this.startTime = snap.start_time;
    this.restarts = snap.restarts;
    this.exitCode = snap.exit_code;
    this.signalName = snap.signal;
    this.startedAt = snap.started_at;
    this.endedAt = snap.ended_at;
    this.reason = snap.reason;
    this.lastStderr = [...snap.last_stderr];
    if (this.finished || this.#spec.kind === "dynamic") return;
    if (snap.status === "Restarting") {
      this.#done = new Promise((resolve) => this.#resolveDone = resolve);
      const at = snap.next_restart_at ? Date.parse(snap.next_restart_at) : Date.now();
      this.#scheduleRestart(Number.isNaN(at) ? 0 : Math.max(0, at - Date.now()));
      return;
    }
    if (snap.pid === null) return;
    this.stopping = snap.status === "Stopping";
    this.#done = new Promise((resolve) => this.#resolveDone = resolve);
    this.#alive = true;
    const stat = readStat(snap.pid);
    const same = stat !== undefined && stat.startTime === snap.start_time;
    const pidReused = !same && stat !== undefined;
    try {
      // Output written meanwhile waits in the FIFOs (for a node that is gone: only what its
      // leftover processes still hold).
      if (!pidReused) this.#output.open(false);
    } catch (err) {
      if (same) this.#warn(`cannot reopen the output of node '${this.id}': ${errorMessage(err)}`);
    }
    if (same && isLive(stat)) {
      this.#dora(`adopted (pid ${snap.pid}) by a new supervisor`);
      this.#watchAdopted(snap.pid, snap.start_time!);
      return;
    }
    const exit = same ? zombieExit(stat) : unknownExit();
    if (!exit.known) this.reason = "ended while no supervisor was watching; exit code unknown";
    // A different process now has the pid: the old group is empty, leave the new one alone.
    void this.#ended(exit, pidReused);
  }

  /**
   * Hot reload: once the current run has ended (the caller stops it, see
   * `DataflowRuntime.restartNodes`), the node starts again at once with `spec`. Not a crash: the
   * restart hook is not asked and `restarts` does not count it; the data plane keeps the node's
   * consumers waiting. A pending policy restart happens now, with `spec`. Resolves once the new
   * run is spawned, or the node reached a final state (a stop won). Returns undefined, and
   * changes nothing, for a node that has already reached a final state. `why` names the cause
   * in the log (a user's restart says so and counts in `restarts`).
   */
  reload(spec: NodeSpec, why: RestartWhy = HOT_RELOAD): Promise<void> | undefined {
    if (this.finished) return undefined;
    if (this.stopping) return Promise.resolve();
    const wait = new Promise<void>((resolve) => this.#reloadWaiters.push(resolve));
    if (this.#restartTimer !== undefined) {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
      this.#spec = spec;
      this.#dora(`restarting now for ${why.reason}`);
      this.#scheduleRestart(0, why.counted);
    } else if (this.#alive) {
      this.#reloadSpec = spec;
      this.#reloadWhy = why;
      this.#dora(`restarting for ${why.reason}`);
    } else {
      // Never started (Pending): the next spawn uses the new spec.
      this.#spec = spec;
      this.#releaseReload();
    }
    return wait;
  }

  #releaseReload(): void {
    for (const resolve of this.#reloadWaiters.splice(0)) resolve();
  }

  /** Sends `signal` to every process of the node (its group, and its session). */
  signal(signal: Deno.Signal): void {
    if (this.#alive && this.pid !== null) signalGroup(this.pid, signal);
  }

  /** SIGKILL to the whole group; `because` goes to the log. */
  kill(because: string): void {
    this.killedBecause ??= because;
    this.signal("SIGKILL");
  }

  /**
   * Kills a node that is not stopping, for a reason of its own (`health_check_timeout`,
   * `finish_grace_secs`): `note` goes to the log; its restart policy then decides, as after a
   * crash.
   */
  killFor(note: string, because: string): void {
    if (!this.#alive || this.stopping || this.killedBecause !== null) return;
    this.#dora(note);
    this.kill(because);
  }

  /** A warning about this node: shown (or logged by the daemon) and in the node's log. */
  warn(message: string): void {
    this.#warn(message);
    this.#dora(`warning: ${message}`);
  }

  /** The cores of `wanted` this process may use; the others are skipped with a warning. */
  #affinity(wanted: number[]): number[] | undefined {
    try {
      const { cores, warning } = chooseCores(this.id, wanted, threadAffinity());
      if (warning) {
        this.#warn(warning);
        this.#dora(`warning: ${warning}`);
      }
      return cores;
    } catch (err) {
      this.#warn(`cpu_affinity of node '${this.id}' ignored: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** Cancels a pending restart (a user's stop); the node ends `Stopped`. */
  cancelRestart(): boolean {
    if (this.#restartTimer === undefined) return false;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.nextRestartAt = null;
    this.#settle("Stopped");
    return true;
  }

  /** Marks a node that is not running as stopped (e.g. a dynamic node at the end). */
  markStopped(): void {
    if (this.finished || this.#alive) return;
    this.status = "Stopped";
    this.endedAt ??= new Date().toISOString();
  }

  /** The stored form. */
  snapshot(): NodeSnapshot {
    return {
      id: this.id,
      status: this.status,
      pid: this.pid,
      start_time: this.startTime,
      restarts: this.restarts,
      exit_code: this.exitCode,
      signal: this.signalName,
      started_at: this.startedAt,
      ended_at: this.endedAt,
      reason: this.reason,
      last_stderr: [...this.lastStderr],
      next_restart_at: this.nextRestartAt,
    };
  }

  /** Releases the log file (when the dataflow is over). */
  close(): void {
    this.#output.closeLog();
  }

  #onLines(stream: LogStream, lines: string[], records: LogRecord[]): void {
    if (stream === "stderr") this.lastStderr = [...this.lastStderr, ...lines].slice(-STDERR_TAIL);
    try {
      // send_stdout_as sees every line as written, before parsing and min_log_level (dora's).
      if (stream === "stdout" && this.#spec.sendStdoutAs) {
        for (const text of lines) this.#plane?.stdoutLine(this.id, text);
      }
      for (const record of records) {
        this.ctx.onLine?.(this.id, record.stream, record.text, record.time, record);
        if (stream !== "dora") this.#plane?.logRecord?.(this.id, record);
      }
    } catch (err) {
      // A listener's bug must not stop the supervision; the lines are in the log already.
      this.#warn(`output listener failed for node '${this.id}': ${errorMessage(err)}`);
    }
  }

  #dora(text: string): void {
    this.#output.write("dora", [text]);
  }

  #warn(message: string): void {
    if (this.ctx.onWarning) this.ctx.onWarning(this.id, message);
    else console.error(`Warning: ${message}`);
  }

  #failToStart(reason: string): void {
    this.reason = reason;
    this.#alive = false;
    this.#dora(`failed to start: ${reason}`);
    // For the data plane it has exited: the startup barrier stops waiting for it and its
    // consumers get INPUT_CLOSED.
    this.#plane?.nodeExited(this.id, false);
    this.#settle("Failed");
  }

  /** Reaches a final state. */
  #settle(status: NodeStatus): void {
    this.status = status;
    this.endedAt ??= new Date().toISOString();
    this.#reloadSpec = undefined;
    this.ctx.onChange?.();
    const resolve = this.#resolveDone;
    this.#resolveDone = undefined;
    resolve?.();
    this.#releaseReload();
  }

  /** Tells the launcher the node's processes are gone; returns its note on the ending. */
  async #endLaunch(): Promise<string | undefined> {
    const launch = this.#launch;
    this.#launch = undefined;
    try {
      return await launch?.ended?.();
    } catch (err) {
      this.#warn(`after node '${this.id}' ended: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** `counted`: a restart-policy or user's restart (a hot reload's is not). */
  #scheduleRestart(delayMs: number, counted = true): void {
    this.status = "Restarting";
    this.nextRestartAt = new Date(Date.now() + delayMs).toISOString();
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (counted) this.restarts++;
      void this.spawn().finally(() => this.#releaseReload());
    }, delayMs);
    this.ctx.onChange?.();
  }

  #watchAdopted(pid: number, startTime: number): void {
    const timer = setInterval(() => {
      const stat = readStat(pid);
      if (stat && stat.startTime === startTime && isLive(stat)) return;
      clearInterval(timer);
      const exit = stat && stat.startTime === startTime ? zombieExit(stat) : unknownExit();
      if (!exit.known) this.reason = "exit code unknown: the node was adopted, not started, here";
      void this.#ended(exit);
    }, ADOPTED_POLL_MS);
  }

  async #ended(exit: Exit, pidReused = false): Promise<void> {
    this.exitCode = exit.code;
    this.signalName = exit.signal;
    const endedAt = Date.now();
    const reloading = this.#reloadSpec !== undefined && !this.stopping;
    // dora: once every input the node reads from other nodes has closed, it is not restarted.
    const inputsDone = this.#plane?.inputsDone?.(this.id) ?? false;
    const decision = this.stopping || reloading || !this.ctx.restart || inputsDone
      ? undefined
      : this.ctx.restart(
        this.#spec,
        { code: exit.code, signal: exit.signal },
        { startedAt: this.startedAt ? Date.parse(this.startedAt) : endedAt, endedAt },
      );
    const restartInMs = decision && "restartInMs" in decision ? decision.restartInMs : undefined;
    // Lines the node wrote before it exited reach their receivers before its outputs close.
    this.#output.drain();
    this.#plane?.nodeExited(this.id, restartInMs !== undefined || reloading);
    if (!pidReused && this.pid !== null) {
      const { leftovers, killed } = await reapGroup(this.pid, LEFTOVER_GRACE_MS);
      const what = leftovers === 1 ? "1 leftover process" : `${leftovers} leftover processes`;
      if (leftovers > 0) {
        this.#dora(`${what} ${killed ? "killed (SIGKILL)" : "terminated"} after the node exited`);
      }
    }
    this.#output.close();
    const note = await this.#endLaunch();
    this.#alive = false;
    this.endedAt = new Date(endedAt).toISOString();
    // A reload asked for while the group emptied still restarts when the plane was told so.
    const reloadSpec = this.stopping ? undefined : this.#reloadSpec;
    if (reloadSpec && (reloading || restartInMs !== undefined)) {
      const why = this.#reloadWhy;
      this.#reloadSpec = undefined;
      this.#reloadWhy = HOT_RELOAD;
      this.#dora(`stopped for ${why.reason}: ${exitText(exit, this)}`);
      this.#spec = reloadSpec;
      this.#scheduleRestart(0, why.counted);
      return;
    }
    const execError = exit.code === 126 || exit.code === 127
      ? wrapperError(this.id, this.lastStderr)
      : undefined;
    if (execError && !this.stopping) {
      this.reason = execError;
      this.#dora(`failed to start: ${execError}`);
    } else {
      this.#dora(exitText(exit, this));
    }
    // A stop may have come while the group emptied: it wins over the restart.
    if (restartInMs !== undefined && !this.stopping) {
      this.#dora(`restarting in ${formatMs(restartInMs)} (restart ${this.restarts + 1})`);
      this.#scheduleRestart(restartInMs);
      return;
    }
    if (note) {
      this.reason = note;
      this.#dora(note);
    }
    if (decision && "giveUp" in decision) {
      this.reason = decision.giveUp;
      this.#dora(`not restarted: ${decision.giveUp}`);
    }
    if (this.stopping) this.#settle("Stopped");
    else if (!exit.known) this.#settle("Unknown");
    else this.#settle(exit.code === 0 ? "Succeeded" : "Failed");
  }
}
