/**
 * Crash-safe JSON files: written to a temp file in the same folder, fsync'd, renamed over the
 * old one. A file that cannot be parsed is moved aside (never deleted) and reported, so the
 * daemon starts clean instead of crashing.
 */

/** Writes `value` as JSON to `path` atomically, with the given file mode. */
export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const data = new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode });
    try {
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** What reading a state file found. */
export type ReadResult<T> =
  | { kind: "missing" }
  | { kind: "ok"; value: T }
  /** The file was unreadable JSON or failed `validate`; it now lives at `movedTo`. */
  | { kind: "corrupt"; movedTo: string; reason: string };

/**
 * Reads a JSON state file. Corrupt content (bad JSON, or `validate` returns an error string)
 * is renamed to `<path>.corrupt-<timestamp>` and reported.
 */
export async function readJsonFile<T>(
  path: string,
  validate: (value: unknown) => string | undefined,
): Promise<ReadResult<T>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { kind: "missing" };
    throw err;
  }
  let reason: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
    reason = validate(value);
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }
  if (reason === undefined) return { kind: "ok", value: value as T };
  const movedTo = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  await Deno.rename(path, movedTo);
  return { kind: "corrupt", movedTo, reason };
}
