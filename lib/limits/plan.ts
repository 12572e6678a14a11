/**
 * `planLimits` finds how this machine can enforce a node's limits (cgroup v2, cgroup v1,
 * systemd-run, or not at all, with a warning saying why) and prepares it; `wrapArgv` applies
 * the plan to the node's argv; `restorePlan` takes over a plan from an earlier supervisor.
 */
import { settings } from "../config.ts";
import type { ResourceLimits } from "../descriptor/types.ts";
import { errorMessage } from "../errors.ts";
import {
  createV1,
  createV2,
  groupMembers,
  groupUsage,
  joinScript,
  oomKillCount,
  removeGroups,
} from "./cgroup.ts";
import {
  type Candidate,
  chooseStrategies,
  type Facts,
  parseCgroupOverride,
  strategyLabel,
} from "./choose.ts";
import { limitKinds, notEnforcedWarning } from "./describe.ts";
import { gatherFacts, userRuntimeDir } from "./detect.ts";
import { groupName } from "./_parse.ts";
import { resetUnit, scopeUnit, systemdRunPrefix, unitProperty } from "./systemd.ts";
import type { Enforcement, LimitKind, LimitPlan, LimitRecord, Strategy } from "./types.ts";

/** Exit code of a node whose shell could not join its cgroup (the node did not start). */
export const JOIN_FAILED_EXIT = 125;

/** Which node a plan is for. */
export interface LimitKey {
  /** The dataflow's uuid (its tail names the groups). */
  dataflow: string;
  /** The node id (named in warnings and in group names). */
  node: string;
}

/** Options of `planLimits`. */
export interface PlanOptions {
  /** Force a strategy; default `DORA_CGROUP` (unset or `auto`: v2, then v1, then systemd). */
  strategy?: Strategy;
}

/** The strategy forced by `DORA_CGROUP`, if any; throws `UsageError` for a bad value. */
export function cgroupOverride(): Strategy | undefined {
  return parseCgroupOverride(settings.cgroup());
}

function baseRecord(limits: ResourceLimits | undefined): LimitRecord {
  return {
    enforcement: "none",
    cpu: limits?.cpu ?? null,
    memory_bytes: limits?.memoryBytes ?? null,
    unenforced: [],
    warning: null,
    groups: [],
    memory_group: null,
    oom_baseline: 0,
    unit: null,
  };
}

/**
 * Prepares the enforcement of `limits` for one spawn of a node. Never fails for lack of means:
 * the plan then says `none` with a `warning`. Throws `UsageError` only for a bad `DORA_CGROUP`.
 */
export async function planLimits(
  key: LimitKey,
  limits: ResourceLimits | undefined,
  options: PlanOptions = {},
): Promise<LimitPlan> {
  const needs = limitKinds(limits);
  const record = baseRecord(limits);
  if (!limits || needs.length === 0) return makePlan(record);
  const forced = options.strategy ?? cgroupOverride();
  const facts = forced === "none" ? undefined : await gatherFacts();
  const choice = facts
    ? chooseStrategies(facts, needs, forced)
    : { candidates: [], reasons: ["DORA_CGROUP=none"], forced };
  const reasons = [...choice.reasons];
  const name = groupName(key.dataflow, key.node);
  for (const candidate of choice.candidates) {
    try {
      const plan = await realise(candidate, name, limits, facts!, record);
      const missing = needs.filter((k) => !candidate.covers.includes(k));
      if (missing.length > 0) {
        record.unenforced = missing;
        record.warning = notEnforcedWarning(key.node, limits, missing, whyText(forced, reasons));
      }
      return makePlan(record, plan);
    } catch (err) {
      reasons.push(`${strategyLabel(candidate.strategy)}: ${errorMessage(err)}`);
    }
  }
  record.unenforced = needs;
  record.warning = notEnforcedWarning(key.node, limits, needs, whyText(forced, reasons));
  return makePlan(record);
}

function whyText(forced: Strategy | undefined, reasons: string[]): string {
  if (forced === "none") return "DORA_CGROUP=none";
  if (forced !== undefined) return `DORA_CGROUP=${forced}, but ${reasons.join("; ")}`;
  return `no usable cgroup (${reasons.join("; ")})`;
}

/** How the node must be spawned for a realised strategy. */
interface SpawnParts {
  shellPrefix?: string;
  commandPrefix?: string[];
}

async function realise(
  candidate: Candidate,
  name: string,
  limits: ResourceLimits,
  facts: Facts,
  record: LimitRecord,
): Promise<SpawnParts> {
  switch (candidate.strategy) {
    case "v2":
    case "v1": {
      let made;
      if (candidate.strategy === "v1") {
        made = await createV1(facts.v1, name, limits, candidate.covers);
      } else if (facts.v2.ok) made = await createV2(facts.v2.base, name, limits, candidate.covers);
      else throw new Error(facts.v2.why);
      record.enforcement = strategyLabel(candidate.strategy);
      record.groups = made.groups;
      record.memory_group = made.memoryGroup;
      record.oom_baseline = made.oomBaseline;
      return { shellPrefix: joinScript(made.groups) };
    }
    case "systemd": {
      if (!facts.systemd.ok) throw new Error(facts.systemd.why);
      const unit = scopeUnit(name);
      record.enforcement = "systemd-run";
      record.unit = unit;
      const { systemdRun, runtimeDir } = facts.systemd;
      return {
        commandPrefix: systemdRunPrefix(systemdRun, runtimeDir, unit, limits, candidate.covers),
      };
    }
  }
}

/** The plan for a node started by an earlier supervisor (to check OOM and clean up). */
export function restorePlan(record: LimitRecord): LimitPlan {
  return makePlan(structuredClone(record));
}

function makePlan(record: LimitRecord, parts: SpawnParts = {}): LimitPlan {
  const runtimeDir = userRuntimeDir();
  const scopeGroup = async (): Promise<string[]> => {
    if (record.unit === null) return [];
    const path = await unitProperty(record.unit, "ControlGroup", runtimeDir);
    return path ? [`/sys/fs/cgroup${path}`] : [];
  };
  const plan: LimitPlan = {
    enforcement: record.enforcement as Enforcement,
    unenforced: [...record.unenforced] as LimitKind[],
    async wasOomKilled() {
      if (record.unit !== null) {
        return await unitProperty(record.unit, "Result", runtimeDir) === "oom-kill";
      }
      if (record.memory_group === null) return false;
      const kills = await oomKillCount(record.memory_group);
      return kills !== undefined && kills > record.oom_baseline;
    },
    async usage() {
      if (record.unit === null) return await groupUsage(record);
      const num = async (p: string) => {
        const v = await unitProperty(record.unit!, p, runtimeDir);
        return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
      };
      return {
        memoryBytes: await num("MemoryCurrent"),
        memoryPeakBytes: await num("MemoryPeak"),
        oomKills: null,
      };
    },
    async members() {
      return await groupMembers(record.unit !== null ? await scopeGroup() : record.groups);
    },
    async cleanup() {
      if (record.unit !== null) {
        await resetUnit(record.unit, runtimeDir);
        return undefined;
      }
      return await removeGroups(record.groups);
    },
    record: () => structuredClone(record),
  };
  if (record.warning !== null) plan.warning = record.warning;
  if (parts.shellPrefix) plan.shellPrefix = parts.shellPrefix;
  if (parts.commandPrefix) plan.commandPrefix = parts.commandPrefix;
  return plan;
}

/**
 * The argv that runs `argv` under the plan: unchanged without enforcement; behind the
 * `systemd-run` words; or through `/bin/sh -c '<join the cgroups>; exec "$@"'` (with `$0` the
 * node id, so its rare errors name the node). Every step execs, so the pid stays the node's.
 */
export function wrapArgv(plan: LimitPlan, argv: readonly string[], nodeId: string): string[] {
  const command = [...(plan.commandPrefix ?? []), ...argv];
  if (!plan.shellPrefix) return command;
  return ["/bin/sh", "-c", `${plan.shellPrefix}exec "$@"`, nodeId, ...command];
}
