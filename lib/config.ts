/**
 * Every path, port, timer and limit the program uses, each with its environment override.
 * Tests shrink timers through these variables instead of sleeping.
 *
 * `settings` reads leniently (a malformed value falls back to the default): it is what the
 * daemon uses for its own environment. `callerSettings` reads what a person set in the shell of
 * a command strictly: unset is `undefined`, a malformed value is a `UsageError`.
 */
import { UsageError } from "./errors.ts";

/** The version printed by `--version` and exchanged between CLI and daemon. */
export const VERSION = "0.1.0";

/** The default control port of the daemon (dora's). */
export const DEFAULT_PORT = 53290;

function envNumber(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

function envBool(name: string): boolean | undefined {
  const raw = Deno.env.get(name)?.trim().toLowerCase();
  if (raw === undefined || raw === "") return undefined;
  return ["1", "true", "yes", "on"].includes(raw);
}

/** `$DORA_HOME`, else `$HOME/.dora`. */
export function doraHome(): string {
  const explicit = Deno.env.get("DORA_HOME");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME") ?? "/tmp";
  return `${home}/.dora`;
}

/** Where per-dataflow log folders live. */
export function logsRoot(): string {
  return `${doraHome()}/logs`;
}

/** Where data-plane sockets and other private runtime files live (mode 700). */
export function runDir(): string {
  return `${doraHome()}/run`;
}

/**
 * Creates `~/.dora` (mode 700) and the given sub-folders. Tightens the mode of an existing
 * `~/.dora` that is more open than 700.
 */
export async function ensureDoraHome(...subdirs: string[]): Promise<string> {
  const home = doraHome();
  await Deno.mkdir(home, { recursive: true, mode: 0o700 });
  const info = await Deno.stat(home);
  if (info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(home, 0o700);
  for (const sub of subdirs) await Deno.mkdir(`${home}/${sub}`, { recursive: true, mode: 0o700 });
  return home;
}

/** A port number from text, or undefined when it is not one (1-65535). */
export function portNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * `DORA_DAEMON_PORT`, or undefined when unset. Throws `UsageError` when it is not a port.
 */
export function envDaemonPort(): number | undefined {
  const raw = Deno.env.get("DORA_DAEMON_PORT")?.trim();
  if (!raw) return undefined;
  const port = portNumber(raw);
  if (port === undefined) {
    throw new UsageError(`Invalid DORA_DAEMON_PORT '${raw}': expected a number from 1 to 65535`);
  }
  return port;
}

/** The daemon port: `--port`, else `DORA_DAEMON_PORT`, else 53290. */
export function daemonPort(flag?: number): number {
  return flag ?? envDaemonPort() ?? DEFAULT_PORT;
}

const TRUE_WORDS = ["1", "true", "yes", "on"];
const FALSE_WORDS = ["0", "false", "no", "off"];

/** A boolean setting from text; throws `UsageError` naming `name` when it is not one. */
export function parseBoolSetting(name: string, raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new UsageError(`Invalid ${name} '${raw}': expected true or false`);
}

/**
 * A duration setting in milliseconds: a bare number is seconds (`30`), units `ms`, `s`, `m`,
 * `h` are accepted (`500ms`, `2m`). Throws `UsageError` naming `name` otherwise.
 */
export function parseSecondsSetting(name: string, raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(raw);
  if (!match) {
    throw new UsageError(`Invalid ${name} '${raw}': expected seconds, e.g. 30 (or 500ms, 2m)`);
  }
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? "s"]!;
  return Number(match[1]) * factor;
}

function callerValue(name: string): string | undefined {
  const raw = Deno.env.get(name);
  return raw === undefined || raw.trim() === "" ? undefined : raw;
}

/**
 * The settings a person gives in the shell of one command (`DORA_STOP_TIMEOUT=30 dora stop x`):
 * they apply to that request, and win over the daemon's environment. `undefined` when unset;
 * a malformed value throws `UsageError` (exit 2).
 */
export const callerSettings = {
  /** `DORA_STOP_TIMEOUT` (seconds) in ms. */
  stopTimeoutMs(): number | undefined {
    const raw = callerValue("DORA_STOP_TIMEOUT");
    return raw === undefined ? undefined : parseSecondsSetting("DORA_STOP_TIMEOUT", raw);
  },
  /** `DORA_FORCE_STOP`. */
  forceStop(): boolean | undefined {
    const raw = callerValue("DORA_FORCE_STOP");
    return raw === undefined ? undefined : parseBoolSetting("DORA_FORCE_STOP", raw);
  },
  /** `DORA_CONFIRM_STOP`. */
  confirmStop(): boolean | undefined {
    const raw = callerValue("DORA_CONFIRM_STOP");
    return raw === undefined ? undefined : parseBoolSetting("DORA_CONFIRM_STOP", raw);
  },
  /** `DORA_HOT_RELOAD`. */
  hotReload(): boolean | undefined {
    const raw = callerValue("DORA_HOT_RELOAD");
    return raw === undefined ? undefined : parseBoolSetting("DORA_HOT_RELOAD", raw);
  },
  /** `DORA_RESTART_POLICY`, unchecked (the restart module parses it). */
  restartPolicy(): string | undefined {
    return callerValue("DORA_RESTART_POLICY")?.trim();
  },
};

/** Verbosity of the daemon's own log, most severe first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
/** One of `LOG_LEVELS`. */
export type LogLevel = typeof LOG_LEVELS[number];

function logLevelWord(name: string, raw: string): LogLevel {
  const word = raw.trim().toLowerCase();
  const level = word === "warning" ? "warn" : word === "off" ? "error" : word;
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new UsageError(
    `Invalid ${name} '${raw}': expected one of error, warn, info, debug, trace`,
  );
}

/**
 * The daemon log's verbosity: `DORA_LOG_LEVEL`, else `RUST_LOG` (as dora users set it: a bare
 * level, or `dora=level` among other targets' directives, which are ignored), else `info`.
 * Throws `UsageError` for a level that is not one.
 */
export function daemonLogLevel(): LogLevel {
  const own = Deno.env.get("DORA_LOG_LEVEL")?.trim();
  if (own) return logLevelWord("DORA_LOG_LEVEL", own);
  const rust = Deno.env.get("RUST_LOG")?.trim();
  if (!rust) return "info";
  let level: LogLevel | undefined;
  let ours: LogLevel | undefined;
  for (const directive of rust.split(",").map((d) => d.trim()).filter(Boolean)) {
    const eq = directive.indexOf("=");
    if (eq < 0) {
      // A bare word is a level, or a target name meaning "trace for it" (not ours: ignored).
      if (/^[a-z]+$/i.test(directive) && !/^dora/i.test(directive)) {
        try {
          level = logLevelWord("RUST_LOG", directive);
        } catch {
          // a target of another program
        }
      } else if (/^dora(\b|_|$)/i.test(directive)) ours = "trace";
      continue;
    }
    const target = directive.slice(0, eq).trim();
    if (/^dora(\b|_|::|$)/i.test(target)) ours = logLevelWord("RUST_LOG", directive.slice(eq + 1));
  }
  if (ours === undefined && level === undefined && /^[a-z]+$/i.test(rust)) {
    return logLevelWord("RUST_LOG", rust);
  }
  return ours ?? level ?? "info";
}

/** Timers and limits, read when called so tests can set them per process. */
export const settings = {
  /** Grace period between the polite stop and SIGKILL, in ms (`DORA_STOP_TIMEOUT`, seconds). */
  stopTimeoutMs: () => envNumber("DORA_STOP_TIMEOUT", 10) * 1000,
  /** `DORA_FORCE_STOP=true` makes every stop a kill. */
  forceStop: () => envBool("DORA_FORCE_STOP") ?? false,
  /** `DORA_CONFIRM_STOP=true` asks before stopping, on a TTY. */
  confirmStop: () => envBool("DORA_CONFIRM_STOP") ?? false,
  /** How long nodes have to connect to the data plane (`DORA_STARTUP_TIMEOUT`, seconds). */
  startupTimeoutMs: () => envNumber("DORA_STARTUP_TIMEOUT", 30) * 1000,
  /**
   * After a polite stop, a node still running this long is reported as not responding (the
   * kill still waits for the grace period), ms (`DORA_STOP_WARN_MS`; at most half the grace).
   */
  stopWarnMs: () => envNumber("DORA_STOP_WARN_MS", 1000),
  /**
   * `start` (and a hot reload) watches new nodes this long and reports those that die at once,
   * ms (`DORA_START_CHECK_MS`).
   */
  startCheckMs: () => envNumber("DORA_START_CHECK_MS", 1000),
  /** How long `up` waits for a new daemon to answer (`DORA_UP_TIMEOUT`, seconds). */
  upTimeoutMs: () => envNumber("DORA_UP_TIMEOUT", 15) * 1000,
  /** Log files rotate past this size (`DORA_LOG_MAX_BYTES`). */
  logMaxBytes: () => envNumber("DORA_LOG_MAX_BYTES", 10 * 1024 * 1024),
  /** Rotated log files kept per node (`DORA_LOG_KEEP`). */
  logKeep: () => Math.max(1, Math.floor(envNumber("DORA_LOG_KEEP", 5))),
  /** Finished dataflows kept in the registry (`DORA_HISTORY`). */
  historyKeep: () => Math.max(0, Math.floor(envNumber("DORA_HISTORY", 50))),
  /** Default restart policy for every node (`DORA_RESTART_POLICY`). */
  restartPolicy: () => Deno.env.get("DORA_RESTART_POLICY")?.trim() || undefined,
  /** `DORA_HOT_RELOAD=true` turns on hot reload for `start` and `run`. */
  hotReload: () => envBool("DORA_HOT_RELOAD") ?? false,
  /** Trailing debounce of file events, ms (`DORA_RELOAD_DEBOUNCE_MS`). */
  reloadDebounceMs: () => envNumber("DORA_RELOAD_DEBOUNCE_MS", 300),
  /** First restart delay, ms (`DORA_RESTART_DELAY_MS`). */
  restartDelayMs: () => envNumber("DORA_RESTART_DELAY_MS", 500),
  /** Restart delay cap, ms (`DORA_RESTART_MAX_DELAY_MS`). */
  restartMaxDelayMs: () => envNumber("DORA_RESTART_MAX_DELAY_MS", 30_000),
  /** A node running this long is stable and its backoff resets, ms (`DORA_RESTART_STABLE_MS`). */
  restartStableMs: () => envNumber("DORA_RESTART_STABLE_MS", 10_000),
  /** Crash-loop guard: this many failures... (`DORA_RESTART_MAX_FAILURES`) */
  restartMaxFailures: () => Math.max(1, Math.floor(envNumber("DORA_RESTART_MAX_FAILURES", 5))),
  /** ... within this window make the node Failed, ms (`DORA_RESTART_WINDOW_MS`). */
  restartWindowMs: () => envNumber("DORA_RESTART_WINDOW_MS", 60_000),
  /** Force a resource-limit strategy: v2, v1, systemd, none or auto (`DORA_CGROUP`). */
  cgroup: () => Deno.env.get("DORA_CGROUP")?.trim() || undefined,
  /** `dora build` stops digesting a folder past this many files (`DORA_BUILD_SCAN_LIMIT`). */
  buildScanLimit: () => Math.max(1, Math.floor(envNumber("DORA_BUILD_SCAN_LIMIT", 20000))),
  /** Payload size (bytes) from which messages go through shared memory, or `off` (`DORA_SHM_THRESHOLD`). */
  shmThreshold: () => (Deno.env.get("DORA_SHM_THRESHOLD") ?? "").trim().toLowerCase(),
  /** Parent folder of the private shared-memory folder (`DORA_SHM_DIR`). */
  shmDir: () => Deno.env.get("DORA_SHM_DIR") || "/dev/shm",
  /** How long a link printed by `dora dashboard` can be used, ms (`DORA_DASHBOARD_LINK_TTL`, seconds). */
  dashboardLinkTtlMs: () => envNumber("DORA_DASHBOARD_LINK_TTL", 300) * 1000,
  /** How often an open dashboard page gets fresh data, ms (`DORA_DASHBOARD_INTERVAL_MS`). */
  dashboardIntervalMs: () => Math.max(100, envNumber("DORA_DASHBOARD_INTERVAL_MS", 1000)),
  /** `DORA_DEBUG=1` shows stack traces. */
  debug: () => envBool("DORA_DEBUG") ?? false,
};
