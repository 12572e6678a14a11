/**
 * Which restart policy applies to a node, and whether one exit calls for a restart. Pure: the
 * runtime feeds in what it saw (the exit, whether a user asked for the stop).
 */
import type { RestartPolicy } from "../descriptor/types.ts";
import { didYouMean } from "../descriptor/suggest.ts";
import { UsageError } from "../errors.ts";

/** The spellings accepted for a policy, and what each means (`no` is docker's word for never). */
const SPELLINGS: Record<string, RestartPolicy> = {
  "never": "never",
  "no": "never",
  "on-failure": "on-failure",
  "always": "always",
};

/** How a node's process ended: a code, or the signal that killed it (both null: unknown). */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/**
 * Parses a policy name (`never`, `no`, `on-failure`, `always`; case and surrounding blanks
 * ignored). Throws `UsageError` naming `source` (e.g. `--restart-policy`) when it is not one.
 */
export function parseRestartPolicy(text: string, source = "restart policy"): RestartPolicy {
  const key = text.trim().toLowerCase();
  const policy = SPELLINGS[key];
  if (policy !== undefined) return policy;
  throw new UsageError(
    `Invalid ${source} '${text}': expected never, on-failure or always (no = never)` +
      didYouMean(key, Object.keys(SPELLINGS)),
  );
}

/**
 * The policy a node runs under: a non-empty `override` (from `start --restart-policy` or
 * `DORA_RESTART_POLICY`) wins for every node, else the node's own `restart_policy`, else
 * `never`. Throws `UsageError` for an override that is not a policy.
 */
export function effectivePolicy(
  nodePolicy?: RestartPolicy,
  override?: string,
  source = "--restart-policy",
): RestartPolicy {
  if (override !== undefined && override.trim() !== "") return parseRestartPolicy(override, source);
  return nodePolicy ?? "never";
}

/** Whether the exit counts as a failure: a non-zero code, a signal, or an unknown ending. */
export function isFailure(exit: ExitInfo): boolean {
  if (exit.signal !== null) return true;
  // Unknown (the node ended while no supervisor watched): nothing says it succeeded.
  if (exit.code === null) return true;
  return exit.code !== 0;
}

/**
 * Whether the node should be started again. A user's stop never restarts; `never` never does;
 * `on-failure` restarts after a failure (see `isFailure`); `always` after any exit.
 */
export function shouldRestart(policy: RestartPolicy, exit: ExitInfo, userStop: boolean): boolean {
  if (userStop) return false;
  switch (policy) {
    case "never":
      return false;
    case "on-failure":
      return isFailure(exit);
    case "always":
      return true;
  }
}
