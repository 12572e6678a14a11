/**
 * Where the CLI finds the daemon, in this order: `--port`, `DORA_COORDINATOR_ADDR`
 * (`host:port`, `host`, or the `http://host:port` that `dora up` prints), `DORA_DAEMON_PORT`, the
 * daemon this `~/.dora` runs (`daemon.json`), then port 53290. A malformed value is a usage error.
 */
import { DEFAULT_PORT, doraHome, envDaemonPort, portNumber } from "../config.ts";
import { UsageError } from "../errors.ts";

/** Where a command looks for the daemon, and why there. */
export interface Target {
  /** What to connect to (`localhost` is given as 127.0.0.1: the daemon listens there only). */
  host: string;
  port: number;
  /** Which setting chose it (for messages). */
  source: "--port" | "DORA_COORDINATOR_ADDR" | "DORA_DAEMON_PORT" | "daemon.json" | "default";
  /** Whether the host is this machine's loopback, where `up`/`start` may start a daemon. */
  local: boolean;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * Parses `DORA_COORDINATOR_ADDR`: `host:port`, `host`, `http://host:port[/]`, `[::1]:port`.
 * Throws `UsageError` when it is none of these.
 */
export function parseCoordinatorAddr(text: string): { host: string; port?: number } {
  const bad = (why: string) =>
    new UsageError(`Invalid DORA_COORDINATOR_ADDR '${text}': ${why}`, [
      "Expected host:port, host, or http://host:port (e.g. localhost:53290)",
    ]);
  let rest = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== "http") throw bad(`the daemon speaks plain http`);
    rest = rest.slice(scheme[0].length).replace(/\/+$/, "");
  }
  if (rest.includes("/")) throw bad("a path is not allowed");
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = `[${v6[1]}]`;
    portText = v6[2];
  } else if ((rest.match(/:/g) ?? []).length > 1) {
    throw bad("write an IPv6 address in brackets, e.g. [::1]:53290");
  } else {
    const colon = rest.lastIndexOf(":");
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    portText = colon >= 0 ? rest.slice(colon + 1) : undefined;
  }
  if (!/^(\[[0-9a-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/i.test(host)) {
    throw bad(host === "" ? "the host is missing" : `'${host}' is not a host name`);
  }
  if (portText === undefined) return { host };
  const port = portNumber(portText);
  if (port === undefined) throw bad(`'${portText}' is not a port (1-65535)`);
  return { host, port };
}

/** The port of the daemon recorded in `~/.dora/daemon.json`, when that process still runs. */
export function recordedDaemonSync(): { pid: number; port: number } | undefined {
  try {
    const info = JSON.parse(Deno.readTextFileSync(`${doraHome()}/daemon.json`));
    if (typeof info.pid !== "number" || typeof info.port !== "number") return undefined;
    Deno.statSync(`/proc/${info.pid}`);
    return { pid: info.pid, port: info.port };
  } catch {
    return undefined;
  }
}

function connectHost(host: string): string {
  return /^localhost$/i.test(host) ? "127.0.0.1" : host;
}

/**
 * Where to find (or, for `up`/`start`/`daemon`, start) the daemon. `useRecorded: false` skips
 * `daemon.json` (the daemon itself must not pick its port from an earlier run).
 */
export function daemonTarget(portFlag?: number, opts: { useRecorded?: boolean } = {}): Target {
  if (portFlag !== undefined) {
    return { host: "127.0.0.1", port: portFlag, source: "--port", local: true };
  }
  const addrText = Deno.env.get("DORA_COORDINATOR_ADDR")?.trim();
  const addr = addrText ? parseCoordinatorAddr(addrText) : undefined;
  const envPort = envDaemonPort();
  const local = addr === undefined || LOOPBACK.test(addr.host);
  const host = addr ? connectHost(addr.host) : "127.0.0.1";
  if (addr?.port !== undefined) {
    return { host, port: addr.port, source: "DORA_COORDINATOR_ADDR", local };
  }
  const source = addr ? "DORA_COORDINATOR_ADDR" : undefined;
  if (envPort !== undefined) {
    return { host, port: envPort, source: source ?? "DORA_DAEMON_PORT", local };
  }
  const recorded = local && opts.useRecorded !== false ? recordedDaemonSync() : undefined;
  if (recorded) return { host, port: recorded.port, source: source ?? "daemon.json", local };
  return { host, port: DEFAULT_PORT, source: source ?? "default", local };
}

/** `host:port` as people write it. */
export function formatTarget(target: Target): string {
  return `${target.host}:${target.port}`;
}
