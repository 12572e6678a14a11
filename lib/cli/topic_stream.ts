/**
 * `dora topic echo`, `dora topic hz` and `dora topic pub`: the commands that stream. Each ends
 * after `--count`/`--duration`, when the dataflow ends, or quietly on Ctrl-C or a closed pipe
 * (exit 0). A tap that could not keep up says how many messages it dropped (on stderr).
 */
import { kindByName } from "../api/kinds.ts";
import type { DataflowTarget } from "../client/target.ts";
import { DoraError, UsageError } from "../errors.ts";
import { messageJson, messageLine, type TapMessageEvent } from "../inspect/decode.ts";
import { RateWindow } from "../inspect/hz.ts";
import { loadArrow } from "../../node/ts/arrow.ts";
import {
  countFlag,
  dataflowPath,
  durationFlag,
  interruption,
  numberFlag,
  Out,
  target,
  type TargetFlags,
  topicArg,
} from "./_inspect.ts";

/** What a tap stream sends besides messages. */
type TapEvent =
  | TapMessageEvent
  | { type: "subscribed"; dataflow: string }
  | {
    type: "batch";
    node: string;
    output: string;
    routed_at: number[];
    sizes: number[];
    dropped: number;
  }
  | { type: "end"; reason: string; dropped: number };

/** Flags of the streaming commands. */
export interface StreamFlags extends TargetFlags {
  count?: string;
  duration?: string;
}

function topicQuery(topics: string[]): string {
  return topics.map((t) => {
    const { node, output } = topicArg(t);
    return `topic=${encodeURIComponent(`${node}/${output}`)}`;
  }).join("&");
}

/** Reads a tap until it ends, `durationMs` passes, `handle` says stop, or Ctrl-C. */
async function follow(
  t: DataflowTarget,
  query: string,
  durationMs: number | undefined,
  handle: (event: TapEvent) => boolean | Promise<boolean>,
): Promise<{ dropped: number; ended?: string }> {
  const stop = interruption();
  const timer = durationMs === undefined ? undefined : setTimeout(() => stop.abort(), durationMs);
  let dropped = 0;
  let ended: string | undefined;
  try {
    await t.client.lines<TapEvent>("GET", dataflowPath(t, `/tap?${query}`), undefined, (e) => {
      if ("dropped" in e) dropped = e.dropped;
      if (e.type === "end") {
        ended = e.reason;
        return false;
      }
      return handle(e);
    }, stop.signal);
  } finally {
    clearTimeout(timer);
    stop.dispose();
  }
  return { dropped, ended };
}

function tellDropped(dropped: number, what: string): void {
  if (dropped > 0) {
    console.error(
      `${dropped} message${dropped === 1 ? "" : "s"} not shown: this ${what} did not keep up ` +
        "(the dataflow lost none)",
    );
  }
}

/** Flags of `topic echo`. */
export interface EchoFlags extends StreamFlags {
  raw?: boolean;
}

/** Runs `dora topic echo [NODE/OUTPUT...]`. */
export async function topicEcho(topics: string[], flags: EchoFlags): Promise<number> {
  const count = countFlag(flags.count);
  const durationMs = durationFlag(flags.duration, "--duration");
  const query = topicQuery(topics);
  const t = await target(flags);
  const out = new Out();
  let shown = 0;
  const result = await follow(
    t,
    `${query}${query ? "&" : ""}max_bytes=65536&queue=256`,
    durationMs,
    async (event) => {
      if (event.type !== "message") return true;
      // apache-arrow is loaded only when an Arrow value shows up.
      if (event.kind === "arrow") await loadArrow().catch(() => {});
      const ok = flags.json
        ? out.json(messageJson(event, flags.raw ?? false, t.uuid))
        : out.line(messageLine(event, flags.raw ?? false));
      shown++;
      return ok && (count === undefined || shown < count);
    },
  );
  if (result.ended && !out.closed) console.error(`Stopped: ${result.ended}`);
  tellDropped(result.dropped, "echo");
  return 0;
}

/** Flags of `topic hz`. */
export interface HzFlags extends StreamFlags {
  window?: string;
}

/** Runs `dora topic hz [NODE/OUTPUT...]`: a report per topic every second. */
export async function topicHz(topics: string[], flags: HzFlags): Promise<number> {
  const reports = countFlag(flags.count);
  const durationMs = durationFlag(flags.duration, "--duration");
  const windowMs = durationFlag(flags.window, "--window") ?? 10_000;
  const query = topicQuery(topics);
  const t = await target(flags);
  const out = new Out();
  const windows = new Map<string, RateWindow>();
  for (const topic of topics) windows.set(topic, new RateWindow(windowMs));
  let made = 0;
  let stopAll = false;
  let started = Date.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const report = () => {
    const now = Date.now();
    const lines: string[] = [];
    for (const [topic, window] of [...windows].sort(([a], [b]) => a.localeCompare(b))) {
      const s = window.stats(now);
      if (flags.json) {
        lines.push(JSON.stringify({
          dataflow: t.uuid,
          topic,
          time: new Date(now).toISOString(),
          window_ms: Math.min(windowMs, now - started),
          ...s,
        }));
      } else {
        const ms = (v: number | null) => (v === null ? "-" : v.toFixed(2));
        lines.push(
          `${topic}: ${s.rate_hz === null ? "no messages" : `${s.rate_hz.toFixed(2)} Hz`}` +
            `  mean ${ms(s.mean_ms)} ms  min ${ms(s.min_ms)}  max ${ms(s.max_ms)}` +
            `  std ${ms(s.std_ms)}  (${s.count} in ${
              (Math.min(windowMs, now - started) / 1000).toFixed(1)
            }s)`,
        );
      }
    }
    if (lines.length === 0) lines.push(flags.json ? "" : "no messages yet");
    if (!out.line(lines.filter((l) => l !== "").join("\n"))) stopAll = true;
    made++;
    if (reports !== undefined && made >= reports) stopAll = true;
  };
  const result = await follow(
    t,
    `${query}${query ? "&" : ""}max_bytes=0&queue=100000`,
    durationMs,
    (event) => {
      if (event.type === "subscribed") {
        started = Date.now();
        timer = setInterval(report, 1000);
      } else if (event.type === "batch") {
        const topic = `${event.node}/${event.output}`;
        let window = windows.get(topic);
        if (!window) windows.set(topic, window = new RateWindow(windowMs));
        window.add(event.routed_at, event.sizes);
      }
      return !stopAll;
    },
  ).finally(() => clearInterval(timer));
  if (result.ended && !out.closed) console.error(`Stopped: ${result.ended}`);
  tellDropped(result.dropped, "hz");
  return 0;
}

/** Flags of `topic pub`. */
export interface PubFlags extends StreamFlags {
  rate?: string;
  file?: string;
  /** `--type`: json (default), text, bytes, or a numeric kind such as float32. */
  type?: string;
  params?: string;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${(err as Error).message}`, [
      `Quote it for the shell, e.g. '{"x": 1}' or '"a string"'`,
    ]);
  }
}

/** The request body's value part, from the JSON text and `--type`. */
export function publishValue(value: unknown, type: string): Record<string, unknown> {
  const kind = kindByName(type);
  if (kind === undefined) {
    throw new UsageError(`Invalid --type '${type}'`, [
      "Expected json, text, bytes, int8, uint8, int16, uint16, int32, uint32, int64, uint64, " +
      "float32 or float64",
    ]);
  }
  if (type === "json") return { value };
  const encoder = new TextEncoder();
  let data: Uint8Array;
  if (type === "text") {
    if (typeof value !== "string") throw new UsageError("--type text needs a JSON string");
    data = encoder.encode(value);
  } else {
    if (!Array.isArray(value) || !value.every((v) => typeof v === "number")) {
      throw new UsageError(`--type ${type} needs a JSON list of numbers, e.g. [1, 2, 3]`);
    }
    const arrays: Record<string, (v: number[]) => ArrayBufferView> = {
      bytes: (v) => Uint8Array.from(v),
      int8: (v) => Int8Array.from(v),
      uint8: (v) => Uint8Array.from(v),
      int16: (v) => Int16Array.from(v),
      uint16: (v) => Uint16Array.from(v),
      int32: (v) => Int32Array.from(v),
      uint32: (v) => Uint32Array.from(v),
      int64: (v) => BigInt64Array.from(v.map((n) => BigInt(Math.trunc(n)))),
      uint64: (v) => BigUint64Array.from(v.map((n) => BigInt(Math.trunc(n)))),
      float32: (v) => Float32Array.from(v),
      float64: (v) => Float64Array.from(v),
    };
    const view = arrays[type];
    if (!view) throw new UsageError(`--type ${type} cannot be published from JSON`);
    const array = view(value as number[]);
    data = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  }
  return { kind: type, data: (data as Uint8Array & { toBase64(): string }).toBase64() };
}

/** Runs `dora topic pub NODE/OUTPUT JSON`. */
export async function topicPub(
  topic: string,
  json: string | undefined,
  flags: PubFlags,
): Promise<number> {
  const { node, output } = topicArg(topic);
  if ((json === undefined) === (flags.file === undefined)) {
    throw new UsageError("Give the message as JSON, or --file FILE (one of the two)", [
      `Example: dora topic pub ${topic} '[1, 2, 3]'`,
    ]);
  }
  let text = json;
  if (flags.file !== undefined) {
    try {
      text = await Deno.readTextFile(flags.file);
    } catch (err) {
      throw new DoraError(`Cannot read ${flags.file}: ${(err as Error).message}`);
    }
  }
  const value = parseJson(text!, flags.file ?? "The message");
  const parameters = flags.params === undefined ? undefined : parseJson(flags.params, "--params");
  const count = countFlag(flags.count);
  const durationMs = durationFlag(flags.duration, "--duration");
  const rate = numberFlag(flags.rate, "--rate", 0);
  const body = {
    ...publishValue(value, (flags.type ?? "json").toLowerCase()),
    ...(parameters === undefined ? {} : { parameters }),
    ...(count === undefined ? {} : { count }),
    // Several messages without --rate go at 10 Hz, so a consumer sees them one by one.
    rate_hz: rate ?? 10,
    ...(durationMs === undefined ? {} : { duration_ms: durationMs }),
  };
  const t = await target(flags);
  const stop = interruption();
  let published = 0;
  let problem: string | undefined;
  try {
    await t.client.lines<{ type: string; published: number; message?: string }>(
      "POST",
      dataflowPath(t, `/topics/${encodeURIComponent(node)}/${encodeURIComponent(output)}/publish`),
      body,
      (event) => {
        published = event.published ?? published;
        if (event.type === "error") problem = event.message;
        return event.type !== "done";
      },
      stop.signal,
    );
  } finally {
    stop.dispose();
  }
  const out = new Out();
  if (flags.json) out.json({ dataflow: t.uuid, topic: `${node}/${output}`, published });
  else {
    out.line(
      `Published ${published} message${published === 1 ? "" : "s"} on ${node}/${output} ` +
        `(dataflow ${t.name})`,
    );
  }
  if (problem) throw new DoraError(`Publishing stopped: ${problem}`);
  return 0;
}
