/**
 * Words about limits for people: `memory 4G, cpu 2.0 — cgroup v1` in `list <uuid>`, and the
 * warning when a limit cannot be enforced. Pure.
 */
import type { ResourceLimits } from "../descriptor/types.ts";
import { formatBytes } from "../output/format.ts";
import type { Enforcement, LimitKind } from "./types.ts";

/** `2.0`, `0.5`, `0.25`: CPUs with at least one decimal. */
export function formatCpus(cpus: number): string {
  return Number.isInteger(cpus) ? cpus.toFixed(1) : String(cpus);
}

/** The limits asked for, in a fixed order. */
export function limitKinds(limits: ResourceLimits | undefined): LimitKind[] {
  const kinds: LimitKind[] = [];
  if (limits?.memoryBytes !== undefined) kinds.push("memory");
  if (limits?.cpu !== undefined) kinds.push("cpu");
  return kinds;
}

function limitText(kind: LimitKind, limits: ResourceLimits): string {
  return kind === "memory"
    ? `memory ${formatBytes(limits.memoryBytes)}`
    : `cpu ${formatCpus(limits.cpu ?? 0)}`;
}

/**
 * One line for a node's limits: `memory 4G, cpu 2.0 — cgroup v1`; `memory 4G — not enforced`;
 * with a partial enforcement, each limit says how: `memory 4G (cgroup v2), cpu 2.0 (not
 * enforced)`. `-` when the node has no limits. Without `how`, just the limits.
 */
export function describeLimits(
  limits: ResourceLimits | undefined,
  how?: { enforcement: Enforcement; unenforced?: readonly LimitKind[] },
): string {
  const kinds = limitKinds(limits);
  if (!limits || kinds.length === 0) return "-";
  const parts = kinds.map((kind) => limitText(kind, limits));
  if (!how) return parts.join(", ");
  const missing = new Set(how.unenforced ?? []);
  if (how.enforcement === "none" || kinds.every((k) => missing.has(k))) {
    return `${parts.join(", ")} — not enforced`;
  }
  if (!kinds.some((k) => missing.has(k))) return `${parts.join(", ")} — ${how.enforcement}`;
  return kinds.map((kind, i) =>
    `${parts[i]} (${missing.has(kind) ? "not enforced" : how.enforcement})`
  ).join(", ");
}

/**
 * `memory limit 64M and cpu limit 0.2 for node 'camera' not enforced: <why>`.
 */
export function notEnforcedWarning(
  node: string,
  limits: ResourceLimits,
  kinds: readonly LimitKind[],
  why: string,
): string {
  const what = kinds.map((kind) => {
    const [name, value] = limitText(kind, limits).split(" ");
    return `${name} limit ${value}`;
  }).join(" and ");
  return `${what} for node '${node}' not enforced: ${why}`;
}
