/**
 * A node's process group (and session: the node leads both, so members that moved to a group
 * of their own are still found): signalling all of it, waiting until it is empty, and what a
 * dead process's exit was.
 */
import {
  decodeWaitStatus,
  groupMembers,
  isLive,
  type ProcStat,
  readProcTable,
  recentProcTable,
} from "./proc.ts";

/** How a node's main process ended; `known` false when nobody could wait for it. */
export interface Exit {
  known: boolean;
  code: number | null;
  signal: string | null;
}

/** An ending nobody saw. */
export function unknownExit(): Exit {
  return { known: false, code: null, signal: null };
}

/** A zombie still shows its wait status (field 52): the exit is known after all. */
export function zombieExit(stat: ProcStat | undefined): Exit {
  if (stat?.state !== "Z" || stat.exitStatus === undefined) return unknownExit();
  return { known: true, ...decodeWaitStatus(stat.exitStatus) };
}

function tryKill(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // gone
  }
}

/** Sends `signal` to the group `pgid` and to members of its session in other groups. */
export function signalGroup(
  pgid: number,
  signal: Deno.Signal,
  members: ProcStat[] = recentProcTable(),
): void {
  tryKill(-pgid, signal);
  for (const proc of members) {
    if (proc.session === pgid && proc.pgrp !== pgid && isLive(proc)) tryKill(proc.pid, signal);
  }
}

/** How often an emptying group is checked. */
const POLL_MS = 50;

/**
 * Terminates whatever is left in the group `pgid` once its leader has exited: SIGTERM, then
 * SIGKILL after `graceMs`; resolves once the group is empty, with what it found. The leader
 * itself is never counted: a /proc table shared between callers may still show it.
 */
export async function reapGroup(
  pgid: number,
  graceMs: number,
): Promise<{ leftovers: number; killed: boolean }> {
  const others = (table?: ProcStat[]) => groupMembers(pgid, table).filter((p) => p.pid !== pgid);
  let members = others(readProcTable());
  const leftovers = members.length;
  if (leftovers === 0) return { leftovers, killed: false };
  signalGroup(pgid, "SIGTERM", members);
  const killAt = Date.now() + graceMs;
  let killed = false;
  while ((members = others()).length > 0) {
    if (!killed && Date.now() >= killAt) {
      signalGroup(pgid, "SIGKILL", members);
      killed = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { leftovers, killed };
}
