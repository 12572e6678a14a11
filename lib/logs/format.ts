/**
 * The on-disk format of node logs, one line per record, readable with `cat`:
 *
 *   <ISO-8601 UTC timestamp> <stream> <text>                 a plain output line, as read
 *   <ISO-8601 UTC timestamp> <level> <message>[\t<extras>]   a structured log record
 *
 * `stream` is `stdout`, `stderr` or `dora` (messages of the supervisor about the node); `level`
 * is `error`, `warn`, `info`, `debug` or `trace`. A record's message has `\`, newline, CR and
 * tab escaped (`\\`, `\n`, `\r`, `\t`) so it stays on one line; `extras` is a JSON object with
 * the record's `target` and `fields` when it has them, and `stream` when it came from stdout
 * (stderr otherwise). Plain lines are stored exactly as before levels existed, so older files
 * read the same.
 */
import type { LogLevel } from "./levels.ts";

/** Which stream a log line came from. `dora` marks supervisor messages about the node. */
export type LogStream = "stdout" | "stderr" | "dora";

/** One stored log line. */
export interface LogRecord {
  /** Milliseconds since the epoch. */
  time: number;
  stream: LogStream;
  /** The line as read, or a structured record's message. */
  text: string;
  /** A structured record's level; absent on plain lines (their level is `stdout`). */
  level?: Exclude<LogLevel, "stdout">;
  target?: string;
  fields?: Record<string, unknown>;
}

/** The level filters compare: `stdout` for plain lines. Supervisor lines count as `info`. */
export function recordLevel(record: LogRecord): LogLevel {
  if (record.level) return record.level;
  return record.stream === "dora" ? "info" : "stdout";
}

/** Serialises a record to one line, newline included. */
export function formatLogRecord(record: LogRecord): string {
  const time = new Date(record.time).toISOString();
  if (!record.level) return `${time} ${record.stream} ${record.text}\n`;
  const extras: Record<string, unknown> = {};
  if (record.stream !== "stderr") extras.stream = record.stream;
  if (record.target !== undefined) extras.target = record.target;
  if (record.fields !== undefined) extras.fields = record.fields;
  const tail = Object.keys(extras).length > 0 ? `\t${JSON.stringify(extras)}` : "";
  return `${time} ${record.level} ${escapeText(record.text)}${tail}\n`;
}

const STREAMS = new Set(["stdout", "stderr", "dora"]);
const LEVELS = new Set(["error", "warn", "info", "debug", "trace"]);

/** Parses a stored line (without its newline); undefined when it is not in the format. */
export function parseLogRecord(line: string): LogRecord | undefined {
  const first = line.indexOf(" ");
  if (first < 0) return undefined;
  const second = line.indexOf(" ", first + 1);
  const token = line.slice(first + 1, second < 0 ? undefined : second);
  const isStream = STREAMS.has(token);
  if (!isStream && !LEVELS.has(token)) return undefined;
  const time = Date.parse(line.slice(0, first));
  if (Number.isNaN(time)) return undefined;
  const rest = second < 0 ? "" : line.slice(second + 1);
  if (isStream) return { time, stream: token as LogStream, text: rest };
  const tab = rest.indexOf("\t");
  const record: LogRecord = {
    time,
    stream: "stderr",
    text: unescapeText(tab < 0 ? rest : rest.slice(0, tab)),
    level: token as LogRecord["level"],
  };
  if (tab >= 0) {
    try {
      const extras = JSON.parse(rest.slice(tab + 1)) as Record<string, unknown>;
      if (extras.stream === "stdout") record.stream = "stdout";
      if (typeof extras.target === "string") record.target = extras.target;
      if (extras.fields && typeof extras.fields === "object") {
        record.fields = extras.fields as Record<string, unknown>;
      }
    } catch {
      // a damaged tail: keep the message
    }
  }
  return record;
}

function escapeText(text: string): string {
  return text.replace(
    /[\\\n\r\t]/g,
    (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!,
  );
}

function unescapeText(text: string): string {
  return text.replace(
    /\\([\\nrt])/g,
    (_, c: string) => ({ "\\": "\\", n: "\n", r: "\r", t: "\t" })[c]!,
  );
}

/** The log file of `node` inside a dataflow's log folder. Node ids are safe file names. */
export function nodeLogFile(dataflowLogDir: string, node: string): string {
  return `${dataflowLogDir}/${node}.log`;
}

/** `key=value` pairs of a record's fields (strings bare, other values as JSON). */
export function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return "";
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

const LEVEL_COLORS: Record<string, number> = { error: 31, warn: 33, info: 32, debug: 34, trace: 2 };

/**
 * How a record reads on a terminal after the node prefix: plain lines as they are, supervisor
 * lines as `[dora] text`, structured records as `INFO  message key=value`.
 */
export function displayText(record: LogRecord, color: boolean): string {
  if (record.stream === "dora" && !record.level) return `[dora] ${record.text}`;
  if (!record.level) return record.text;
  const name = record.level.toUpperCase().padEnd(5);
  const level = color ? `\x1b[${LEVEL_COLORS[record.level]}m${name}\x1b[0m` : name;
  const fields = formatFields(record.fields);
  return `${level} ${record.text}${fields ? ` ${fields}` : ""}`;
}
