/**
 * CPU% and resident memory per node, for the node's whole process group (and session), from
 * one scan of /proc. CPU% is measured between two samples, like `top` (100 = one core busy).
 */
import { isLive, PAGE_SIZE, type ProcStat, readProcTable, uptimeTicks } from "./proc.ts";

/** Usage of one process group. */
export interface GroupUsage {
  /** Percent of one CPU since the previous sample (first sample: since the group started). */
  cpuPercent: number;
  /** Sum of the members' resident memory. */
  memoryBytes: number;
}

/** Keeps the previous sample of each group to turn CPU ticks into a percentage. */
export class GroupSampler {
  #previous = new Map<number, { ticks: number; at: number }>();

  /**
   * Usage per group id (groups with no live member are left out). `table` and `now` (ticks
   * since boot) are read from /proc unless given.
   */
  sample(
    pgids: Iterable<number>,
    table: ProcStat[] = readProcTable(),
    now: number = uptimeTicks(),
  ): Map<number, GroupUsage> {
    const wanted = new Set(pgids);
    const totals = new Map<number, { ticks: number; rss: number; start: number }>();
    for (const proc of table) {
      if (!isLive(proc)) continue;
      const id = wanted.has(proc.pgrp) ? proc.pgrp : wanted.has(proc.session) ? proc.session : 0;
      if (id === 0) continue;
      const total = totals.get(id) ?? { ticks: 0, rss: 0, start: Infinity };
      total.ticks += proc.cpuTicks;
      total.rss += proc.rssPages;
      total.start = Math.min(total.start, proc.startTime);
      totals.set(id, total);
    }
    const result = new Map<number, GroupUsage>();
    const next = new Map<number, { ticks: number; at: number }>();
    for (const [id, total] of totals) {
      const prev = this.#previous.get(id);
      const base = prev ?? { ticks: 0, at: total.start };
      const elapsed = now - base.at;
      const used = Math.max(0, total.ticks - base.ticks);
      const cpuPercent = elapsed > 0 ? (used / elapsed) * 100 : 0;
      result.set(id, {
        cpuPercent: Math.round(cpuPercent * 10) / 10,
        memoryBytes: total.rss * PAGE_SIZE,
      });
      next.set(id, { ticks: total.ticks, at: now });
    }
    this.#previous = next;
    return result;
  }
}

const shared = new GroupSampler();

/**
 * CPU% and memory of each process group in `pgids` (a node's pgid is its pid), measured since
 * the previous call. One /proc scan whatever the number of groups.
 */
export function sampleGroups(pgids: Iterable<number>): Promise<Map<number, GroupUsage>> {
  return Promise.resolve(shared.sample(pgids));
}
