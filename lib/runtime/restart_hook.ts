/**
 * Restart policies as a runtime `RestartHook`: the node's `restart_policy` (or an override for
 * the whole dataflow) says whether an exit restarts; one `RestartTracker` per node says when
 * (backoff with jitter, reset after a stable run, or dora's `restart_delay`) and when to give
 * up (crash-loop guard, or dora's `max_restarts` / `restart_window`).
 */
import {
  effectivePolicy,
  nodeRestartOptions,
  type RestartOptions,
  RestartTracker,
  shouldRestart,
} from "../restart/mod.ts";
import type { RestartHook } from "./types.ts";

/**
 * A hook applying restart policies. `override` (`--restart-policy`, `DORA_RESTART_POLICY`)
 * replaces every node's policy; it is checked at once (throws `UsageError` naming `source`
 * when invalid). `options` tune the trackers (default: from the environment).
 */
export function policyRestartHook(
  override?: string,
  source = "--restart-policy",
  options: Partial<RestartOptions> = {},
): RestartHook {
  effectivePolicy(undefined, override, source);
  const trackers = new Map<string, RestartTracker>();
  return (node, exit, run) => {
    if (!shouldRestart(effectivePolicy(node.restartPolicy, override), exit, false)) {
      return undefined;
    }
    let tracker = trackers.get(node.id);
    if (!tracker) {
      tracker = new RestartTracker(nodeRestartOptions(options, node.restart));
      trackers.set(node.id, tracker);
    }
    const decision = tracker.onExit(run.startedAt, run.endedAt);
    if (decision.action === "give-up") return { giveUp: decision.reason };
    tracker.restarted();
    return { restartInMs: decision.delayMs };
  };
}
