/**
 * A node's build inputs, reduced to one digest: when it equals the digest stored after the last
 * successful build, the build is skipped.
 *
 * The inputs are:
 * - the build lines as they run (so `--uv` and edits to the YAML's `build:` count),
 * - the node's `env:` (values enter the digest only; they are never written to disk),
 * - files, by path, size and modification time (not content):
 *   - when any line is not a package installer (`make`, `cargo`, a script...): every file in
 *     the dataflow's folder, recursively, except the dataflow YAML itself and what hot reload
 *     ignores too (logs, caches, `.git`, `node_modules`, virtualenvs, `build/`, `dist/`,
 *     `target/`, `out/`, data files, the dora home; see lib/reload/patterns.ts);
 *   - always: files and folders named by the lines (`-r requirements.txt`, `-e ../lib`), also
 *     outside the dataflow's folder.
 * A scan that meets more than `DORA_BUILD_SCAN_LIMIT` files (default 20000) gives no digest,
 * and the node is always rebuilt.
 */
import { resolve } from "node:path";
import { doraHome } from "../config.ts";
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";
import { makeIgnoreMatcher, type PathMatcher } from "../reload/patterns.ts";
import { effectiveLines, inputRule } from "./commands.ts";
import { settings } from "../config.ts";

/** One file as the digest sees it: path, size, mtime (ms). */
export type FileEntry = [path: string, size: number, mtimeMs: number];

/** Most files one scan looks at before giving up on a digest (`DORA_BUILD_SCAN_LIMIT`). */
export function scanLimit(): number {
  return settings.buildScanLimit();
}

/** Scans are shared between the nodes of one run: the same folder is read once. */
export class ScanCache {
  readonly #scans = new Map<string, Promise<FileEntry[] | undefined>>();
  readonly #ignored: PathMatcher;
  readonly #exclude: Set<string>;

  constructor(private readonly dataflow: Dataflow, private readonly limit = scanLimit()) {
    this.#ignored = makeIgnoreMatcher();
    this.#exclude = new Set([dataflow.file, resolve(doraHome())]);
  }

  /** Files under `dir` (absolute), sorted; undefined when the limit was reached. */
  scan(dir: string): Promise<FileEntry[] | undefined> {
    let scan = this.#scans.get(dir);
    if (!scan) {
      scan = scanTree(dir, this.#ignored, this.#exclude, this.limit);
      this.#scans.set(dir, scan);
    }
    return scan;
  }

  /** The dataflow this cache scans for. */
  get root(): string {
    return this.dataflow.dir;
  }
}

/**
 * The digest of a node's build inputs (hex SHA-256), or undefined when they cannot be tracked
 * (too many files).
 */
export async function inputsDigest(
  node: NodeSpec,
  uv: boolean,
  cache: ScanCache,
): Promise<string | undefined> {
  const lines = effectiveLines(node.build, uv);
  const rule = inputRule(lines);
  const root = cache.root;
  const files: FileEntry[] = [];
  if (rule.wholeFolder) {
    const all = await cache.scan(root);
    if (!all) return undefined;
    files.push(...all);
  }
  // Named paths count even inside a scanned folder: the scan skips ignored names.
  for (const word of rule.named) {
    const path = resolve(root, word);
    const info = await statOrUndefined(path);
    if (!info) continue;
    if (info.isDirectory) {
      const entries = await cache.scan(path);
      if (!entries) return undefined;
      files.push(...entries.map(([p, size, mtime]): FileEntry => [`${path}/${p}`, size, mtime]));
    } else {
      files.push([path, info.size, info.mtime?.getTime() ?? 0]);
    }
  }
  const env = Object.entries(node.env).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return await sha256(JSON.stringify({ v: 1, lines, env, files }));
}

/** Hex SHA-256 of a string. */
export async function sha256(text: string): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch {
    return undefined;
  }
}

/**
 * Files under `root` (relative paths, depth first, names sorted), skipping ignored names and
 * the absolute paths in `exclude`. Symlinks to folders are not followed (no loops).
 */
async function scanTree(
  root: string,
  ignored: PathMatcher,
  exclude: Set<string>,
  limit: number,
): Promise<FileEntry[] | undefined> {
  const out: FileEntry[] = [];
  const walk = async (rel: string): Promise<boolean> => {
    const dir = rel === "" ? root : `${root}/${rel}`;
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return true; // unreadable or vanished: nothing a build could read either
    }
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (ignored(path) || exclude.has(`${root}/${path}`)) continue;
      if (entry.isDirectory) {
        if (!await walk(path)) return false;
        continue;
      }
      const info = await statOrUndefined(`${root}/${path}`);
      if (!info || info.isDirectory) continue;
      if (out.length >= limit) return false;
      out.push([path, info.size, info.mtime?.getTime() ?? 0]);
    }
    return true;
  };
  return await walk("") ? out : undefined;
}
