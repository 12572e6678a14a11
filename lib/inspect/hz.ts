/**
 * Message rates of one topic over a sliding window (`dora topic hz`, `topic info`): from the
 * times the transport routed each message, the rate and the min/max/mean/std of the interval
 * between messages, like `ros2 topic hz`, and the bandwidth. Pure.
 */

/** Statistics of the messages inside the window. */
export interface RateStats {
  /** Messages in the window. */
  count: number;
  /** 1 / mean interval, Hz; null with fewer than two messages. */
  rate_hz: number | null;
  mean_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  std_ms: number | null;
  /** Payload bytes per second over the window (or since the first message, if later). */
  bytes_per_s: number | null;
  /** Mean payload size. */
  mean_size: number | null;
}

/** Arrival times (ms) and sizes of one topic, trimmed to a window. */
export class RateWindow {
  #times: number[] = [];
  #sizes: number[] = [];
  /** Messages seen in all. */
  total = 0;
  /** When the first message arrived. */
  first: number | undefined;

  constructor(readonly windowMs: number) {}

  /** Adds arrivals (in order). */
  add(times: number[], sizes: number[]): void {
    for (let i = 0; i < times.length; i++) {
      this.#times.push(times[i]!);
      this.#sizes.push(sizes[i] ?? 0);
      this.first ??= times[i]!;
    }
    this.total += times.length;
  }

  #trim(now: number): void {
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop]! < now - this.windowMs) drop++;
    if (drop > 0) {
      this.#times.splice(0, drop);
      this.#sizes.splice(0, drop);
    }
  }

  /** The statistics at time `now` (ms). */
  stats(now: number): RateStats {
    this.#trim(now);
    const times = this.#times;
    const count = times.length;
    const span = Math.min(this.windowMs, now - (this.first ?? now));
    const bytes = this.#sizes.reduce((a, b) => a + b, 0);
    const base: RateStats = {
      count,
      rate_hz: null,
      mean_ms: null,
      min_ms: null,
      max_ms: null,
      std_ms: null,
      bytes_per_s: span > 0 ? round(bytes / (span / 1000)) : null,
      mean_size: count > 0 ? round(bytes / count) : null,
    };
    if (count < 2) return base;
    let min = Infinity;
    let max = 0;
    let sum = 0;
    for (let i = 1; i < count; i++) {
      const d = times[i]! - times[i - 1]!;
      min = Math.min(min, d);
      max = Math.max(max, d);
      sum += d;
    }
    const mean = sum / (count - 1);
    let variance = 0;
    for (let i = 1; i < count; i++) variance += (times[i]! - times[i - 1]! - mean) ** 2;
    const std = Math.sqrt(variance / (count - 1));
    return {
      ...base,
      rate_hz: mean > 0 ? round(1000 / mean) : null,
      mean_ms: round(mean),
      min_ms: round(min),
      max_ms: round(max),
      std_ms: round(std),
    };
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
