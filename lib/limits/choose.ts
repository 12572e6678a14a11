/**
 * Which enforcement to try for a node, from facts gathered about the machine: v2 where a
 * delegated subtree has the controllers, v1 where its controllers are mounted, systemd-run
 * where a user manager runs. Pure, so every machine shape is unit-tested here.
 */
import { UsageError } from "../errors.ts";
import type { Enforcement, LimitKind, Strategy } from "./types.ts";

/** A strategy that can be tried, or why it cannot. */
export type Availability<T> = ({ ok: true } & T) | { ok: false; why: string };

/** What the machine offers, as seen by `gatherFacts()`. */
export interface Facts {
  /** `base`: the folder to create node groups in; `controllers`: what its children get. */
  v2: Availability<{ base: string; controllers: string[] }>;
  /** Per controller: `base` is our own group in that hierarchy. */
  v1: Record<LimitKind, Availability<{ base: string; hasMemsw?: boolean }>>;
  /** `controllers`: what the v2 hierarchy (which systemd manages) can enforce. */
  systemd: Availability<{ runtimeDir: string; systemdRun: string; controllers: string[] }>;
}

/** A strategy to try and the limits it would enforce. */
export interface Candidate {
  strategy: Exclude<Strategy, "none">;
  covers: LimitKind[];
}

/** The strategies to try, best first, and why the others were left out. */
export interface Choice {
  candidates: Candidate[];
  /** `cgroup v2: ...`, one per strategy that cannot enforce some limit. */
  reasons: string[];
  /** A strategy forced by `DORA_CGROUP`, if any. */
  forced?: Strategy;
}

const ORDER = ["v2", "v1", "systemd"] as const;

const LABEL: Record<Candidate["strategy"], Exclude<Enforcement, "none">> = {
  v2: "cgroup v2",
  v1: "cgroup v1",
  systemd: "systemd-run",
};

/** Reads `DORA_CGROUP` (`v2`, `v1`, `systemd`, `none`, or empty/`auto`). */
export function parseCgroupOverride(text: string | undefined): Strategy | undefined {
  const value = text?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "auto") return undefined;
  if (value === "v2" || value === "v1" || value === "systemd" || value === "none") return value;
  throw new UsageError(
    `Invalid DORA_CGROUP '${text}': expected v2, v1, systemd, none or auto`,
  );
}

function coverage(
  facts: Facts,
  strategy: Candidate["strategy"],
  needs: readonly LimitKind[],
): { covers: LimitKind[]; why?: string } {
  switch (strategy) {
    case "v2": {
      const v2 = facts.v2;
      if (!v2.ok) return { covers: [], why: v2.why };
      const covers = needs.filter((k) => v2.controllers.includes(k));
      const lacking = needs.filter((k) => !covers.includes(k));
      if (lacking.length === 0) return { covers };
      const have = v2.controllers.length > 0 ? v2.controllers.join(" ") : "none";
      return {
        covers,
        why: `${lacking.join(", ")} controller${
          lacking.length > 1 ? "s" : ""
        } not delegated to ${v2.base} (controllers given to its children: ${have})`,
      };
    }
    case "v1": {
      const covers = needs.filter((k) => facts.v1[k].ok);
      const why = needs.map((k) => facts.v1[k]).flatMap((a) => a.ok ? [] : [a.why]).join(", ");
      return why === "" ? { covers } : { covers, why };
    }
    case "systemd": {
      const sd = facts.systemd;
      if (!sd.ok) return { covers: [], why: sd.why };
      const covers = needs.filter((k) => sd.controllers.includes(k));
      const lacking = needs.filter((k) => !covers.includes(k));
      if (lacking.length === 0) return { covers };
      return {
        covers,
        why: `the user manager cannot limit ${lacking.join(", ")}: cgroup v2 lacks ${
          lacking.length === 1 ? "that controller" : "those controllers"
        }`,
      };
    }
  }
}

/**
 * The strategies worth trying for `needs`: those enforcing every limit first (in the order v2,
 * v1, systemd), then those enforcing some (most first). A forced strategy is the only one.
 */
export function chooseStrategies(
  facts: Facts,
  needs: readonly LimitKind[],
  forced?: Strategy,
): Choice {
  if (needs.length === 0) return { candidates: [], reasons: [], forced };
  if (forced === "none") return { candidates: [], reasons: ["DORA_CGROUP=none"], forced };
  const order = forced === undefined ? ORDER : [forced];
  const full: Candidate[] = [];
  const partial: Candidate[] = [];
  const reasons: string[] = [];
  for (const strategy of order) {
    const { covers, why } = coverage(facts, strategy, needs);
    if (why !== undefined) reasons.push(`${LABEL[strategy]}: ${why}`);
    if (covers.length === needs.length) full.push({ strategy, covers });
    else if (covers.length > 0) partial.push({ strategy, covers });
  }
  partial.sort((a, b) => b.covers.length - a.covers.length);
  return { candidates: [...full, ...partial], reasons, forced };
}

/** The user-facing name of a strategy's enforcement. */
export function strategyLabel(strategy: Candidate["strategy"]): Exclude<Enforcement, "none"> {
  return LABEL[strategy];
}
