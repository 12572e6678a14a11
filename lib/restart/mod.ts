/**
 * Restart supervision maths: which policy applies, whether an exit restarts, and when (backoff,
 * stable-run reset, crash-loop guard). Pure; the runtime does the waiting and the spawning.
 */
export {
  effectivePolicy,
  type ExitInfo,
  isFailure,
  parseRestartPolicy,
  shouldRestart,
} from "./policy.ts";
export { nodeRestartOptions } from "./node_options.ts";
export {
  formatDelay,
  type Jitter,
  type RestartDecision,
  type RestartOptions,
  restartOptionsFromSettings,
  type RestartState,
  RestartTracker,
  type TrackerDeps,
} from "./tracker.ts";
