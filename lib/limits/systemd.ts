/**
 * Limits through the systemd user manager: the node runs as `systemd-run --user --scope -p
 * MemoryMax=... -p CPUQuota=... -- <program>`, which moves itself into a transient scope and then
 * execs the program (same pid, so the runtime's process group and signals are unchanged).
 */
import type { ResourceLimits } from "../descriptor/types.ts";
import { safeName } from "./_parse.ts";
import type { LimitKind } from "./types.ts";

/** A unit name unique per spawn: a failed scope stays loaded (for its Result) until reset. */
export function scopeUnit(group: string): string {
  const suffix = crypto.getRandomValues(new Uint8Array(3));
  const hex = [...suffix].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${safeName(group, 200)}-${hex}.scope`;
}

/** `systemd-run` percent for `cpus` CPUs (whole percent, at least 1). */
export function cpuQuotaPercent(cpus: number): string {
  return `${Math.max(1, Math.round(cpus * 100))}%`;
}

/**
 * The words put before the node's argv. `env` carries the user manager's runtime folder, which
 * the node's own (cleared) environment may lack.
 */
export function systemdRunPrefix(
  systemdRun: string,
  runtimeDir: string,
  unit: string,
  limits: ResourceLimits,
  covers: readonly LimitKind[],
): string[] {
  const props: string[] = [];
  if (covers.includes("memory") && limits.memoryBytes !== undefined) {
    props.push("-p", `MemoryMax=${limits.memoryBytes}`, "-p", "MemorySwapMax=0");
  }
  if (covers.includes("cpu") && limits.cpu !== undefined) {
    props.push("-p", `CPUQuota=${cpuQuotaPercent(limits.cpu)}`);
  }
  return [
    "/usr/bin/env",
    `XDG_RUNTIME_DIR=${runtimeDir}`,
    systemdRun,
    "--user",
    "--scope",
    "--quiet",
    `--unit=${unit}`,
    ...props,
    "--",
  ];
}

/** One property of a user unit (`systemctl --user show -p NAME --value`), or undefined. */
export async function unitProperty(
  unit: string,
  property: string,
  runtimeDir: string,
): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("systemctl", {
      args: ["--user", "show", "-p", property, "--value", unit],
      env: { XDG_RUNTIME_DIR: runtimeDir },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(5000),
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets a failed scope (a scope that ended well is already gone). */
export async function resetUnit(unit: string, runtimeDir: string): Promise<void> {
  try {
    await new Deno.Command("systemctl", {
      args: ["--user", "reset-failed", unit],
      env: { XDG_RUNTIME_DIR: runtimeDir },
      stdin: "null",
      stdout: "null",
      stderr: "null",
      signal: AbortSignal.timeout(5000),
    }).output();
  } catch {
    // nothing to reset, or no manager any more
  }
}
