/**
 * Readers for dora 1.0's per-node settings: restarts, health checks, logs, CPU affinity, type
 * annotations, output metadata and the keys that are accepted without effect. Each reports its
 * problems through `Ctx` and fills the draft. What the schema table says about a key (not
 * supported, no effect here) is applied by `applySchema`. Pure.
 */
import { isScalar, isSeq } from "../../deps/yaml.ts";
import { parseLogLevel } from "../logs/levels.ts";
import { parseSize } from "../output/format.ts";
import { type Ctx, describe, type Field, isEmpty, scalarText } from "./_yaml.ts";
import { keyInfo, noEffectMessage, type Place, unsupportedMessage } from "./schema.ts";
import { didYouMean } from "./suggest.ts";
import type { LogLevel, LogSettings, Position, RestartSettings } from "./types.ts";

/** Most rotated log files a node may keep (dora's range is 1-100). */
const MAX_ROTATED = 100;
/** `cpu_affinity` cores must be below this (`CPU_SETSIZE`). */
export const CPU_SETSIZE = 1024;
const PATTERNS = ["service-server", "service-client", "action-server", "action-client"];
const FRAMINGS = ["raw", "arrow-ipc"];

/** A string value with where it was written. */
export interface Located<T = string> {
  value: T;
  at: Position;
}

/** dora's node settings, as read (checked against outputs and inputs by the graph checker). */
export interface SettingsDraft {
  restart?: RestartSettings;
  healthCheckTimeoutMs?: number;
  finishGraceMs?: number;
  logs?: LogSettings;
  sendLogsAs?: Located;
  cpuAffinity?: number[];
  outputTypes?: Map<string, Located>;
  inputTypes?: Map<string, Located>;
  /** Output ids named by `output_metadata` and `output_framing`, to check they exist. */
  outputKeys: (Located & { where: string })[];
  pathSha256?: Located;
}

/**
 * Reports the keys of `fields` the table calls unsupported (a problem) or without effect (a
 * note). `elsewhere` keys are left to their readers.
 */
export function applySchema(ctx: Ctx, fields: Map<string, Field>, place: Place): void {
  for (const field of fields.values()) {
    const info = keyInfo(place, field.key);
    if (info?.status === "unsupported") ctx.report(field.keyNode, unsupportedMessage(info));
    else if (info?.status === "no-effect") ctx.note(field.keyNode, noEffectMessage(info));
  }
}

/** Seconds (a positive number) as milliseconds; `allowZero` for delays. */
export function readSeconds(ctx: Ctx, field: Field, allowZero = false): number | undefined {
  const { value } = field;
  if (!isScalar(value) || typeof value.value !== "number" || !Number.isFinite(value.value)) {
    const shown = isScalar(value) && !isEmpty(value) ? ` '${scalarText(value)}'` : "";
    ctx.report(
      ctx.valuePos(field),
      `'${field.key}' must be a number of seconds (e.g. 1.5), found ${describe(value)}${shown}`,
    );
    return undefined;
  }
  const n = value.value;
  if (n < 0 || (!allowZero && n === 0)) {
    ctx.report(
      ctx.valuePos(field),
      `'${field.key}' must be ${allowZero ? "zero or more" : "more than zero"} seconds, found ${n}`,
    );
    return undefined;
  }
  return n * 1000;
}

/** A whole number from `min` to `max`. */
function readCount(ctx: Ctx, field: Field, min: number, max = Infinity): number | undefined {
  const n = ctx.number(field);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `${min} or more` : `from ${min} to ${max}`;
    ctx.report(ctx.valuePos(field), `'${field.key}' must be a whole number ${range}, found ${n}`);
    return undefined;
  }
  return n;
}

/** A log level name (`min_log_level`). */
export function readLogLevel(ctx: Ctx, field: Field): LogLevel | undefined {
  const text = ctx.string(field);
  if (text === undefined) return undefined;
  const level = parseLogLevel(text);
  if (level) return level;
  ctx.report(
    ctx.valuePos(field),
    `invalid ${field.key} '${text}': expected stdout, trace, debug, info, warn or error` +
      didYouMean(text, ["stdout", "trace", "debug", "info", "warn", "error"]),
  );
  return undefined;
}

/** `max_log_size`: `50MB`, `1G`, or a number of bytes. */
function readByteSize(ctx: Ctx, field: Field): number | undefined {
  const { value } = field;
  const bytes = isScalar(value) && typeof value.value === "number"
    ? value.value
    : isScalar(value) && typeof value.value === "string"
    ? parseSize(value.value)
    : undefined;
  if (bytes !== undefined && Number.isFinite(bytes) && bytes >= 1) return Math.round(bytes);
  const shown = isScalar(value) && !isEmpty(value) ? `'${scalarText(value)}'` : describe(value);
  ctx.report(
    ctx.valuePos(field),
    `invalid ${field.key} ${shown}: expected a size like "50MB" or "1GB", or a number of bytes`,
  );
  return undefined;
}

/** A mapping of ids to strings (`output_types`, `input_types`), keys with positions. */
function readStringMap(ctx: Ctx, field: Field): Map<string, Located> | undefined {
  if (isEmpty(field.value)) return new Map();
  const map = ctx.map(field, `'${field.key}'`, "a mapping of ids to type names");
  if (!map) return undefined;
  const out = new Map<string, Located>();
  for (const entry of ctx.entries(map, `in '${field.key}'`)) {
    const text = ctx.string(entry, `the type of '${entry.key}'`);
    if (text === undefined) continue;
    if (text.trim() === "" || /\s/.test(text.trim())) {
      ctx.report(ctx.valuePos(entry), `invalid type '${text}': a type URN has no spaces`);
      continue;
    }
    out.set(entry.key, { value: text.trim(), at: ctx.pos(entry.keyNode) });
  }
  return out;
}

/** `output_metadata`: output id → list of metadata keys. */
function readOutputMetadata(ctx: Ctx, field: Field, keys: SettingsDraft["outputKeys"]): void {
  if (isEmpty(field.value)) return;
  const map = ctx.map(field, "'output_metadata'", "a mapping of output ids to lists of keys");
  if (!map) return;
  for (const entry of ctx.entries(map, "in 'output_metadata'")) {
    keys.push({ value: entry.key, at: ctx.pos(entry.keyNode), where: "output_metadata" });
    if (!isSeq(entry.value)) {
      ctx.report(
        ctx.valuePos(entry),
        `the metadata keys of '${entry.key}' must be a list, found ${describe(entry.value)}`,
      );
      continue;
    }
    for (const item of ctx.items(entry.value)) {
      if (!isScalar(item) || isEmpty(item)) {
        ctx.report(item ?? entry.value, `a metadata key must be a string, found ${describe(item)}`);
      }
    }
  }
}

/** `output_framing`: output id → `raw` | `arrow-ipc`. */
function readFraming(ctx: Ctx, field: Field, keys: SettingsDraft["outputKeys"]): void {
  if (isEmpty(field.value)) return;
  const map = ctx.map(field, "'output_framing'", "a mapping of output ids to raw or arrow-ipc");
  if (!map) return;
  for (const entry of ctx.entries(map, "in 'output_framing'")) {
    keys.push({ value: entry.key, at: ctx.pos(entry.keyNode), where: "output_framing" });
    const text = ctx.string(entry, `the framing of '${entry.key}'`);
    if (text !== undefined && !FRAMINGS.includes(text)) {
      ctx.report(
        ctx.valuePos(entry),
        `invalid framing '${text}': expected raw or arrow-ipc${didYouMean(text, FRAMINGS)}`,
      );
    }
  }
}

/** `cpu_affinity`: a list of core numbers. */
function readAffinity(ctx: Ctx, field: Field): number[] | undefined {
  if (isEmpty(field.value)) return undefined;
  const seq = ctx.list(field, "'cpu_affinity'", "a list of CPU core numbers, e.g. [0, 1]");
  if (!seq) return undefined;
  const cores: number[] = [];
  for (const item of ctx.items(seq)) {
    const n = isScalar(item) ? item.value : undefined;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      const shown = isScalar(item) && !isEmpty(item) ? ` '${scalarText(item)}'` : "";
      ctx.report(
        item ?? seq,
        `a CPU core must be a whole number from 0, found ${describe(item)}${shown}`,
      );
      continue;
    }
    if (n >= CPU_SETSIZE) {
      ctx.report(item, `CPU core ${n} is out of range (cores are numbered below ${CPU_SETSIZE})`);
      continue;
    }
    if (!cores.includes(n)) cores.push(n);
  }
  return cores.length > 0 ? cores : undefined;
}

/** Reads every dora 1.0 node setting present in `fields`. */
export function readSettings(ctx: Ctx, fields: Map<string, Field>): SettingsDraft {
  const out: SettingsDraft = { outputKeys: [] };
  const restart: RestartSettings = {};
  const max = fields.get("max_restarts");
  if (max) {
    const n = readCount(ctx, max, 0);
    if (n !== undefined) restart.maxRestarts = n;
  }
  const delay = fields.get("restart_delay");
  if (delay) {
    const ms = readSeconds(ctx, delay, true);
    if (ms !== undefined) restart.delayMs = ms;
  }
  const maxDelay = fields.get("max_restart_delay");
  if (maxDelay) {
    const ms = readSeconds(ctx, maxDelay, true);
    if (ms !== undefined) restart.maxDelayMs = ms;
  }
  const window = fields.get("restart_window");
  if (window) {
    const ms = readSeconds(ctx, window);
    if (ms !== undefined) restart.windowMs = ms;
  }
  if (Object.keys(restart).length > 0) out.restart = restart;

  const health = fields.get("health_check_timeout");
  if (health) out.healthCheckTimeoutMs = readSeconds(ctx, health);
  const grace = fields.get("finish_grace_secs");
  if (grace) out.finishGraceMs = readSeconds(ctx, grace, true);

  const logs: LogSettings = {};
  const level = fields.get("min_log_level");
  if (level) {
    const value = readLogLevel(ctx, level);
    if (value) logs.minLevel = value;
  }
  const sendLogs = fields.get("send_logs_as");
  if (sendLogs) {
    const text = ctx.string(sendLogs);
    if (text !== undefined) {
      logs.sendLogsAs = text;
      out.sendLogsAs = { value: text, at: ctx.valuePos(sendLogs) };
    }
  }
  const size = fields.get("max_log_size");
  if (size) {
    const bytes = readByteSize(ctx, size);
    if (bytes !== undefined) logs.maxBytes = bytes;
  }
  const rotated = fields.get("max_rotated_files");
  if (rotated) {
    const n = readCount(ctx, rotated, 1, MAX_ROTATED);
    if (n !== undefined) logs.maxRotatedFiles = n;
  }
  if (Object.keys(logs).length > 0) out.logs = logs;

  const affinity = fields.get("cpu_affinity");
  if (affinity) out.cpuAffinity = readAffinity(ctx, affinity);
  const outputTypes = fields.get("output_types");
  if (outputTypes) out.outputTypes = readStringMap(ctx, outputTypes);
  const inputTypes = fields.get("input_types");
  if (inputTypes) out.inputTypes = readStringMap(ctx, inputTypes);
  const metadata = fields.get("output_metadata");
  if (metadata) readOutputMetadata(ctx, metadata, out.outputKeys);
  const framing = fields.get("output_framing");
  if (framing) readFraming(ctx, framing, out.outputKeys);
  const pattern = fields.get("pattern");
  if (pattern) {
    const text = ctx.string(pattern);
    if (text !== undefined && !PATTERNS.includes(text)) {
      ctx.report(
        ctx.valuePos(pattern),
        `invalid pattern '${text}': expected ${PATTERNS.join(", ")}${didYouMean(text, PATTERNS)}`,
      );
    }
  }
  const pool = fields.get("shared_memory_pool_size");
  if (pool && !isEmpty(pool.value)) readByteSize(ctx, pool);
  const sha = fields.get("path_sha256");
  if (sha) {
    const text = ctx.string(sha);
    if (text !== undefined && !/^[0-9a-fA-F]{64}$/.test(text)) {
      ctx.report(ctx.valuePos(sha), `'path_sha256' must be 64 hexadecimal digits, found '${text}'`);
    } else if (text !== undefined) {
      out.pathSha256 = { value: text.toLowerCase(), at: ctx.valuePos(sha) };
    }
  }
  return out;
}
