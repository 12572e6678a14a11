/**
 * Structured log entries, one JSON line each on the node's stderr, in the format dora's log
 * pipeline reads (docs/protocol.md, "Logging"):
 *
 * `{"timestamp":"2024-01-15T10:30:00.123Z","level":"info","message":"...","target":null,"fields":{}}`
 */

/** dora's log levels, most severe first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
/** One of dora's log levels. */
export type LogLevel = typeof LOG_LEVELS[number];
/** Structured context of a log entry. */
export type LogFields = Record<string, string | number | boolean | null>;

const ALIASES: Record<string, LogLevel> = { warning: "warn", critical: "error", fatal: "error" };

/** The dora level a name stands for ("WARNING" → "warn"); throws for an unknown one. */
export function logLevel(level: string): LogLevel {
  const name = level.toLowerCase();
  const known = ALIASES[name] ??
    ((LOG_LEVELS as readonly string[]).includes(name) ? name as LogLevel : undefined);
  if (!known) {
    throw new RangeError(
      `log level '${level}' is not one of ${LOG_LEVELS.join(", ")} (or 'warning')`,
    );
  }
  return known;
}

/** The JSON line of one entry (without the newline). */
export function logLine(
  level: LogLevel,
  message: string,
  target?: string | null,
  fields?: LogFields,
  now: Date = new Date(),
): string {
  return JSON.stringify({
    timestamp: now.toISOString(),
    level,
    message: String(message),
    target: target ?? null,
    fields: fields ?? {},
  });
}

const encoder = new TextEncoder();

/** Writes one entry on stderr, in one write. */
export function writeLog(
  level: LogLevel,
  message: string,
  target?: string | null,
  fields?: LogFields,
): void {
  const bytes = encoder.encode(logLine(level, message, target, fields) + "\n");
  let at = 0;
  try {
    while (at < bytes.length) at += Deno.stderr.writeSync(bytes.subarray(at));
  } catch {
    // stderr is gone: nowhere left to log to
  }
}
