/**
 * Process facts from Linux /proc: one line of /proc/PID/stat per process gives its state, group,
 * session, CPU ticks, start time and resident pages. Parsing is pure; the readers below do the
 * I/O (one directory scan for a whole table).
 */

/** What the runtime needs of one process. */
export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T, X (dead)... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** utime + stime + cutime + cstime, in clock ticks: reaped children's time stays counted. */
  cpuTicks: number;
  /** Field 22: ticks after boot when the process started; with the pid, a process identity. */
  startTime: number;
  /** Resident pages. */
  rssPages: number;
  /** Field 52 (waitpid-style status), only meaningful for a zombie; undefined if absent. */
  exitStatus?: number;
}

/** Clock ticks per second of /proc times (USER_HZ, 100 on every Linux we target). */
export const CLK_TCK = 100;
/** Page size for RSS (4 KiB on the machines we target). */
export const PAGE_SIZE = 4096;

/** Parses one /proc/PID/stat line; undefined when it is malformed. */
export function parseStat(line: string): ProcStat | undefined {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  const rest = line.slice(close + 2).trim().split(" ");
  // rest[i] is field i + 3 (1-based, as in proc(5)).
  const field = (n: number) => Number(rest[n - 3]);
  if (!Number.isInteger(pid) || rest.length < 22) return undefined;
  const stat: ProcStat = {
    pid,
    state: rest[0]!,
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    cpuTicks: field(14) + field(15) + field(16) + field(17),
    startTime: field(22),
    rssPages: field(24),
  };
  if (rest.length >= 50) stat.exitStatus = field(52);
  return Number.isFinite(stat.startTime) ? stat : undefined;
}

/** Whether a process in this state still runs (zombies and dead tasks do not). */
export function isLive(stat: ProcStat): boolean {
  return stat.state !== "Z" && stat.state !== "X";
}

/** An exit code or signal name from a waitpid status (a zombie's field 52). */
export function decodeWaitStatus(
  status: number,
): { code: number | null; signal: string | null } {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null };
  return { code: null, signal: SIGNAL_NAMES[sig] ?? `SIG${sig}` };
}

const SIGNAL_NAMES: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
};

/** The stat of one process, or undefined when it does not exist. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** Every process on the machine (those that vanish during the scan are skipped). */
export function readProcTable(): ProcStat[] {
  const table: ProcStat[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const c = entry.name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readStat(Number(entry.name));
    if (stat) table.push(stat);
  }
  return table;
}

let cached: { at: number; table: ProcStat[] } | undefined;

/**
 * `readProcTable`, shared by callers within `maxAgeMs`: many nodes waiting for their groups to
 * empty then cost one scan per period, not one each.
 */
export function recentProcTable(maxAgeMs = 20): ProcStat[] {
  const now = performance.now();
  if (!cached || now - cached.at > maxAgeMs) cached = { at: now, table: readProcTable() };
  return cached.table;
}

/** Ticks since boot, from /proc/uptime. */
export function uptimeTicks(): number {
  const text = Deno.readTextFileSync("/proc/uptime");
  return Math.round(Number(text.split(" ")[0]) * CLK_TCK);
}

/**
 * Live members of the process group or session `id` (a node is the leader of both, so members
 * that moved to their own group are found through the session).
 */
export function groupMembers(id: number, table: ProcStat[] = recentProcTable()): ProcStat[] {
  return table.filter((p) => (p.pgrp === id || p.session === id) && isLive(p));
}
