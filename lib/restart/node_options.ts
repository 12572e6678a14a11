/**
 * A node's restart timing: dora's `max_restarts`, `restart_delay`, `max_restart_delay` and
 * `restart_window` where it sets them, the `DORA_RESTART_*` defaults for the rest. Pure.
 */
import type { RestartSettings } from "../descriptor/types.ts";
import type { RestartOptions } from "./tracker.ts";

/** The tracker options for a node with `settings` (over `base`, e.g. from the environment). */
export function nodeRestartOptions(
  base: Partial<RestartOptions>,
  settings: RestartSettings | undefined,
): Partial<RestartOptions> {
  if (!settings) return base;
  const out: Partial<RestartOptions> = { ...base };
  if (settings.delayMs !== undefined) {
    // dora: the delay doubles exactly from restart_delay, capped only by max_restart_delay.
    out.baseDelayMs = settings.delayMs;
    out.maxDelayMs = settings.maxDelayMs ?? Infinity;
    out.jitter = "none";
    out.stableReset = false;
  } else if (settings.maxDelayMs !== undefined) {
    out.maxDelayMs = settings.maxDelayMs;
  }
  if (settings.maxRestarts !== undefined) out.maxRestarts = settings.maxRestarts;
  if (settings.windowMs !== undefined) out.restartWindowMs = settings.windowMs;
  return out;
}
