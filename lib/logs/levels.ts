/**
 * dora's log levels and its filter rule. From the most verbose: `stdout` (every plain output
 * line), `trace`, `debug`, `info`, `warn`, `error`. A filter at `stdout` lets everything
 * through; any other filter lets through records of that level or above, and never plain lines.
 * Pure.
 */

/** A record's level; `stdout` marks a plain (unstructured) line. */
export type LogLevel = "stdout" | "trace" | "debug" | "info" | "warn" | "error";

/** Every level, most verbose first. */
export const LOG_LEVELS: readonly LogLevel[] = [
  "stdout",
  "trace",
  "debug",
  "info",
  "warn",
  "error",
];

const RANK: Record<LogLevel, number> = {
  stdout: 0,
  trace: 1,
  debug: 2,
  info: 3,
  warn: 4,
  error: 5,
};

/** A level name as dora reads it (any case, `warning` = `warn`), or undefined. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === "warning") return "warn";
  return (LOG_LEVELS as readonly string[]).includes(lower) ? lower as LogLevel : undefined;
}

/** Whether a record at `level` passes a filter at `min` (dora's `passes`). */
export function passesLevel(level: LogLevel, min: LogLevel): boolean {
  if (min === "stdout") return true;
  if (level === "stdout") return false;
  return RANK[level] >= RANK[min];
}
