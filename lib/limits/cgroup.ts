/**
 * Cgroup groups for one node, v2 or v1: create them and write the limits (before the node
 * starts), read the OOM counters and members while and after it runs, remove them after.
 */
import type { ResourceLimits } from "../descriptor/types.ts";
import { errorMessage } from "../errors.ts";
import type { Facts } from "./choose.ts";
import { CPU_PERIOD_US, cpuQuotaUs, keyedValue, shQuote } from "./_parse.ts";
import type { LimitKind, LimitRecord } from "./types.ts";

/** How long `removeGroups` waits for exiting processes to leave a group. */
const REMOVE_WAIT_MS = 2000;
const REMOVE_POLL_MS = 50;

/** Groups made for a node; `memoryGroup` holds the OOM counter. */
export interface CreatedGroups {
  groups: string[];
  memoryGroup: string | null;
  oomBaseline: number;
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/** Writes one control file; the error names the file and the value. */
async function write(dir: string, file: string, value: string): Promise<void> {
  try {
    await Deno.writeTextFile(`${dir}/${file}`, value, { create: false });
  } catch (err) {
    throw new Error(`cannot write ${value} to ${dir}/${file}: ${errorMessage(err)}`);
  }
}

/** Creates `dir` (an existing one is reused: a leftover of an earlier run of the node). */
async function makeGroup(dir: string, made: string[]): Promise<void> {
  try {
    await Deno.mkdir(dir);
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) {
      throw new Error(`cannot create ${dir}: ${errorMessage(err)}`);
    }
  }
  made.push(dir);
}

/** The OOM-kill counter of a memory group (v2 `memory.events`, v1 `memory.oom_control`). */
export async function oomKillCount(memoryGroup: string): Promise<number | undefined> {
  const events = await readOptional(`${memoryGroup}/memory.events`);
  if (events !== undefined) return keyedValue(events, "oom_kill");
  const control = await readOptional(`${memoryGroup}/memory.oom_control`);
  return control === undefined ? undefined : keyedValue(control, "oom_kill");
}

/** Runs `setup` on new groups; on failure removes what it made and rethrows. */
async function withRollback(
  build: (made: string[]) => Promise<string | null>,
): Promise<CreatedGroups> {
  const made: string[] = [];
  try {
    const memoryGroup = await build(made);
    const oomBaseline = memoryGroup === null ? 0 : await oomKillCount(memoryGroup) ?? 0;
    return { groups: made, memoryGroup, oomBaseline };
  } catch (err) {
    await removeGroups(made, 0);
    throw err;
  }
}

/** One v2 group under `base` with `memory.max` (no swap, whole group killed on OOM), `cpu.max`. */
export function createV2(
  base: string,
  name: string,
  limits: ResourceLimits,
  covers: readonly LimitKind[],
): Promise<CreatedGroups> {
  return withRollback(async (made) => {
    const dir = `${base}/${name}`;
    await makeGroup(dir, made);
    if (covers.includes("cpu") && limits.cpu !== undefined) {
      await write(dir, "cpu.max", `${cpuQuotaUs(limits.cpu)} ${CPU_PERIOD_US}`);
    }
    if (!covers.includes("memory") || limits.memoryBytes === undefined) return null;
    await write(dir, "memory.max", String(limits.memoryBytes));
    // Without this, the kernel swaps instead of enforcing (when swap exists).
    if (await fileExists(`${dir}/memory.swap.max`)) await write(dir, "memory.swap.max", "0");
    // A node is one unit: an OOM kill takes its whole tree rather than leaving it maimed.
    if (await fileExists(`${dir}/memory.oom.group`)) await write(dir, "memory.oom.group", "1");
    return dir;
  });
}

/** One v1 group per controller, under our own group in each hierarchy. */
export function createV1(
  v1: Facts["v1"],
  name: string,
  limits: ResourceLimits,
  covers: readonly LimitKind[],
): Promise<CreatedGroups> {
  return withRollback(async (made) => {
    let memoryGroup: string | null = null;
    const memory = v1.memory;
    if (covers.includes("memory") && limits.memoryBytes !== undefined && memory.ok) {
      const dir = `${memory.base}/${name}`;
      await makeGroup(dir, made);
      const bytes = String(limits.memoryBytes);
      if (memory.hasMemsw) {
        // memsw must stay >= the memory limit: lift it first (a reused group may hold an old one).
        await write(dir, "memory.memsw.limit_in_bytes", "-1").catch(() => {});
        await write(dir, "memory.limit_in_bytes", bytes);
        await write(dir, "memory.memsw.limit_in_bytes", bytes);
      } else {
        await write(dir, "memory.limit_in_bytes", bytes);
        // Without swap accounting, at least discourage swapping the node's memory out.
        await write(dir, "memory.swappiness", "0").catch(() => {});
      }
      memoryGroup = dir;
    }
    const cpu = v1.cpu;
    if (covers.includes("cpu") && limits.cpu !== undefined && cpu.ok) {
      const dir = `${cpu.base}/${name}`;
      await makeGroup(dir, made);
      await write(dir, "cpu.cfs_period_us", String(CPU_PERIOD_US));
      await write(dir, "cpu.cfs_quota_us", String(cpuQuotaUs(limits.cpu)));
    }
    return memoryGroup;
  });
}

/**
 * Shell commands that move the running shell into each group before it execs the node, so
 * nothing the node starts escapes the limits. Exit 125 with a message when a move fails.
 */
export function joinScript(groups: readonly string[]): string {
  return groups.map((dir) =>
    `echo $$ > ${shQuote(`${dir}/cgroup.procs`)} || { echo ${
      shQuote(`dora: cannot move the node into its cgroup ${dir}`)
    } >&2; exit 125; }; `
  ).join("");
}

/** Every pid in the groups (duplicates removed). */
export async function groupMembers(groups: readonly string[]): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of groups) {
    const text = await readOptional(`${dir}/cgroup.procs`);
    for (const word of (text ?? "").split(/\s+/)) if (/^\d+$/.test(word)) pids.add(Number(word));
  }
  return [...pids].sort((a, b) => a - b);
}

/**
 * Removes the groups, waiting up to `waitMs` for processes still leaving them. Resolves to a
 * warning naming the groups that stay.
 */
export async function removeGroups(
  groups: readonly string[],
  waitMs = REMOVE_WAIT_MS,
): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  const stuck: string[] = [];
  for (const dir of [...groups].reverse()) {
    for (;;) {
      try {
        await Deno.remove(dir);
        break;
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) break;
        if (Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, REMOVE_POLL_MS));
          continue;
        }
        const left = (await groupMembers([dir])).length;
        const why = left === 1
          ? "1 process still in it"
          : left > 1
          ? `${left} processes still in it`
          : errorMessage(err);
        stuck.push(`${dir} (${why})`);
        break;
      }
    }
  }
  return stuck.length === 0 ? undefined : `cgroup not removed: ${stuck.join(", ")}`;
}

/** Memory charge, peak and OOM kills of a node's memory group. */
export async function groupUsage(record: LimitRecord): Promise<{
  memoryBytes: number | null;
  memoryPeakBytes: number | null;
  oomKills: number | null;
}> {
  const dir = record.memory_group;
  if (dir === null) return { memoryBytes: null, memoryPeakBytes: null, oomKills: null };
  const num = async (...files: string[]) => {
    for (const file of files) {
      const text = (await readOptional(`${dir}/${file}`))?.trim();
      if (text !== undefined && /^\d+$/.test(text)) return Number(text);
    }
    return null;
  };
  const kills = await oomKillCount(dir);
  return {
    memoryBytes: await num("memory.current", "memory.usage_in_bytes"),
    memoryPeakBytes: await num("memory.peak", "memory.max_usage_in_bytes"),
    oomKills: kills === undefined ? null : Math.max(0, kills - record.oom_baseline),
  };
}
