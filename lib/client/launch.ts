/**
 * Bringing the daemon up in the background (for `dora up` and for `dora start`, which starts it
 * when none runs). The daemon is this same program (`dora daemon`), launched detached through
 * the relaunch helper so it works under `deno run` and compiled alike.
 */
import { callerSettings, daemonLogLevel, doraHome, ensureDoraHome, settings } from "../config.ts";
import { DoraError } from "../errors.ts";
import { readToken } from "../api/token.ts";
import type { StatusResponse } from "../api/types.ts";
import { selfCommand } from "../relaunch.ts";
import { parseRestartPolicy } from "../restart/mod.ts";
import { daemonTarget, formatTarget, recordedDaemonSync, type Target } from "./address.ts";
import { probe } from "./client.ts";

/** The seed's "port in use" error. */
export function portInUse(port: number): DoraError {
  return new DoraError(`Port ${port} already in use`, [
    "Solution:",
    "  1. Check existing daemon: dora list",
    "  2. Stop old daemon: dora destroy",
    `  3. Or specify different port: dora up --port ${port === 65535 ? port - 1 : port + 1}`,
  ]);
}

/** The outcome of `ensureDaemon`. */
export interface Launch {
  status: StatusResponse;
  /** False when a daemon was already running. */
  started: boolean;
  target: Target;
}

function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

async function logTail(file: string, lines: number): Promise<string[]> {
  try {
    const text = await Deno.readTextFile(file);
    return text.trimEnd().split("\n").slice(-lines);
  } catch {
    return [];
  }
}

/** The daemon recorded in `~/.dora/daemon.json`, if that process still runs. */
export function recordedDaemon(): Promise<{ pid: number; port: number } | undefined> {
  return Promise.resolve(recordedDaemonSync());
}

/**
 * Checks the settings a new daemon will read from this environment (it inherits it): a
 * malformed one is a usage error here rather than a silent default there.
 */
export function checkDaemonSettings(): void {
  callerSettings.stopTimeoutMs();
  callerSettings.forceStop();
  callerSettings.hotReload();
  const policy = callerSettings.restartPolicy();
  if (policy !== undefined) parseRestartPolicy(policy, "DORA_RESTART_POLICY");
  daemonLogLevel();
}

/**
 * One daemon per DORA_HOME: two would share (and overwrite) one registry. Throws when this
 * home's daemon answers on another port.
 */
export async function refuseSecondDaemon(port: number): Promise<void> {
  const other = await recordedDaemon();
  if (!other || other.port === port) return;
  const seen = await probe("127.0.0.1", other.port, await readToken());
  if (seen.kind !== "ours") return;
  throw new DoraError(
    `A dora daemon for ${doraHome()} already runs on port ${other.port} (pid ${other.pid})`,
    [
      `Use it: DORA_DAEMON_PORT=${other.port} dora <command>, or --port ${other.port}`,
      `Or stop it first: dora destroy --port ${other.port}`,
    ],
  );
}

/**
 * Returns the running daemon (see `daemonTarget`), or starts one and waits until it answers.
 * Throws the seed's "Port N already in use" at once when something else holds the port.
 */
export async function ensureDaemon(portFlag?: number): Promise<Launch> {
  const target = daemonTarget(portFlag);
  const port = target.port;
  await ensureDoraHome();
  const token = await readToken();
  if (!target.local) {
    const found = await probe(target.host, port, token);
    if (found.kind === "ours") return { status: found.status, started: false, target };
    throw new DoraError("Failed to connect to daemon", [
      "Solution: Run 'dora up' to start daemon",
      `(no daemon answers at ${formatTarget(target)}, from DORA_COORDINATOR_ADDR; ` +
      "dora starts daemons on this machine only)",
    ]);
  }
  if (!portIsFree(port)) {
    // Our daemon answers at once; a port held by anything else is reported without waiting.
    const ours = recordedDaemonSync()?.port === port;
    const found = await probe("127.0.0.1", port, token, ours ? 3000 : 500);
    if (found.kind === "ours") return { status: found.status, started: false, target };
    await refuseSecondDaemon(port);
    throw portInUse(port);
  }
  await refuseSecondDaemon(port);
  checkDaemonSettings();

  const logFile = `${doraHome()}/daemon.log`;
  const { command, args } = selfCommand(["daemon", "--port", String(port), "--log-file", logFile]);
  const child = new Deno.Command(command, {
    args,
    detached: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
  }).spawn();
  let exited: Deno.CommandStatus | undefined;
  child.status.then((status) => exited = status);
  child.unref();

  const deadline = Date.now() + settings.upTimeoutMs();
  while (Date.now() < deadline) {
    const seen = await probe("127.0.0.1", port, await readToken());
    if (seen.kind === "ours") return { status: seen.status, started: true, target };
    if (exited) {
      const tail = await logTail(logFile, 5);
      if (tail.some((line) => /already in use/i.test(line))) throw portInUse(port);
      throw new DoraError(`The daemon exited while starting (code ${exited.code})`, [
        ...tail.map((line) => `  ${line}`),
        `See ${logFile}`,
      ]);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new DoraError(`The daemon did not answer within ${settings.upTimeoutMs() / 1000}s`, [
    `See ${logFile}`,
  ]);
}
