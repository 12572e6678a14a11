/**
 * Looks at this machine's cgroups (mounts, our own groups, delegated controllers) and at the
 * systemd user manager, and turns what it sees into `Facts` for `chooseStrategies`.
 */
import { which } from "../runtime/command.ts";
import type { Availability, Facts } from "./choose.ts";
import {
  type CgroupEntry,
  joinCgroup,
  type Mount,
  ownPath,
  parentDir,
  parseControllers,
  parseMounts,
  parseProcCgroup,
  v1Mount,
  v2Mount,
} from "./_parse.ts";
import type { LimitKind } from "./types.ts";

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The v2 folder to create node groups in, and the controllers its children get. */
async function v2Facts(
  mounts: Mount[],
  entries: CgroupEntry[],
): Promise<Facts["v2"]> {
  const mount = v2Mount(mounts);
  if (mount === undefined) return { ok: false, why: "not mounted" };
  const own = ownPath(entries);
  if (own === undefined) return { ok: false, why: "this process has no cgroup v2 entry" };
  const ownDir = joinCgroup(mount, own);
  if (ownDir === mount.replace(/\/+$/, "")) {
    // The root group may hold processes and still give controllers to its children.
    const text = await readText(`${ownDir}/cgroup.subtree_control`);
    if (text === undefined) {
      return { ok: false, why: `cannot read ${ownDir}/cgroup.subtree_control` };
    }
    return { ok: true, base: ownDir, controllers: parseControllers(text) };
  }
  // A non-root group with processes cannot hand controllers to children ("no internal
  // processes"), so node groups become siblings of ours: they get what our group gets.
  const text = await readText(`${ownDir}/cgroup.controllers`);
  if (text === undefined) return { ok: false, why: `cannot read ${ownDir}/cgroup.controllers` };
  return { ok: true, base: parentDir(ownDir), controllers: parseControllers(text) };
}

async function v1Facts(
  mounts: Mount[],
  entries: CgroupEntry[],
  kind: LimitKind,
): Promise<Availability<{ base: string; hasMemsw?: boolean }>> {
  const mount = v1Mount(mounts, kind);
  if (mount === undefined) return { ok: false, why: `${kind} controller not mounted` };
  const own = ownPath(entries, kind);
  if (own === undefined) return { ok: false, why: `no ${kind} entry in /proc/self/cgroup` };
  const base = joinCgroup(mount, own);
  if (!await exists(base)) return { ok: false, why: `our ${kind} group ${base} is not visible` };
  if (kind !== "memory") return { ok: true, base };
  return { ok: true, base, hasMemsw: await exists(`${base}/memory.memsw.limit_in_bytes`) };
}

/** Where the user manager's runtime folder is: `$XDG_RUNTIME_DIR`, else `/run/user/<uid>`. */
export function userRuntimeDir(): string {
  return Deno.env.get("XDG_RUNTIME_DIR") || `/run/user/${Deno.uid() ?? 0}`;
}

async function systemdFacts(mounts: Mount[]): Promise<Facts["systemd"]> {
  const systemdRun = which("systemd-run", Deno.env.get("PATH") ?? "/usr/bin:/bin");
  if (systemdRun === undefined) return { ok: false, why: "systemd-run not found on PATH" };
  const runtimeDir = userRuntimeDir();
  const socket = `${runtimeDir}/systemd/private`;
  if (!await exists(socket)) {
    return { ok: false, why: `no systemd user manager (${socket} not found)` };
  }
  // systemd applies MemoryMax/CPUQuota only on the unified hierarchy; on a hybrid machine the
  // v2 mount (/sys/fs/cgroup/unified) has no controllers and the limits would be ignored.
  const mount = v2Mount(mounts);
  const unified = mount === "/sys/fs/cgroup" ||
    (mount !== undefined && v1Mount(mounts, "memory") === undefined);
  const text = unified ? await readText(`${mount}/cgroup.controllers`) : undefined;
  return { ok: true, runtimeDir, systemdRun, controllers: parseControllers(text ?? "") };
}

/** What this machine offers for enforcing limits, as seen by this process. */
export async function gatherFacts(): Promise<Facts> {
  const mounts = parseMounts(await readText("/proc/mounts") ?? "");
  const entries = parseProcCgroup(await readText("/proc/self/cgroup") ?? "");
  const [v2, memory, cpu, systemd] = await Promise.all([
    v2Facts(mounts, entries),
    v1Facts(mounts, entries, "memory"),
    v1Facts(mounts, entries, "cpu"),
    systemdFacts(mounts),
  ]);
  return { v2, v1: { memory, cpu }, systemd };
}
