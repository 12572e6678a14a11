/**
 * The timers that kill a node for a reason of its own: `health_check_timeout` (every
 * `health_check_interval`, default 5 s, a node connected to the data plane that has been silent
 * longer than its timeout) and `finish_grace_secs` (a node still running that long after it got
 * STOP for closed inputs). The kill is logged; the node's restart policy then decides, as after
 * a crash.
 */
import type { Dataflow } from "../descriptor/types.ts";
import type { NodeRunner } from "./node.ts";
import type { DataPlane } from "./plane.ts";

/** dora's default `health_check_interval`. */
export const DEFAULT_HEALTH_INTERVAL_MS = 5000;

/** The watchdogs of one dataflow. */
export class Watchdogs {
  #healthTimer: ReturnType<typeof setInterval> | undefined;
  #graceTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly runners: () => NodeRunner[],
    private readonly plane: () => DataPlane | undefined,
  ) {}

  /** Starts (or restarts, for a replaced dataflow) the health checks `dataflow` asks for. */
  start(dataflow: Dataflow): void {
    if (this.#healthTimer !== undefined) clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
    if (!dataflow.nodes.some((n) => n.healthCheckTimeoutMs !== undefined)) return;
    const every = dataflow.healthCheckIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    this.#healthTimer = setInterval(() => this.#checkHealth(), every);
  }

  /** The node got STOP because its inputs closed: its `finish_grace_secs` starts. */
  inputsClosed(id: string): void {
    const runner = this.runners().find((r) => r.id === id);
    const grace = runner?.spec.finishGraceMs;
    if (!runner || grace === undefined) return;
    const generation = runner.generation;
    const timer = setTimeout(() => {
      this.#graceTimers.delete(timer);
      if (runner.generation !== generation) return;
      runner.killFor(
        `still running ${seconds(grace)} after its inputs closed (finish_grace_secs)`,
        "(finish_grace_secs)",
      );
    }, grace);
    this.#graceTimers.add(timer);
  }

  /** Stops every timer (the dataflow has ended). */
  stop(): void {
    if (this.#healthTimer !== undefined) clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
    for (const timer of this.#graceTimers) clearTimeout(timer);
    this.#graceTimers.clear();
  }

  #checkHealth(): void {
    const now = Date.now();
    const plane = this.plane();
    for (const runner of this.runners()) {
      const timeout = runner.spec.healthCheckTimeoutMs;
      if (timeout === undefined || runner.status !== "Running") continue;
      const last = plane?.lastActivity?.(runner.id);
      if (last === undefined || now - last <= timeout) continue;
      runner.killFor(
        `no activity for ${seconds(now - last)} (health_check_timeout ${seconds(timeout)}): ` +
          "killing it",
        "(health_check_timeout)",
      );
    }
  }
}

/** `1s`, `0.5s`, `2.1s`. */
function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
