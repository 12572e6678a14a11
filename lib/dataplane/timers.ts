/**
 * `dora/timer/...` inputs. Ticks are scheduled on a fixed grid, tick k at `start + k * interval`,
 * so delays in one callback never accumulate into drift; when the process was too busy to fire
 * some ticks, they are skipped rather than fired in a burst.
 */

/** Where the grid stands at time `now`: the tick to fire now (if due) and when the next is due. */
export interface TickPlan {
  /** Index of the tick to fire now, or undefined if none is due yet. */
  fire?: number;
  /** Ticks passed over since `lastFired` without firing (the process was late). */
  skipped: number;
  /** Index of the next tick to wait for. */
  next: number;
  /** When it is due (same clock as `start` and `now`). */
  nextAt: number;
}

/**
 * Plans a timer on the grid `start + k * interval` (k ≥ 1). `lastFired` is the last tick index
 * fired (0 before the first).
 */
export function planTick(
  start: number,
  interval: number,
  lastFired: number,
  now: number,
): TickPlan {
  const due = Math.floor((now - start) / interval);
  if (due <= lastFired) {
    const next = lastFired + 1;
    return { skipped: 0, next, nextAt: start + next * interval };
  }
  const next = due + 1;
  return { fire: due, skipped: due - lastFired - 1, next, nextAt: start + next * interval };
}

/** A running timer that calls `onTick` on the grid until stopped. */
export class GridTimer {
  #start: number;
  #interval: number;
  #last = 0;
  #handle: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #onTick: () => void;
  /** Ticks skipped because the process was late (for diagnostics). */
  skipped = 0;

  constructor(intervalMs: number, onTick: () => void, now = performance.now()) {
    this.#interval = Math.max(intervalMs, 0.001);
    this.#onTick = onTick;
    this.#start = now;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const plan = planTick(this.#start, this.#interval, this.#last, performance.now());
    if (plan.fire !== undefined) {
      this.#last = plan.fire;
      this.skipped += plan.skipped;
      this.#onTick();
      if (this.#stopped) return;
    }
    const wait = Math.max(0, plan.nextAt - performance.now());
    // setTimeout only has millisecond resolution and may wake early: re-plan on every wake.
    this.#handle = setTimeout(() => this.#schedule(), wait);
  }

  /** Stops the timer; no tick fires afterwards. */
  stop(): void {
    this.#stopped = true;
    if (this.#handle !== undefined) clearTimeout(this.#handle);
  }
}
