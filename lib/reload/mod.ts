/**
 * Hot reload's file side: which files matter (patterns.ts), when to act on them (batcher.ts)
 * and the folder watcher that ties both to `Deno.watchFs` (watcher.ts). Deciding which nodes to
 * restart from the changed files is the caller's job.
 */
export { ReloadWatcher } from "./watcher.ts";
export type { ReloadWatcherOptions } from "./watcher.ts";
export {
  BUILTIN_IGNORES,
  compilePatterns,
  DEFAULT_WATCH_PATTERNS,
  makeIgnoreMatcher,
  makeReloadFilter,
  parsePatternList,
} from "./patterns.ts";
export type { FilterOptions, PathMatcher } from "./patterns.ts";
export { ChangeBatcher, systemClock } from "./batcher.ts";
export type { BatcherOptions, Clock } from "./batcher.ts";
