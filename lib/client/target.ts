/**
 * Which dataflow a command acts on (`-d/--dataflow`): a `dora run` of this user (by UUID, UUID
 * prefix or tail, or name) or one of the daemon's (resolved by the daemon, like every other
 * command). Without `-d`, on a terminal, the only running dataflow; several, or none, or no
 * terminal (a script), is an error that says what to type.
 */
import type { DataflowInfo } from "../api/types.ts";
import { liveRuns, refMatches, type RunRecord } from "../api/runs.ts";
import { DoraError, UsageError } from "../errors.ts";
import { DaemonClient, FAILED_TO_CONNECT } from "./client.ts";
import { ControlClient } from "./control.ts";

/** A dataflow and the host that runs it. */
export interface DataflowTarget {
  client: ControlClient;
  uuid: string;
  name: string;
  status: string;
  /** `daemon`, or `run` for a `dora run` in another terminal. */
  via: "daemon" | "run";
}

/** How to look for dataflows. */
export interface FindOptions {
  /** `--port` of the daemon. */
  port?: number;
  /** Whether a missing `-d` may pick the only running dataflow (stdin is a terminal). */
  interactive?: boolean;
  /** Leave the daemon out (only `dora run`s). */
  runsOnly?: boolean;
}

/** The daemon, or undefined when none answers (other problems are thrown). */
async function daemonIfAny(port?: number): Promise<ControlClient | undefined> {
  let daemon: DaemonClient;
  try {
    daemon = await DaemonClient.connect(port);
  } catch (err) {
    if (err instanceof DoraError && err.message === FAILED_TO_CONNECT.message) return undefined;
    throw err;
  }
  return await ControlClient.ofDaemon(daemon);
}

async function ofRun(run: RunRecord): Promise<DataflowTarget | undefined> {
  const client = await ControlClient.ofRun(run);
  try {
    const info = await client.request<DataflowInfo>("GET", `/v1/dataflows/${run.uuid}`);
    return { client, uuid: info.uuid, name: info.name, status: info.status, via: "run" };
  } catch {
    client.close();
    return undefined; // it ended a moment ago
  }
}

/** Every running dataflow: the daemon's, then the runs'. */
export async function runningDataflows(opts: FindOptions = {}): Promise<{
  targets: DataflowTarget[];
  daemon: ControlClient | undefined;
}> {
  const daemon = opts.runsOnly ? undefined : await daemonIfAny(opts.port);
  const targets: DataflowTarget[] = [];
  if (daemon) {
    const all = await daemon.request<DataflowInfo[]>("GET", "/v1/dataflows");
    for (const info of all.filter((d) => d.status === "Running")) {
      targets.push({
        client: daemon,
        uuid: info.uuid,
        name: info.name,
        status: info.status,
        via: "daemon",
      });
    }
  }
  for (const run of await liveRuns()) {
    const target = await ofRun(run);
    if (target && target.status === "Running") targets.push(target);
  }
  return { targets, daemon };
}

function describe(t: DataflowTarget): string {
  return `  ${t.uuid}  ${t.name}${t.via === "run" ? "  (dora run)" : ""}`;
}

/** The dataflow a command acts on; see the module comment. */
export async function findDataflow(
  ref: string | undefined,
  opts: FindOptions = {},
): Promise<DataflowTarget> {
  if (ref !== undefined) {
    if (ref.trim() === "") throw new UsageError("The dataflow to use (-d) cannot be empty");
    const run = (await liveRuns()).find((r) => refMatches(r.uuid, r.name, ref));
    if (run) {
      const target = await ofRun(run);
      if (target) return target;
    }
    const daemon = await daemonIfAny(opts.port);
    if (!daemon) {
      throw new DoraError(`Dataflow ${ref} not found`, [
        "No daemon is running, and no 'dora run' of this user has that name or UUID.",
        "Run 'dora status' to see what runs",
      ]);
    }
    const info = await daemon.request<DataflowInfo>(
      "GET",
      `/v1/dataflows/${encodeURIComponent(ref)}`,
    );
    return { client: daemon, uuid: info.uuid, name: info.name, status: info.status, via: "daemon" };
  }
  const { targets } = await runningDataflows(opts);
  if (targets.length === 0) {
    throw new DoraError("No dataflow is running", [
      "Start one with 'dora start dataflow.yml' or 'dora run dataflow.yml'",
    ]);
  }
  if (!opts.interactive) {
    throw new UsageError(
      "Name the dataflow with -d/--dataflow (it is only guessed on a terminal)",
      [
        "Running:",
        ...targets.map(describe),
      ],
    );
  }
  if (targets.length > 1) {
    throw new UsageError("Several dataflows are running: choose one with -d/--dataflow", [
      ...targets.map(describe),
    ]);
  }
  return targets[0]!;
}
