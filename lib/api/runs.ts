/**
 * How another terminal finds a `dora run`: each run serves the inspection part of the control
 * API (and its node and stop actions) on a Unix socket of its own, and describes itself in
 * `~/.dora/run/runs/<uuid>.json` (mode 600, in the mode-700 `~/.dora/run`) for as long as it
 * runs. Requests carry the same token as the daemon's (`~/.dora/token`). See docs/api.md.
 */
import { runDir } from "../config.ts";

/** What a running `dora run` writes about itself. */
export interface RunRecord {
  uuid: string;
  /** A two-word name, like the daemon's dataflows get. */
  name: string;
  pid: number;
  /** Its control socket. */
  socket: string;
  /** The dataflow file. */
  file: string;
  started_at: string;
  version: string;
}

/** The folder of run records and (usually) their sockets. */
export function runsDir(): string {
  return `${runDir()}/runs`;
}

/** Where the record of run `uuid` lives. */
export function runRecordPath(uuid: string): string {
  return `${runsDir()}/${uuid}.json`;
}

/**
 * Whether `ref` names the dataflow `uuid`/`name` of a run: its UUID or name, a UUID prefix, or
 * the UUID's last hex digits (at least 4 of either).
 */
export function refMatches(uuid: string, name: string, ref: string): boolean {
  const wanted = ref.toLowerCase();
  if (uuid === wanted || name === ref) return true;
  if (!/^[0-9a-f-]{4,}$/.test(wanted)) return false;
  return uuid.startsWith(wanted) || uuid.replace(/-/g, "").endsWith(wanted.replace(/-/g, ""));
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is RunRecord {
  const v = value as Partial<RunRecord> | null;
  return typeof v?.uuid === "string" && typeof v.name === "string" &&
    typeof v.pid === "number" && typeof v.socket === "string";
}

/** The runs whose process still runs, oldest first (records of dead runs are removed). */
export async function liveRuns(): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(runsDir())];
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const path = `${runsDir()}/${entry.name}`;
    let record: unknown;
    try {
      record = JSON.parse(await Deno.readTextFile(path));
    } catch {
      continue; // being written, or not ours
    }
    if (!isRecord(record)) continue;
    if (alive(record.pid)) runs.push(record);
    else await Deno.remove(path).catch(() => {}); // a run that was killed
  }
  return runs.sort((a, b) => a.started_at.localeCompare(b.started_at));
}
