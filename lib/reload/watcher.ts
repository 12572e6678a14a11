/**
 * Watches a dataflow's folder for hot reload: file events from `Deno.watchFs` (recursive,
 * inotify), filtered by the watch patterns and the built-in ignores (see patterns.ts), then
 * debounced and serialised (see batcher.ts) before `onChange` sees them.
 *
 * Every event kind except a read ("access") counts, on each path it names: so a save through a
 * temp file and a rename reports the final file (the temp file is ignored or unwatched), an
 * in-place write reports the file, and deleting a watched file reports it too.
 *
 * `Deno.watchFs` cannot skip folders, so ignored folders (node_modules, .git, ...) still cost
 * inotify watches; only their events are dropped.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { doraHome, settings } from "../config.ts";
import { DoraError, errorMessage } from "../errors.ts";
import { ChangeBatcher } from "./batcher.ts";
import { DEFAULT_WATCH_PATTERNS, makeReloadFilter, type PathMatcher } from "./patterns.ts";

/** Options for `ReloadWatcher`. */
export interface ReloadWatcherOptions {
  /** The folder to watch, recursively (the dataflow's folder). */
  root: string;
  /** Replaces `DEFAULT_WATCH_PATTERNS` (what `--watch "*.py,*.yaml,config/*"` gives). */
  patterns?: readonly string[];
  /** Ignores added to the built-in ones. */
  extraIgnores?: readonly string[];
  /** Trailing debounce, ms; default `settings.reloadDebounceMs()` (`DORA_RELOAD_DEBOUNCE_MS`). */
  debounceMs?: number;
  /** Longest a change waits while others keep arriving, ms; default 10 × debounce, ≥ 1 s. */
  maxWaitMs?: number;
  /**
   * The reload: gets the changed files relative to `root`, deduplicated and sorted. Never runs
   * twice at once; changes seen meanwhile produce exactly one more call.
   */
  onChange: (files: string[]) => Promise<void> | void;
  /** Errors thrown by `onChange` or the watcher; default: printed to stderr. */
  onError?: (err: unknown) => void;
}

/** Watches a folder and calls `onChange` with batches of changed files; see the module. */
export class ReloadWatcher {
  /** The watched folder, absolute. */
  readonly root: string;
  /** The watch patterns in effect (for "Watching for changes..." output). */
  readonly patterns: readonly string[];
  readonly #matches: PathMatcher;
  readonly #batcher: ChangeBatcher;
  readonly #onError: (err: unknown) => void;
  readonly #realRoot: string | undefined;
  #watcher: Deno.FsWatcher | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;

  constructor(opts: ReloadWatcherOptions) {
    this.root = resolve(opts.root);
    this.#realRoot = realPath(this.root);
    this.patterns = [...(opts.patterns ?? DEFAULT_WATCH_PATTERNS)];
    this.#onError = opts.onError ??
      ((err) => console.error(`Error: hot reload: ${errorMessage(err)}`));
    this.#matches = makeReloadFilter({
      patterns: this.patterns,
      extraIgnores: opts.extraIgnores,
      ignoredDirs: this.#doraHomeInside(),
    });
    this.#batcher = new ChangeBatcher({
      delayMs: opts.debounceMs ?? settings.reloadDebounceMs(),
      maxWaitMs: opts.maxWaitMs,
      run: opts.onChange,
      onError: this.#onError,
    });
  }

  /** Whether a change to `relPath` (relative to `root`) would trigger `onChange`. */
  matches(relPath: string): boolean {
    return this.#matches(relPath);
  }

  /** Changed files waiting for the next `onChange` call (debouncing, or one is running). */
  get pendingCount(): number {
    return this.#batcher.pendingCount;
  }

  /**
   * Starts watching. Throws a `DoraError` when the folder cannot be watched (missing, not
   * readable, inotify limit reached). Calling it again does nothing.
   */
  start(): void {
    if (this.#watcher || this.#closed) return;
    try {
      this.#watcher = Deno.watchFs(this.root, { recursive: true });
    } catch (err) {
      throw watchError(this.root, err);
    }
    this.#loop = this.#consume(this.#watcher);
  }

  /**
   * Stops watching and drops pending changes; resolves once a running `onChange` has
   * finished. No `onChange` starts after this is called.
   */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    await this.#loop;
    await this.#batcher.close();
  }

  async #consume(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const event of watcher) {
        if (event.kind === "access") continue;
        const files = event.paths
          .map((path) => this.#relative(path))
          .filter((rel): rel is string => rel !== undefined && this.#matches(rel));
        if (files.length > 0) this.#batcher.add(files);
      }
    } catch (err) {
      if (!this.#closed) this.#onError(watchError(this.root, err));
    }
  }

  /** `path` relative to the root, or undefined when it is the root itself or outside it. */
  #relative(path: string): string | undefined {
    for (const base of [this.root, this.#realRoot]) {
      if (base === undefined) continue;
      const rel = relative(base, path);
      if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) return rel;
    }
    return undefined;
  }

  /** The dora home relative to the root, when it lies inside (its logs must not reload). */
  #doraHomeInside(): string[] {
    const home = resolve(doraHome());
    const found = new Set<string>();
    for (const [base, target] of [[this.root, home], [this.#realRoot, realPath(home)]]) {
      if (base === undefined || target === undefined) continue;
      const rel = relative(base, target);
      if (!rel.startsWith("..") && !isAbsolute(rel)) found.add(rel);
    }
    return [...found];
  }
}

function realPath(path: string): string | undefined {
  try {
    return Deno.realPathSync(path);
  } catch {
    return undefined;
  }
}

function watchError(root: string, err: unknown): DoraError {
  if (err instanceof Deno.errors.NotFound) {
    return new DoraError(`Cannot watch '${root}' for changes: no such folder`);
  }
  const message = errorMessage(err);
  const details = /limit|ENOSPC|no space left/i.test(message)
    ? [
      "The system's inotify limit is reached; raise it, e.g.:",
      "  sudo sysctl fs.inotify.max_user_watches=524288",
    ]
    : [];
  return new DoraError(`Cannot watch '${root}' for changes: ${message}`, details);
}
