/**
 * Every path, port, timer and limit the program uses, each with its environment override.
 * Tests shrink timers through these variables instead of sleeping.
 */

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

/** The daemon port: `--port`, else `DORA_DAEMON_PORT`, else 53290. */
export function daemonPort(flag?: number): number {
  if (flag !== undefined) return flag;
  const fromEnv = envNumber("DORA_DAEMON_PORT", DEFAULT_PORT);
  return Number.isInteger(fromEnv) && fromEnv > 0 && fromEnv < 65536 ? fromEnv : DEFAULT_PORT;
}

/** Where the CLI looks for the daemon: `DORA_COORDINATOR_ADDR` (host:port), else localhost. */
export function daemonAddress(portFlag?: number): { host: string; port: number } {
  const addr = Deno.env.get("DORA_COORDINATOR_ADDR");
  if (portFlag === undefined && addr) {
    const match = /^(.*):(\d+)$/.exec(addr.trim());
    if (match) return { host: match[1] || "127.0.0.1", port: Number(match[2]) };
  }
  return { host: "127.0.0.1", port: daemonPort(portFlag) };
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
