/**
 * The daemon's own log: to stderr under `dora daemon` (systemd's journal takes it), to
 * `~/.dora/daemon.log` when started by `dora up`. Lines below the level (`DORA_LOG_LEVEL`, else
 * `RUST_LOG`, default `info`; see `daemonLogLevel`) are not written. Writing must never take the
 * daemon down.
 */
import { LOG_LEVELS, type LogLevel } from "../config.ts";

/** A line-oriented logger. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Requests and other detail, written only at level `debug` or `trace`. */
  debug(message: string): void;
}

const encoder = new TextEncoder();

/** A logger that appends timestamped lines to `file`, or to stderr when `file` is undefined. */
export function createLogger(file?: string, level: LogLevel = "info"): Logger {
  let sink: { writeSync(p: Uint8Array): number } = Deno.stderr;
  if (file) {
    try {
      sink = Deno.openSync(file, { append: true, create: true, mode: 0o600 });
    } catch {
      sink = Deno.stderr;
    }
  }
  const limit = LOG_LEVELS.indexOf(level);
  const write = (lineLevel: LogLevel, message: string) => {
    if (LOG_LEVELS.indexOf(lineLevel) > limit) return;
    try {
      sink.writeSync(
        encoder.encode(`${new Date().toISOString()} ${lineLevel.toUpperCase()} ${message}\n`),
      );
    } catch {
      // a full disk must not stop the daemon; the line is lost
    }
  };
  return {
    info: (m) => write("info", m),
    warn: (m) => write("warn", m),
    error: (m) => write("error", m),
    debug: (m) => write("debug", m),
  };
}
