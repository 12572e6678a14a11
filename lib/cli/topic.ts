/**
 * `dora topic list` and `dora topic info`: what each output of a running dataflow carries, who
 * reads it, how fast and how much is dropped. Rates come from two looks at the data plane's
 * counters (`list`) or from a tap held open for `--duration` (`info`). `echo`, `hz` and `pub`
 * live in topic_stream.ts.
 */
import type { PlaneInfo } from "../api/inspect.ts";
import type { DataflowInfo } from "../api/types.ts";
import type { DataflowTarget } from "../client/target.ts";
import { RateWindow } from "../inspect/hz.ts";
import { type TapMessageEvent, typeLabel } from "../inspect/decode.ts";
import { formatBytes, renderTable } from "../output/format.ts";
import {
  dataflowPath,
  durationFlag,
  interruption,
  Out,
  pause,
  target,
  type TargetFlags,
  topicArg,
} from "./_inspect.ts";

/** Flags of `topic list`. */
export interface TopicListFlags extends TargetFlags {
  /** How long to watch the counters for rates (`--window`, default 1s; `0` for none). */
  window?: string;
}

/** A rate for people: `30.0/s`, `-` when unknown. */
export function rateText(hz: number | null | undefined): string {
  if (hz === null || hz === undefined) return "-";
  return hz >= 100 ? `${Math.round(hz)}/s` : `${hz.toFixed(1)}/s`;
}

function plane(t: DataflowTarget): Promise<PlaneInfo> {
  return t.client.request<PlaneInfo>("GET", dataflowPath(t, "/plane"));
}

/** Runs `dora topic list`. */
export async function topicList(flags: TopicListFlags): Promise<number> {
  const windowMs = flags.window === "0" ? 0 : durationFlag(flags.window, "--window") ?? 1000;
  const t = await target(flags);
  const first = await plane(t);
  const started = performance.now();
  let second = first;
  if (windowMs > 0) {
    const stop = interruption();
    try {
      await pause(windowMs, stop.signal);
      if (stop.signal.aborted) return 0;
    } finally {
      stop.dispose();
    }
    second = await plane(t);
  }
  const seconds = (performance.now() - started) / 1000;
  const before = new Map(first.topics.map((x) => [x.topic, x.messages]));
  const rows = second.topics.map((topic) => ({
    ...topic,
    rate_hz: windowMs > 0 && seconds > 0
      ? Math.round(((topic.messages - (before.get(topic.topic) ?? 0)) / seconds) * 10) / 10
      : null,
  }));
  const out = new Out();
  if (flags.json) {
    for (const row of rows) {
      if (!out.json({ dataflow: t.uuid, name: t.name, ...row })) break;
    }
    return 0;
  }
  if (rows.length === 0) {
    out.line(`Dataflow ${t.name} has no outputs.`);
    return 0;
  }
  out.line(
    renderTable(
      ["TOPIC", "SUBSCRIBERS", "MESSAGES", "RATE", "DROPPED"],
      rows.map((r) => [
        r.topic,
        r.subscribers.join(", ") || "-",
        String(r.messages),
        rateText(r.rate_hz),
        String(r.dropped),
      ]),
    ),
  );
  return 0;
}

/** Flags of `topic info`. */
export interface TopicInfoFlags extends TargetFlags {
  /** How long to listen (default 5s, as dora's). */
  duration?: string;
}

/** Runs `dora topic info NODE/OUTPUT`. */
export async function topicInfo(topic: string, flags: TopicInfoFlags): Promise<number> {
  const ref = topicArg(topic);
  const durationMs = durationFlag(flags.duration, "--duration") ?? 5000;
  const t = await target(flags);
  const name = `${ref.node}/${ref.output}`;
  const query = `?topic=${encodeURIComponent(name)}`;
  const stop = interruption();
  const window = new RateWindow(durationMs);
  let sample: TapMessageEvent | undefined;
  let started = Date.now();
  let info: PlaneInfo;
  try {
    const timer = setTimeout(() => stop.abort(), durationMs);
    const sampled = new AbortController();
    stop.signal.addEventListener("abort", () => sampled.abort());
    const stats = t.client.lines<{ type: string; routed_at: number[]; sizes: number[] }>(
      "GET",
      dataflowPath(t, `/tap${query}&max_bytes=0&queue=100000`),
      undefined,
      (event) => {
        if (event.type === "subscribed") started = Date.now();
        if (event.type === "batch") window.add(event.routed_at, event.sizes);
        return event.type !== "end";
      },
      stop.signal,
    );
    // One message with its payload's first bytes, for its type and metadata.
    const one = t.client.lines<TapMessageEvent | { type: string }>(
      "GET",
      dataflowPath(t, `/tap${query}&max_bytes=4096&queue=1`),
      undefined,
      (event) => {
        if (event.type !== "message") return event.type !== "end";
        sample = event as TapMessageEvent;
        return false;
      },
      sampled.signal,
    );
    try {
      await Promise.all([stats, one]);
    } finally {
      clearTimeout(timer);
    }
    info = await plane(t);
  } finally {
    stop.dispose();
  }
  const elapsed = Math.max(1, Date.now() - started);
  const rates = window.stats(Date.now());
  const topicRow = info.topics.find((x) => x.topic === name);
  const publisher = (await t.client.request<DataflowInfo>("GET", dataflowPath(t))).nodes
    .find((n) => n.id === ref.node);
  const subscribers = (topicRow?.subscribers ?? []).map((sub) => {
    const [node, input] = [sub.slice(0, sub.indexOf("/")), sub.slice(sub.indexOf("/") + 1)];
    const counters = info.nodes.find((n) => n.id === node)?.inputs[input];
    return { input: sub, ...counters };
  });
  const doc = {
    dataflow: t.uuid,
    name: t.name,
    topic: name,
    type: sample ? typeLabel(sample.kind, sample.size) : null,
    kind: sample?.kind ?? null,
    metadata: sample ? Object.keys(sample.parameters) : [],
    publisher: { node: ref.node, status: publisher?.status ?? null, pid: publisher?.pid ?? null },
    subscribers,
    messages: window.total,
    duration_ms: elapsed,
    total_messages: topicRow?.messages ?? 0,
    rate_hz: window.total > 0 ? Math.round((window.total / (elapsed / 1000)) * 100) / 100 : 0,
    interval: rates,
    bytes_per_s: rates.bytes_per_s ?? 0,
  };
  const out = new Out();
  if (flags.json) {
    out.line(JSON.stringify(doc, null, 2));
    return 0;
  }
  const ms = (v: number | null) => (v === null ? "-" : `${v.toFixed(1)} ms`);
  const lines = [
    `Topic: ${name}`,
    `Dataflow: ${t.name} (${t.uuid})`,
    `Type: ${doc.type ?? "unknown (no message arrived)"}`,
    `Metadata: ${doc.metadata.join(", ") || "-"}`,
    `Publisher: ${ref.node} (${publisher?.status ?? "?"}${
      publisher?.pid ? `, pid ${publisher.pid}` : ""
    })`,
    `Subscribers:${subscribers.length ? "" : " none"}`,
    ...subscribers.map((s) =>
      `  ${s.input}  queue ${s.queued ?? 0}/${s.queue_size ?? "?"}  received ${
        s.received ?? 0
      }  dropped ${s.dropped ?? 0}`
    ),
    `Messages: ${doc.messages} in ${(elapsed / 1000).toFixed(1)}s (${
      doc.rate_hz.toFixed(1)
    } Hz), ${doc.total_messages} since the start`,
    `Interval: mean ${ms(rates.mean_ms)}, min ${ms(rates.min_ms)}, max ${ms(rates.max_ms)}, ` +
    `std ${ms(rates.std_ms)}`,
    `Bandwidth: ${formatBytes(doc.bytes_per_s)}/s` +
    (rates.mean_size !== null ? ` (${formatBytes(rates.mean_size)} per message)` : ""),
  ];
  out.line(lines.join("\n"));
  return 0;
}
