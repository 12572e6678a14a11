/**
 * Which files hot reload watches and which it never looks at. Pure: paths in, yes/no out.
 *
 * Matching rules (the same for watch patterns and ignores):
 * - Paths are relative to the watched folder, with `/` separators.
 * - A pattern without a slash matches a file or folder name at any depth (`*.py` matches
 *   `nodes/camera/main.py`); a pattern with a slash matches the relative path from the watched
 *   folder (`config/*` matches `config/robot.yaml`, not `config/a/b.yaml`; use `config/**`).
 * - A pattern that matches a folder covers everything inside it (`logs/` and `logs` alike).
 * - Patterns are picomatch globs with dot files included (`*.env` matches `.env`).
 *
 * The built-in ignores are always added to the user's, and an ignore wins over a watch pattern.
 */
import { picomatch } from "../../deps/picomatch.ts";

/** What hot reload watches when `--watch` is not given. */
export const DEFAULT_WATCH_PATTERNS: readonly string[] = [
  // node sources
  "*.py",
  "*.ts",
  "*.tsx",
  "*.js",
  "*.mjs",
  "*.cjs",
  // the dataflow YAML
  "*.yml",
  "*.yaml",
  // configuration
  "*.json",
  "*.toml",
  "*.ini",
  "*.cfg",
  "*.conf",
  "*.env",
];

/**
 * Never a reason to reload (nor a build input, see lib/build/inputs.ts): logs, editor temp and
 * swap files, caches, version control, dependencies, build output and recorded data.
 */
export const BUILTIN_IGNORES: readonly string[] = [
  // logs: a node writing its own log next to its code must not restart itself forever
  "*.log",
  "*.log.*",
  "logs/",
  "nohup.out",
  // editors' temp, swap, backup and lock files (vim, emacs, kate, gedit, JetBrains, ...)
  "*.swp",
  "*.swo",
  "*.swx",
  "*.swpx",
  "*~",
  ".#*",
  "#*#",
  "4913",
  "*.tmp",
  "*.temp",
  "*.bak",
  "*.orig",
  "*.part",
  "*.crswap",
  "*.kate-swp",
  ".goutputstream-*",
  "*___jb_tmp___",
  "*___jb_old___",
  ".~lock.*",
  ".DS_Store",
  // caches and compiled Python
  "__pycache__/",
  "*.pyc",
  "*.pyo",
  ".mypy_cache/",
  ".pytest_cache/",
  ".ruff_cache/",
  ".tox/",
  ".cache/",
  // version control and editor settings
  ".git/",
  ".hg/",
  ".svn/",
  ".idea/",
  ".vscode/",
  // dependencies and virtual environments (full of *.py files that pip rewrites)
  "node_modules/",
  ".venv/",
  "venv/",
  "*.egg-info/",
  // build output
  "build/",
  "dist/",
  "target/",
  "out/",
  // recorded data, models and media
  "*.csv",
  "*.tsv",
  "*.jsonl",
  "*.ndjson",
  "*.parquet",
  "*.arrow",
  "*.feather",
  "*.bag",
  "*.mcap",
  "*.db3",
  "*.rrd",
  "*.db",
  "*.db-journal",
  "*.db-wal",
  "*.db-shm",
  "*.sqlite",
  "*.sqlite3",
  "*.h5",
  "*.hdf5",
  "*.npy",
  "*.npz",
  "*.pkl",
  "*.pickle",
  "*.pt",
  "*.pth",
  "*.onnx",
  "*.safetensors",
  "*.ckpt",
  "*.jpg",
  "*.jpeg",
  "*.png",
  "*.mp4",
  "*.avi",
  "*.mkv",
  "*.wav",
];

/** Splits `--watch "*.py, *.yaml,config/*"` into patterns; empty items are dropped. */
export function parsePatternList(text: string): string[] {
  return text.split(",").map((p) => p.trim()).filter((p) => p !== "");
}

/** Tests one relative path (file or folder) against a set of patterns. */
export type PathMatcher = (relPath: string) => boolean;

/**
 * Compiles patterns into a matcher that is true when the path, or any folder above it,
 * matches one of them.
 */
export function compilePatterns(patterns: readonly string[]): PathMatcher {
  const byName: ((name: string) => boolean)[] = [];
  const byPath: ((path: string) => boolean)[] = [];
  for (const raw of patterns) {
    const pattern = raw.trim().replace(/^\.\//, "").replace(/\/+$/, "");
    if (pattern === "") continue;
    const test = picomatch(pattern, { dot: true });
    (pattern.includes("/") ? byPath : byName).push(test);
  }
  return (relPath: string) => {
    const parts = relPath.split("/").filter((p) => p !== "" && p !== ".");
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      if (byName.some((test) => test(name))) return true;
      if (byPath.length > 0) {
        const prefix = parts.slice(0, i + 1).join("/");
        if (byPath.some((test) => test(prefix))) return true;
      }
    }
    return false;
  };
}

/** What to watch and what to leave alone, relative to the watched folder. */
export interface FilterOptions {
  /** Watch patterns; defaults to `DEFAULT_WATCH_PATTERNS`. An empty list watches nothing. */
  patterns?: readonly string[];
  /** Ignores added to `BUILTIN_IGNORES`. */
  extraIgnores?: readonly string[];
  /**
   * Relative folders ignored literally (no glob), e.g. the dora home when it lies inside the
   * watched folder.
   */
  ignoredDirs?: readonly string[];
}

/** True when a change to this relative path should trigger a reload. */
export function makeReloadFilter(opts: FilterOptions = {}): PathMatcher {
  const watched = compilePatterns(opts.patterns ?? DEFAULT_WATCH_PATTERNS);
  const ignored = makeIgnoreMatcher(opts.extraIgnores ?? [], opts.ignoredDirs ?? []);
  return (relPath: string) => {
    const path = normalizeRelative(relPath);
    if (path === undefined) return false;
    return watched(path) && !ignored(path);
  };
}

/** The built-in ignores plus `extra` globs plus literal relative folders. */
export function makeIgnoreMatcher(
  extra: readonly string[] = [],
  literalDirs: readonly string[] = [],
): PathMatcher {
  const globs = compilePatterns([...BUILTIN_IGNORES, ...extra]);
  const dirs = literalDirs.map((d) => normalizeRelative(d)).filter((d) => d !== undefined);
  return (relPath: string) => {
    if (globs(relPath)) return true;
    return dirs.some((dir) => dir === "" || relPath === dir || relPath.startsWith(`${dir}/`));
  };
}

/**
 * `a/./b/` → `a/b`; undefined for a path that leaves its folder (`..`) or is absolute, which
 * are never ours to watch.
 */
export function normalizeRelative(relPath: string): string | undefined {
  if (relPath.startsWith("/")) return undefined;
  const parts = relPath.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return undefined;
  return parts.join("/");
}
