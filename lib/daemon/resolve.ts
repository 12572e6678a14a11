/**
 * Finding a dataflow by what people type: its UUID, its name, its short id, or a UUID prefix.
 * Short ids are the shortest tail (at least 4 hex digits) of the UUID that no other dataflow
 * known to the registry uses: UUID v7 prefixes are a timestamp and collide for dataflows started
 * within a minute, the tail is random. Pure: the daemon gives the records.
 */
import { ApiError } from "./server.ts";

/** What resolution needs of a record. */
export interface Resolvable {
  uuid: string;
  name: string;
  status: string;
  started_at: string;
  short_id?: string;
}

const ACTIVE = new Set(["Running", "Stopping"]);
/** Shortest short id. */
export const SHORT_ID_MIN = 4;

/** A short id for `uuid` that no record in `others` has (nor is a name of). */
export function assignShortId(uuid: string, others: Iterable<Resolvable>): string {
  const hex = uuid.replace(/-/g, "");
  const taken = new Set<string>();
  for (const record of others) {
    if (record.short_id) taken.add(record.short_id);
    taken.add(record.name);
  }
  for (let length = SHORT_ID_MIN; length < hex.length; length++) {
    const candidate = hex.slice(-length);
    if (!taken.has(candidate)) return candidate;
  }
  return hex;
}

/** The `not_found` error with the seed's reasons. */
export function notFound(ref: string): ApiError {
  return new ApiError(404, "not_found", `Dataflow ${ref} not found`, [
    "",
    "Possible reasons:",
    "  1. Dataflow already stopped",
    "  2. UUID is incorrect",
    "  3. Daemon was restarted",
    "",
    "Run 'dora list' to see active dataflows",
  ]);
}

/**
 * Resolves `ref`: exact UUID, then name (a running one wins; among finished ones the newest),
 * then short id, then a unique UUID prefix of at least 4 characters. Throws `ApiError` 404, or
 * 409 `ambiguous` for a prefix that matches several.
 */
export function resolveRef<T extends Resolvable>(records: T[], ref: string): T {
  const exact = records.find((r) => r.uuid === ref);
  if (exact) return exact;
  const named = records.filter((r) => r.name === ref);
  const active = named.filter((r) => ACTIVE.has(r.status));
  if (active.length >= 1) return active[0]!;
  if (named.length > 0) {
    return [...named].sort((a, b) => b.started_at.localeCompare(a.started_at))[0]!;
  }
  const short = records.find((r) => r.short_id === ref.toLowerCase());
  if (short) return short;
  if (/^[0-9a-f-]{4,}$/i.test(ref)) {
    const prefixed = records.filter((r) => r.uuid.startsWith(ref.toLowerCase()));
    if (prefixed.length === 1) return prefixed[0]!;
    if (prefixed.length > 1) {
      throw new ApiError(409, "ambiguous", `'${ref}' matches ${prefixed.length} dataflows`, [
        ...prefixed.map((r) => `  ${r.uuid}  ${r.short_id ?? ""}  ${r.name}  ${r.status}`),
        "Give its short id (the ID column of 'dora list'), its name, or more of the UUID",
      ]);
    }
  }
  throw notFound(ref);
}
