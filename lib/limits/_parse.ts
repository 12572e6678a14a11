/**
 * Pure readers of the kernel's cgroup bookkeeping (/proc/mounts, /proc/self/cgroup, control
 * files) and the small formatting rules of the values we write.
 */

/** One line of /proc/mounts. */
export interface Mount {
  source: string;
  path: string;
  type: string;
  options: string[];
}

/** One line of /proc/PID/cgroup: `id:controllers:path` (`0::/path` is the v2 hierarchy). */
export interface CgroupEntry {
  id: number;
  controllers: string[];
  path: string;
}

/** The v1 controllers we use. */
export type V1Controller = "memory" | "cpu";

/** Undoes the octal escapes /proc/mounts uses for blanks in paths (`\040`). */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/mounts. */
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const [source, path, type, options] = line.trim().split(/\s+/);
    if (!source || !path || !type || options === undefined) continue;
    mounts.push({
      source,
      path: unescapeMount(path),
      type,
      options: options.split(","),
    });
  }
  return mounts;
}

/** Parses /proc/PID/cgroup. The path may contain `:`, so only the first two split. */
export function parseProcCgroup(text: string): CgroupEntry[] {
  const entries: CgroupEntry[] = [];
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const id = Number(line.slice(0, first));
    if (!Number.isInteger(id)) continue;
    const list = line.slice(first + 1, second);
    entries.push({
      id,
      controllers: list === "" ? [] : list.split(","),
      path: line.slice(second + 1),
    });
  }
  return entries;
}

/** The mount point of the unified (v2) hierarchy, preferring /sys/fs/cgroup. */
export function v2Mount(mounts: Mount[]): string | undefined {
  const all = mounts.filter((m) => m.type === "cgroup2").map((m) => m.path);
  return all.find((p) => p === "/sys/fs/cgroup") ?? all[0];
}

/** The mount point of the v1 hierarchy holding `controller` (exact option match: not cpuset). */
export function v1Mount(mounts: Mount[], controller: V1Controller): string | undefined {
  return mounts.find((m) => m.type === "cgroup" && m.options.includes(controller))?.path;
}

/** Our cgroup path in the v2 hierarchy (`0::`), or in the v1 hierarchy of `controller`. */
export function ownPath(entries: CgroupEntry[], controller?: V1Controller): string | undefined {
  const entry = controller === undefined
    ? entries.find((e) => e.id === 0 && e.controllers.length === 0)
    : entries.find((e) => e.controllers.includes(controller));
  return entry?.path;
}

/** `mount` + `path` without doubled or trailing slashes. */
export function joinCgroup(mount: string, path: string): string {
  const rel = path.split("/").filter((p) => p !== "" && p !== ".").join("/");
  const base = mount.replace(/\/+$/, "");
  return rel === "" ? base : `${base}/${rel}`;
}

/** The folder holding `dir` (`/a/b` → `/a`). */
export function parentDir(dir: string): string {
  const at = dir.replace(/\/+$/, "").lastIndexOf("/");
  return at <= 0 ? "/" : dir.slice(0, at);
}

/** Space-separated controller names (`cgroup.controllers`, `cgroup.subtree_control`). */
export function parseControllers(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== "");
}

/** The value of `key` in a flat-keyed file (`memory.events`, `memory.oom_control`). */
export function keyedValue(text: string, key: string): number | undefined {
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

/** The CFS period we use, in µs (the kernel's default). */
export const CPU_PERIOD_US = 100_000;

/** CFS quota in µs for `cpus` CPUs (the kernel refuses less than 1 ms). */
export function cpuQuotaUs(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
}

/** A name safe as one cgroup folder or a systemd unit part: `[A-Za-z0-9_.-]`, at most `max`. */
export function safeName(text: string, max = 100): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_");
  return cleaned.slice(0, max) || "_";
}

/**
 * The group name of a node: `dora-<12 hex of the dataflow>-<node>`. The tail of a uuid is used
 * because the head of a UUIDv7 is a timestamp shared by dataflows started close together.
 */
export function groupName(dataflow: string, node: string): string {
  const hex = dataflow.replace(/[^0-9a-fA-F]/g, "");
  const short = hex.length >= 12 ? hex.slice(-12).toLowerCase() : safeName(dataflow, 36);
  return `dora-${short}-${safeName(node)}`;
}

/** Quotes a word for `sh` (single quotes; embedded ones become `'\''`). */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
