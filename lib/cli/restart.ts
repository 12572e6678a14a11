/**
 * `dora restart [DATAFLOW]`: stops a dataflow (gracefully, or `--force`) and starts it again from
 * the descriptor the daemon stored, with its name and runtime parameters (a new UUID, as in
 * dora). A `dora run` restarts every node in place (same UUID).
 */
import type { StartResponse, StopRequest } from "../api/types.ts";
import { settings } from "../config.ts";
import { dataflowPath, durationFlag, Out, target, type TargetFlags } from "./_inspect.ts";

/** Flags of `dora restart`. */
export interface RestartFlags extends TargetFlags {
  graceDuration?: string;
  force?: boolean;
}

/** Runs `dora restart`. */
export async function restart(ref: string | undefined, flags: RestartFlags): Promise<number> {
  const graceMs = durationFlag(flags.graceDuration, "--grace-duration");
  const t = await target({ ...flags, dataflow: ref ?? flags.dataflow });
  const body: StopRequest = {
    ...(graceMs === undefined ? {} : { grace_ms: graceMs }),
    ...(flags.force || settings.forceStop() ? { force: true } : {}),
  };
  if (!flags.json) console.error(`Restarting dataflow ${t.name} (${t.uuid})...`);
  const started = await t.client.request<StartResponse>("POST", dataflowPath(t, "/restart"), body);
  const out = new Out();
  if (flags.json) {
    out.json(started);
    return 0;
  }
  out.line(`Dataflow started: ${started.uuid}`);
  for (const failed of started.failed_nodes) {
    console.error(`Warning: Node '${failed.id}' failed to start: ${failed.reason}`);
  }
  for (const warning of started.warnings) console.error(`Warning: ${warning}`);
  if (started.uuid !== t.uuid) {
    console.error(`Use 'dora stop ${started.uuid}' to stop`);
  } else {
    console.error("Every node was restarted (a dora run keeps its UUID)");
  }
  return 0;
}
