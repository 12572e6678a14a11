/**
 * What still runs when no daemon answers: the registry file names the node processes (pid and
 * start time) of the dataflows that were running when the daemon died. Every command uses it
 * to tell "no daemon, nothing runs" (`stop --all`, `destroy`: nothing to do) from "the daemon
 * crashed and left these running" (say so, and that `dora up` re-adopts them).
 */
import { DoraError } from "../errors.ts";
import { statePath } from "../daemon/registry.ts";
import { isLive, readStat } from "../runtime/proc.ts";

/** A dataflow whose nodes run with no daemon watching them. */
export interface Orphan {
  uuid: string;
  name: string;
  /** How many of its node processes still run. */
  live: number;
}

interface StoredNode {
  pid: number | null;
  start_time: number | null;
}

interface StoredDataflow {
  uuid: string;
  name: string;
  status: string;
  runtime?: { nodes?: StoredNode[] } | null;
}

/** The dataflows of this `~/.dora` that still have live node processes (none: an empty list). */
export async function orphanedDataflows(): Promise<Orphan[]> {
  let dataflows: StoredDataflow[];
  try {
    dataflows = JSON.parse(await Deno.readTextFile(statePath())).dataflows ?? [];
  } catch {
    return [];
  }
  const orphans: Orphan[] = [];
  for (const d of dataflows) {
    if (d.status !== "Running" && d.status !== "Stopping") continue;
    const live = (d.runtime?.nodes ?? []).filter((n) => {
      if (typeof n.pid !== "number") return false;
      const stat = readStat(n.pid);
      return stat !== undefined && stat.startTime === n.start_time && isLive(stat);
    }).length;
    if (live > 0) orphans.push({ uuid: d.uuid, name: d.name, live });
  }
  return orphans;
}

/** The error that says what runs without a daemon, and how to get control back. */
export class OrphansError extends DoraError {
  constructor(readonly orphans: Orphan[]) {
    const { message, details } = orphanLines(orphans);
    super(message, details);
    this.name = "OrphansError";
  }
}

function orphanLines(orphans: Orphan[]): { message: string; details: string[] } {
  const count = orphans.length === 1
    ? "1 dataflow still runs"
    : `${orphans.length} dataflows still run`;
  return {
    message: `The daemon is not running, but ${count} without it`,
    details: [
      ...orphans.map((o) =>
        `  ${o.name} (${o.uuid}): ${o.live} node process${o.live === 1 ? "" : "es"}`
      ),
      "",
      "The daemon stopped unexpectedly. To get control back:",
      "  1. Run 'dora up': it re-adopts the running nodes (no duplicates)",
      "  2. Then run this command again",
    ],
  };
}
