/**
 * Reads a dataflow's log folder: every node's records merged by time (rotated files included,
 * oldest first), filtered by node, time (`since`, `until`), level and text (`grep`), then
 * `tail` (dora's order), and a follow mode that yields new records as files grow and rotate.
 * Used by `dora logs`.
 */
import { type LogRecord, nodeLogFile, parseLogRecord, recordLevel } from "./format.ts";
import { type LogLevel, passesLevel } from "./levels.ts";

/** A stored record and the node it belongs to. */
export interface NodeLogRecord extends LogRecord {
  node: string;
}

/** Which records to return. */
export interface ReadLogOptions {
  /** Only this node. */
  node?: string;
  /** Only the last N records (after the other filters). */
  tail?: number;
  /** Only records at or after this time (ms since the epoch). */
  since?: number;
  /** Only records at or before this time (ms since the epoch). */
  until?: number;
  /** Only records passing this level filter (plain lines only pass `stdout`). */
  level?: LogLevel;
  /** Only records whose text, node id or target contains this (any case). */
  grep?: string;
}

/** Follow mode: how to stop and how often to look. */
export interface FollowLogOptions extends ReadLogOptions {
  /** Ends the iteration (the pending wait is cut short). */
  signal: AbortSignal;
  /** How often files are checked for new lines, ms (default 200). */
  pollMs?: number;
}

const FILE_NAME = /^(.+)\.log(?:\.(\d+))?$/;

/** Node ids that have log files in `dir` (sorted); empty when the folder does not exist. */
export async function logNodes(dir: string): Promise<string[]> {
  const nodes = new Set<string>();
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = FILE_NAME.exec(entry.name);
      if (match && entry.isFile) nodes.add(match[1]!);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return [...nodes].sort();
}

/** A node's rotated files, newest first (`.1`, `.2`, ...), without the current file. */
async function rotatedFiles(dir: string, node: string): Promise<string[]> {
  const numbered: [number, string][] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = FILE_NAME.exec(entry.name);
      if (match && match[1] === node && match[2] !== undefined) {
        numbered.push([Number(match[2]), `${dir}/${entry.name}`]);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return numbered.sort((a, b) => a[0] - b[0]).map(([, path]) => path);
}

function parseLines(node: string, text: string): NodeLogRecord[] {
  const records: NodeLogRecord[] = [];
  for (const line of text.split("\n")) {
    const record = line === "" ? undefined : parseLogRecord(line);
    if (record) records.push({ node, ...record });
  }
  return records;
}

async function readAll(file: Deno.FsFile): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await file.read(buf);
    if (n === null || n === 0) break;
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/**
 * Older records of a node from its rotated files, read newest file first and only as far back
 * as `tail`/`since` need (`have` records are already at hand). Skips the file `skipIno`.
 */
async function olderRecords(
  dir: string,
  node: string,
  opts: ReadLogOptions,
  have: number,
  skipIno?: number,
): Promise<NodeLogRecord[]> {
  const parts: NodeLogRecord[][] = [];
  let count = have;
  // With filters, the newest files may hold fewer matches than `tail` wants: read them all.
  const filtered = opts.level !== undefined || opts.grep !== undefined || opts.until !== undefined;
  for (const path of await rotatedFiles(dir, node)) {
    if (opts.tail !== undefined && count >= opts.tail && !filtered) break;
    if (skipIno !== undefined && (await Deno.stat(path).catch(() => null))?.ino === skipIno) {
      continue;
    }
    const records = parseLines(node, (await readText(path)) ?? "");
    parts.unshift(records);
    count += records.length;
    const last = records.at(-1);
    if (opts.since !== undefined && last && last.time < opts.since) break;
  }
  return parts.flat();
}

/**
 * Merges per-node record lists (each in its own order) by time; a node's own order is never
 * changed, even if its clock went backwards.
 */
export function mergeByTime(lists: NodeLogRecord[][]): NodeLogRecord[] {
  const heads = lists.map(() => 0);
  const total = lists.reduce((n, list) => n + list.length, 0);
  const merged: NodeLogRecord[] = [];
  while (merged.length < total) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const candidate = lists[i]![heads[i]!];
      if (!candidate) continue;
      if (best < 0 || candidate.time < lists[best]![heads[best]!]!.time) best = i;
    }
    merged.push(lists[best]![heads[best]!++]!);
  }
  return merged;
}

/** Applies time, level and text filters, then `tail`, to merged records. */
export function filterRecords(records: NodeLogRecord[], opts: ReadLogOptions): NodeLogRecord[] {
  const needle = opts.grep?.toLowerCase();
  let result = records.filter((r) =>
    (opts.since === undefined || r.time >= opts.since) &&
    (opts.until === undefined || r.time <= opts.until) &&
    (opts.level === undefined || passesLevel(recordLevel(r), opts.level)) &&
    (needle === undefined || r.text.toLowerCase().includes(needle) ||
      r.node.toLowerCase().includes(needle) || (r.target ?? "").toLowerCase().includes(needle))
  );
  if (opts.tail !== undefined) result = opts.tail <= 0 ? [] : result.slice(-opts.tail);
  return result;
}

/** The records of a dataflow's log folder, all nodes merged by time. */
export async function readLogs(dir: string, opts: ReadLogOptions = {}): Promise<NodeLogRecord[]> {
  const nodes = opts.node === undefined ? await logNodes(dir) : [opts.node];
  const lists = await Promise.all(nodes.map(async (node) => {
    const current = parseLines(node, (await readText(nodeLogFile(dir, node))) ?? "");
    return [...await olderRecords(dir, node, opts, current.length), ...current];
  }));
  return filterRecords(mergeByTime(lists), opts);
}

/** Reading position in one node's current log file. */
class Cursor {
  #decoder = new TextDecoder();
  #partial = "";
  private constructor(
    readonly node: string,
    private file: Deno.FsFile,
    private ino: number | null,
  ) {}

  static async open(dir: string, node: string): Promise<Cursor | undefined> {
    try {
      const file = await Deno.open(nodeLogFile(dir, node), { read: true });
      return new Cursor(node, file, (await file.stat()).ino);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }

  get heldIno(): number | undefined {
    return this.ino ?? undefined;
  }

  /** Complete lines appended since the last call. */
  async readNew(): Promise<NodeLogRecord[]> {
    const buf = new Uint8Array(64 * 1024);
    let text = "";
    for (;;) {
      const n = await this.file.read(buf);
      if (n === null || n === 0) break;
      text += this.#decoder.decode(buf.subarray(0, n), { stream: true });
    }
    const all = this.#partial + text;
    const cut = all.lastIndexOf("\n");
    this.#partial = cut < 0 ? all : all.slice(cut + 1);
    return cut < 0 ? [] : parseLines(this.node, all.slice(0, cut));
  }

  /**
   * After the writer rotated: the rest of the old file, the files rotated in between (when it
   * rotated more than once), then the new file from its start. The new file is opened before
   * the rotated ones are looked for, so a rotation during this call cannot hide a file: it is
   * either among the rotated ones or the one now held.
   */
  async follow(dir: string): Promise<NodeLogRecord[]> {
    // Stat before reading: once the rename is visible the writer has closed the old file, so
    // reading it to its end afterwards gets all of it.
    const stat = await Deno.stat(nodeLogFile(dir, this.node)).catch(() => null);
    const records = await this.readNew();
    if (!stat || stat.ino === this.ino) return records;
    const next = await Cursor.open(dir, this.node);
    const between = await this.#rotatedSince(dir, next?.ino ?? null);
    for (const file of between) records.push(...file);
    if (!next) return records;
    this.file.close();
    this.file = next.file;
    this.ino = next.ino;
    this.#partial = "";
    this.#decoder = new TextDecoder();
    records.push(...await this.readNew());
    return records;
  }

  /**
   * The records of the rotated files between the one held before (exclusive; all older ones if
   * it is gone) and `heldNext` (exclusive; files newer than it are read through it later),
   * oldest first. Files are told apart by inode and looked for twice, since names shift while
   * the writer rotates; their order comes from their timestamps.
   */
  async #rotatedSince(dir: string, heldNext: number | null): Promise<NodeLogRecord[][]> {
    // The held files themselves are never taken: a name shifting during the listing can show
    // one file twice.
    const taken = new Set<number | null>([heldNext, this.ino]);
    const files: NodeLogRecord[][] = [];
    for (let pass = 0; pass < 2; pass++) {
      const opened: { ino: number | null; file: Deno.FsFile }[] = [];
      for (const path of await rotatedFiles(dir, this.node)) {
        try {
          const file = await Deno.open(path, { read: true });
          opened.push({ ino: (await file.stat()).ino, file });
        } catch {
          // renamed or removed meanwhile: the next pass finds it
        }
      }
      try {
        // Newest first: skip what is newer than the new held file, stop at the old one.
        const nextAt = opened.findLastIndex((o) => o.ino === heldNext);
        const oldAt = opened.findIndex((o, i) => i > nextAt && o.ino === this.ino);
        const wanted = opened.slice(nextAt + 1, oldAt < 0 ? undefined : oldAt);
        for (const { ino, file } of wanted) {
          if (taken.has(ino)) continue;
          taken.add(ino);
          files.push(parseLines(this.node, new TextDecoder().decode(await readAll(file))));
        }
      } finally {
        for (const { file } of opened) file.close();
      }
    }
    const first = (records: NodeLogRecord[]) => records[0]?.time ?? Infinity;
    return files.filter((f) => f.length > 0).sort((a, b) => first(a) - first(b));
  }

  close(): void {
    try {
      this.file.close();
    } catch {
      // closed
    }
  }
}

/**
 * Yields the records `readLogs` would return, then every new record as the files grow and
 * rotate (new nodes included), until `signal` aborts. Each batch is merged by time.
 */
export async function* followLogs(
  dir: string,
  opts: FollowLogOptions,
): AsyncGenerator<NodeLogRecord> {
  const cursors = new Map<string, Cursor>();
  const wanted = (node: string) => opts.node === undefined || opts.node === node;
  const pollMs = opts.pollMs ?? 200;
  try {
    // The current file is opened before the rotated ones are read, so a rotation in between
    // neither loses nor repeats lines (the held file is recognised by its inode).
    const initial: NodeLogRecord[][] = [];
    for (const node of (await logNodes(dir)).filter(wanted)) {
      const cursor = await Cursor.open(dir, node);
      const current = cursor ? await cursor.readNew() : [];
      const older = await olderRecords(dir, node, opts, current.length, cursor?.heldIno);
      if (cursor) cursors.set(node, cursor);
      initial.push([...older, ...current]);
    }
    yield* filterRecords(mergeByTime(initial), opts);
    // New records: level and text filters still apply; `tail` and `until` were for the past.
    const live = { since: opts.since, level: opts.level, grep: opts.grep };
    while (!opts.signal.aborted) {
      await abortableSleep(pollMs, opts.signal);
      if (opts.signal.aborted) break;
      const batch: NodeLogRecord[][] = [];
      for (const node of (await logNodes(dir)).filter(wanted)) {
        let cursor = cursors.get(node);
        if (!cursor) {
          cursor = await Cursor.open(dir, node);
          if (!cursor) continue;
          cursors.set(node, cursor);
        }
        batch.push(await cursor.follow(dir));
      }
      yield* filterRecords(mergeByTime(batch), live);
    }
  } finally {
    for (const cursor of cursors.values()) cursor.close();
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
