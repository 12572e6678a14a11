/**
 * The on-disk format of node logs: one line per output line,
 * `<ISO-8601 UTC timestamp> <stream> <text>`, stream being `stdout`, `stderr` or `dora`
 * (messages of the supervisor about the node). Readable with `cat`, parseable without a
 * JSON decoder. Lines are stored as read, without their newline.
 */

/** Which stream a log line came from. `dora` marks supervisor messages about the node. */
export type LogStream = "stdout" | "stderr" | "dora";

/** One stored log line. */
export interface LogRecord {
  /** Milliseconds since the epoch. */
  time: number;
  stream: LogStream;
  text: string;
}

/** Serialises a record to one line, newline included. */
export function formatLogRecord(record: LogRecord): string {
  return `${new Date(record.time).toISOString()} ${record.stream} ${record.text}\n`;
}

const STREAMS = new Set(["stdout", "stderr", "dora"]);

/** Parses a stored line (without its newline); undefined when it is not in the format. */
export function parseLogRecord(line: string): LogRecord | undefined {
  const first = line.indexOf(" ");
  if (first < 0) return undefined;
  const second = line.indexOf(" ", first + 1);
  const stream = line.slice(first + 1, second < 0 ? undefined : second);
  if (!STREAMS.has(stream)) return undefined;
  const time = Date.parse(line.slice(0, first));
  if (Number.isNaN(time)) return undefined;
  return { time, stream: stream as LogStream, text: second < 0 ? "" : line.slice(second + 1) };
}

/** The log file of `node` inside a dataflow's log folder. Node ids are safe file names. */
export function nodeLogFile(dataflowLogDir: string, node: string): string {
  return `${dataflowLogDir}/${node}.log`;
}
