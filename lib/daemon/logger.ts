/**
 * The daemon's own log: to stderr under `dora daemon` (systemd's journal takes it), to
 * `~/.dora/daemon.log` when started by `dora up`. Writing must never take the daemon down.
 */

/** A line-oriented logger. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const encoder = new TextEncoder();

/** A logger that appends timestamped lines to `file`, or to stderr when `file` is undefined. */
export function createLogger(file?: string): Logger {
  let sink: { writeSync(p: Uint8Array): number } = Deno.stderr;
  if (file) {
    try {
      sink = Deno.openSync(file, { append: true, create: true, mode: 0o600 });
    } catch {
      sink = Deno.stderr;
    }
  }
  const write = (level: string, message: string) => {
    try {
      sink.writeSync(encoder.encode(`${new Date().toISOString()} ${level} ${message}\n`));
    } catch {
      // a full disk must not stop the daemon; the line is lost
    }
  };
  return {
    info: (m) => write("INFO", m),
    warn: (m) => write("WARN", m),
    error: (m) => write("ERROR", m),
  };
}
