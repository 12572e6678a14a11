/**
 * `dora save` / `dora resurrect`: the list of dataflows to bring back after a reboot, in
 * `~/.dora/dump.json` (pm2's dump, done right). Written atomically (temp file, fsync, rename);
 * a non-empty list is never replaced by an empty one unless the caller forces it (pm2 #2653).
 * Each entry holds what `dora start` was given: the file (read again at resurrection, so edits
 * count), the name, the `--env` values, the caller's environment and the flags. Environment
 * values are never part of an API answer.
 */
import { doraHome } from "../config.ts";
import type { StartRequest } from "../api/types.ts";
import { readJsonFile, writeJsonAtomic } from "./state_file.ts";

/** Bumped when the file's shape changes incompatibly. */
export const DUMP_SCHEMA_VERSION = 1;

/** One saved dataflow. */
export interface SavedDataflow {
  name: string;
  file: string;
  env: Record<string, string>;
  base_env: Record<string, string>;
  restart_policy?: string;
  hot_reload?: boolean;
  watch?: string[];
  cpu_limit?: number;
  memory_limit?: number;
}

interface DumpFile {
  schema_version: number;
  saved_at: string;
  dataflows: SavedDataflow[];
}

/** Path of the saved list. */
export function dumpPath(): string {
  return `${doraHome()}/dump.json`;
}

/** The entry that brings back a dataflow started with `req` under `name`. */
export function savedEntry(name: string, req: StartRequest): SavedDataflow {
  return {
    name,
    file: req.dataflow.file,
    env: req.env,
    base_env: req.base_env,
    restart_policy: req.restart_policy,
    hot_reload: req.hot_reload,
    watch: req.watch,
    cpu_limit: req.cpu_limit,
    memory_limit: req.memory_limit,
  };
}

function validate(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const v = value as Partial<DumpFile>;
  if (v.schema_version !== DUMP_SCHEMA_VERSION) {
    return `schema_version ${v.schema_version} is not ${DUMP_SCHEMA_VERSION}`;
  }
  if (!Array.isArray(v.dataflows)) return "dataflows is not a list";
  for (const d of v.dataflows) {
    if (typeof d?.name !== "string" || typeof d?.file !== "string") {
      return "a dataflow lacks name/file";
    }
  }
  return undefined;
}

/** What reading the saved list found. */
export type ReadDump =
  | { kind: "missing" }
  | { kind: "ok"; dataflows: SavedDataflow[]; savedAt: string }
  | { kind: "corrupt"; movedTo: string; reason: string };

/** Reads the saved list; a corrupt file is moved aside (never deleted). */
export async function readDump(): Promise<ReadDump> {
  const result = await readJsonFile<DumpFile>(dumpPath(), validate);
  if (result.kind !== "ok") return result;
  return { kind: "ok", dataflows: result.value.dataflows, savedAt: result.value.saved_at };
}

/** Why a save was refused. */
export class EmptySaveRefused extends Error {
  constructor(readonly saved: number) {
    super(`refusing to replace ${saved} saved dataflows with an empty list`);
  }
}

/**
 * Writes `dataflows` as the saved list. Throws `EmptySaveRefused` when the list is empty, the
 * file holds some, and `force` is not set.
 */
export async function writeDump(dataflows: SavedDataflow[], force: boolean): Promise<void> {
  if (dataflows.length === 0 && !force) {
    const current = await readJsonFile<DumpFile>(dumpPath(), validate).catch(() => undefined);
    const saved = current?.kind === "ok" ? current.value.dataflows.length : 0;
    if (saved > 0) throw new EmptySaveRefused(saved);
  }
  const file: DumpFile = {
    schema_version: DUMP_SCHEMA_VERSION,
    saved_at: new Date().toISOString(),
    dataflows,
  };
  await writeJsonAtomic(dumpPath(), file);
}
