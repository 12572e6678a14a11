/**
 * The daemon's registry: every dataflow it knows, persisted to `~/.dora/state.json` on each
 * change (coalesced; atomic write). Finished dataflows are kept up to `settings.historyKeep()`.
 */
import { doraHome, settings } from "../config.ts";
import { errorMessage } from "../errors.ts";
import type { DataflowStatus, StartRequest } from "../api/types.ts";
import type { Logger } from "./logger.ts";
import { readJsonFile, writeJsonAtomic } from "./state_file.ts";

/** Bumped when the on-disk shape changes incompatibly. */
export const SCHEMA_VERSION = 1;

/** One dataflow as stored. `runtime` is the runtime's own snapshot (pids, start times...). */
export interface DataflowRecord {
  uuid: string;
  /** The short handle (a tail of the UUID) shown by `list`; set at start (or at load). */
  short_id?: string;
  name: string;
  file: string;
  status: DataflowStatus;
  started_at: string;
  ended_at: string | null;
  log_dir: string;
  /** Everything needed to restart or re-adopt it: descriptor, env, options. */
  request: StartRequest;
  stop_requested: boolean;
  runtime: unknown;
  /** Per node: its resource limits and how they are enforced (see `describeLimits`). */
  limits?: Record<string, string>;
}

interface StateFile {
  schema_version: number;
  dataflows: DataflowRecord[];
}

/** Path of the registry file. */
export function statePath(): string {
  return `${doraHome()}/state.json`;
}

function validate(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const v = value as Partial<StateFile>;
  if (v.schema_version !== SCHEMA_VERSION) {
    return `schema_version ${v.schema_version} is not ${SCHEMA_VERSION}`;
  }
  if (!Array.isArray(v.dataflows)) return "dataflows is not a list";
  for (const d of v.dataflows) {
    if (typeof d?.uuid !== "string" || typeof d?.name !== "string") {
      return "a dataflow lacks uuid/name";
    }
  }
  return undefined;
}

/** The in-memory registry with coalesced persistence. */
export class Registry {
  readonly records = new Map<string, DataflowRecord>();
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(private readonly log: Logger) {}

  /** Loads the file; a corrupt one is moved aside with a warning and the registry starts empty. */
  async load(): Promise<void> {
    const result = await readJsonFile<StateFile>(statePath(), validate);
    if (result.kind === "corrupt") {
      const message =
        `registry ${statePath()} was unreadable (${result.reason}); moved to ${result.movedTo}, starting with an empty registry`;
      this.log.warn(message);
      return;
    }
    if (result.kind === "ok") {
      for (const record of result.value.dataflows) this.records.set(record.uuid, record);
    }
  }

  /** Schedules a write of the current state; resolves when it (or a later one) is on disk. */
  save(): Promise<void> {
    this.dirty = true;
    if (!this.writing) {
      this.writing = (async () => {
        while (this.dirty) {
          this.dirty = false;
          this.prune();
          const state: StateFile = {
            schema_version: SCHEMA_VERSION,
            dataflows: [...this.records.values()],
          };
          try {
            await writeJsonAtomic(statePath(), state);
          } catch (err) {
            this.log.error(`could not write ${statePath()}: ${errorMessage(err)}`);
          }
        }
      })().finally(() => this.writing = undefined);
    }
    return this.writing;
  }

  private prune(): void {
    const finished = [...this.records.values()]
      .filter((r) => r.ended_at !== null && r.status !== "Running" && r.status !== "Stopping")
      .sort((a, b) => (b.ended_at ?? "").localeCompare(a.ended_at ?? ""));
    for (const old of finished.slice(settings.historyKeep())) {
      this.records.delete(old.uuid);
      // Its logs go with it, so history bounds the disk used too.
      Deno.remove(old.log_dir, { recursive: true }).catch(() => {});
    }
  }
}
