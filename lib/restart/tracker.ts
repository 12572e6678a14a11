/**
 * Restart timing for one node: exponential backoff with jitter and a cap, reset after a stable
 * run, and a crash-loop guard that counts failures in a sliding window whatever each run's
 * length (pm2 only distrusts crashes in the first seconds, so a node dying every few seconds
 * restarts all night). Pure: the clock and the random source are injected.
 *
 * dora's own keys take over where a node sets them: `max_restarts` (with `restart_window`)
 * replaces the crash-loop guard, and `restart_delay` makes the delay exactly double each attempt
 * (capped by `max_restart_delay`), the attempts counting from the start of the restart window
 * rather than from the last stable run.
 */
import { settings } from "../config.ts";

/**
 * `decorrelated`: each delay is random between the base and three times the previous one
 * (never below the base); `full`: random between 0 and base·2^(attempt-1); `none`:
 * base·2^(attempt-1) exactly. All are capped by `maxDelayMs`.
 */
export type Jitter = "decorrelated" | "full" | "none";

/** The knobs; `restartOptionsFromSettings()` reads them from the environment. */
export interface RestartOptions {
  /** First delay (`DORA_RESTART_DELAY_MS`). */
  baseDelayMs: number;
  /** No delay exceeds this (`DORA_RESTART_MAX_DELAY_MS`). */
  maxDelayMs: number;
  /** A run lasting this long resets the backoff (`DORA_RESTART_STABLE_MS`). */
  stableMs: number;
  /** This many failures within `windowMs` and the node is given up (`DORA_RESTART_MAX_FAILURES`). */
  maxFailures: number;
  /** The crash-loop window (`DORA_RESTART_WINDOW_MS`). */
  windowMs: number;
  jitter: Jitter;
  /**
   * dora's `max_restarts`: restarts allowed (within `restartWindowMs`, when set) before the
   * node is given up; 0 means unlimited. Set, it replaces the crash-loop guard.
   */
  maxRestarts?: number;
  /** dora's `restart_window`: the restart count starts over this long after its first restart. */
  restartWindowMs?: number;
  /** False (dora's `restart_delay`): a stable run does not reset the backoff. Default true. */
  stableReset?: boolean;
}

/** What to do after an exit the policy says to restart. */
export type RestartDecision =
  /** Start again in `delayMs` (at `retryAt`, clock time); `attempt` counts from 1 since the last reset. */
  | { action: "restart"; delayMs: number; attempt: number; retryAt: number }
  /** Stop trying: the node becomes Failed, with `reason` shown to the user. */
  | { action: "give-up"; reason: string };

/** The tracker's memory, JSON-safe, to keep it across a supervisor restart. */
export interface RestartState {
  restarts: number;
  attempt: number;
  /** End times of the failures still inside the window. */
  failures: number[];
  prevDelayMs: number;
  nextRetryAt: number | null;
  gaveUp: string | null;
  /** `max_restarts` counting: restarts in the current window, and when that window began. */
  windowCount?: number;
  windowStart?: number | null;
}

/** Injected sources of time and chance (real ones by default). */
export interface TrackerDeps {
  /** Milliseconds, same scale as the times given to `onExit` (default `Date.now`). */
  now?: () => number;
  /** A number in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** State saved by `toJSON()` of an earlier tracker. */
  state?: RestartState;
}

/** The options as configured by environment variables (see lib/config.ts). */
export function restartOptionsFromSettings(): RestartOptions {
  return {
    baseDelayMs: settings.restartDelayMs(),
    maxDelayMs: settings.restartMaxDelayMs(),
    stableMs: settings.restartStableMs(),
    maxFailures: settings.restartMaxFailures(),
    windowMs: settings.restartWindowMs(),
    jitter: "decorrelated",
  };
}

/** `500ms`, `2s`, `1.5s`, `90s`: durations in give-up messages. */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}

/** Decides, exit by exit, when a node is started again and when it is given up. */
export class RestartTracker {
  readonly options: RestartOptions;
  #now: () => number;
  #random: () => number;
  #state: RestartState;

  constructor(options: Partial<RestartOptions> = {}, deps: TrackerDeps = {}) {
    this.options = { ...restartOptionsFromSettings(), ...options };
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#state = deps.state ? structuredClone(deps.state) : this.#fresh(0);
  }

  /** Restarts actually performed (see `restarted()`). */
  get restarts(): number {
    return this.#state.restarts;
  }

  /** Clock time of the pending restart, or null when none is pending. */
  get nextRetryAt(): number | null {
    return this.#state.nextRetryAt;
  }

  /** Consecutive restarts since the backoff was last reset. */
  get attempt(): number {
    return this.#state.attempt;
  }

  /** Failures within the window, as of now. */
  get failuresInWindow(): number {
    const since = this.#now() - this.options.windowMs;
    return this.#state.failures.filter((t) => t > since).length;
  }

  /** Why the tracker gave up, or null while it has not. */
  get gaveUp(): string | null {
    return this.#state.gaveUp;
  }

  /**
   * Records an exit the policy wants restarted (times in the clock's milliseconds) and says
   * whether to restart, after which delay, or to give up. Once given up, it stays given up
   * until `reset()`.
   */
  onExit(startedAt: number, endedAt: number): RestartDecision {
    const s = this.#state;
    if (s.gaveUp !== null) return { action: "give-up", reason: s.gaveUp };
    const { baseDelayMs, stableMs, maxFailures, windowMs, maxRestarts, restartWindowMs } =
      this.options;
    const giveUp = (reason: string): RestartDecision => {
      s.gaveUp = reason;
      s.nextRetryAt = null;
      return { action: "give-up", reason };
    };
    if (maxRestarts !== undefined) {
      // dora's limit: N restarts (per window), instead of the crash-loop guard.
      const start = s.windowStart ?? null;
      if (restartWindowMs !== undefined && start !== null && endedAt - start >= restartWindowMs) {
        s.windowCount = 0;
        s.windowStart = null;
        s.attempt = 0;
        s.prevDelayMs = baseDelayMs;
      }
      const count = s.windowCount ?? 0;
      if (maxRestarts > 0 && count >= maxRestarts) {
        const within = restartWindowMs === undefined
          ? ""
          : ` within ${formatDelay(restartWindowMs)}`;
        return giveUp(`gave up after ${count} restarts${within} (max_restarts: ${maxRestarts})`);
      }
      s.windowCount = count + 1;
      s.windowStart ??= endedAt;
    } else {
      s.failures = [...s.failures.filter((t) => t > endedAt - windowMs), endedAt];
      if (s.failures.length >= maxFailures) {
        return giveUp(
          `gave up after ${s.failures.length} failures within ${formatDelay(windowMs)} ` +
            "(crash-loop guard)",
        );
      }
    }
    if (this.options.stableReset !== false && Math.max(0, endedAt - startedAt) >= stableMs) {
      s.attempt = 0;
      s.prevDelayMs = baseDelayMs;
    }
    s.attempt++;
    const delayMs = Math.round(this.#delay(s.attempt));
    s.prevDelayMs = delayMs;
    s.nextRetryAt = this.#now() + delayMs;
    return { action: "restart", delayMs, attempt: s.attempt, retryAt: s.nextRetryAt };
  }

  /** Call when the node has been started again after a "restart" decision. */
  restarted(): void {
    this.#state.restarts++;
    this.#state.nextRetryAt = null;
  }

  /** Drops a pending restart (a user's stop arrived during the wait). */
  cancel(): void {
    this.#state.nextRetryAt = null;
  }

  /**
   * Forgets the backoff, the failure history and a give-up (e.g. the user restarted the node
   * or its code changed); the restart count stays.
   */
  reset(): void {
    this.#state = this.#fresh(this.#state.restarts);
  }

  /** The state to hand to a later tracker (`deps.state`). */
  toJSON(): RestartState {
    return structuredClone(this.#state);
  }

  #fresh(restarts: number): RestartState {
    return {
      restarts,
      attempt: 0,
      failures: [],
      prevDelayMs: this.options.baseDelayMs,
      nextRetryAt: null,
      gaveUp: null,
      windowCount: 0,
      windowStart: null,
    };
  }

  #delay(attempt: number): number {
    const { baseDelayMs, maxDelayMs, jitter } = this.options;
    const cap = Math.max(0, maxDelayMs);
    // The exponent stops at 16 (dora's), so a long series of restarts cannot overflow.
    const exponential = Math.min(cap, baseDelayMs * 2 ** Math.min(attempt - 1, 16));
    switch (jitter) {
      case "none":
        return exponential;
      case "full":
        return this.#random() * exponential;
      case "decorrelated": {
        const low = Math.min(baseDelayMs, cap);
        const high = Math.max(low, this.#state.prevDelayMs * 3);
        return Math.min(cap, low + this.#random() * (high - low));
      }
    }
  }
}
