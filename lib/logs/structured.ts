/**
 * Structured log lines as dora parses them: a node line that is one JSON object with a `level`
 * and a `message` (or, as Rust's `tracing` JSON writes it, `fields.message`), optionally
 * `timestamp` (RFC 3339), `target` and `fields`. Anything else is a plain line. Also the JSON
 * `LogMessage` dora sends for `send_logs_as` and `dora/logs`. Pure.
 */
import { type LogLevel, parseLogLevel } from "./levels.ts";

/** Longest line parsed as JSON (dora's limit); longer ones stay plain. */
export const MAX_STRUCTURED_BYTES = 64 * 1024;

/** What a structured line says. */
export interface StructuredLine {
  level: Exclude<LogLevel, "stdout">;
  message: string;
  /** Milliseconds since the epoch, when the line carried a valid timestamp. */
  time?: number;
  target?: string;
  fields?: Record<string, unknown>;
}

/** The structured record in `line`, or undefined for a plain line. */
export function parseStructured(line: string): StructuredLine | undefined {
  const text = line.trim();
  if (text.length < 2 || text[0] !== "{" || text[text.length - 1] !== "}") return undefined;
  if (text.length > MAX_STRUCTURED_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const obj = value as Record<string, unknown>;
  const level = typeof obj.level === "string" ? parseLogLevel(obj.level) : undefined;
  if (!level || level === "stdout") return undefined;
  let fields = isObject(obj.fields) ? { ...obj.fields } : undefined;
  let message: unknown = obj.message;
  if (message === undefined && fields && "message" in fields) {
    message = fields.message;
    delete fields.message;
  }
  if (message === undefined) return undefined;
  const out: StructuredLine = {
    level,
    message: typeof message === "string" ? message : JSON.stringify(message),
  };
  if (typeof obj.timestamp === "string") {
    const time = Date.parse(obj.timestamp);
    if (!Number.isNaN(time)) out.time = time;
  }
  if (typeof obj.target === "string" && obj.target !== "") out.target = obj.target;
  if (fields && Object.keys(fields).length === 0) fields = undefined;
  if (fields) out.fields = fields;
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** A record as dora's `LogMessage` JSON (what `send_logs_as` and `dora/logs` deliver). */
export interface LogMessage {
  timestamp: string;
  level: LogLevel;
  dataflow_id: string;
  node_id: string;
  message: string;
  target: string | null;
  fields: Record<string, unknown> | null;
}

/** The `LogMessage` of one record. */
export function logMessage(
  dataflowId: string,
  nodeId: string,
  record: { time: number; level?: LogLevel; text: string; target?: string; fields?: object },
): LogMessage {
  return {
    timestamp: new Date(record.time).toISOString(),
    level: record.level ?? "stdout",
    dataflow_id: dataflowId,
    node_id: nodeId,
    message: record.text,
    target: record.target ?? null,
    fields: (record.fields as Record<string, unknown> | undefined) ?? null,
  };
}
