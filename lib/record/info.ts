/**
 * `dora record --info FILE`: what a recording holds (the dataflow, when, how long, per topic
 * its type, message count, size and rate), from the MCAP summary when the file has one, else
 * from one pass over the messages of a killed recording.
 */
import { DATAFLOW_METADATA, RECORDING_METADATA } from "./recorder.ts";
import { openRecording, type Recording } from "./read.ts";

/** One topic of a recording. */
export interface TopicSummary {
  topic: string;
  /** Schema names of its channels (the Arrow type, or `dora/<kind>` for JSON). */
  types: string[];
  encoding: string;
  messages: number;
  bytes: number;
  rate_hz: number;
}

/** `record --info --json`. */
export interface RecordingInfo {
  file: string;
  file_bytes: number;
  complete: boolean;
  /** The dataflow's name, UUID and file (from the metadata; null when absent). */
  dataflow: { name: string | null; uuid: string | null; file: string | null; yaml: boolean };
  encoding: string | null;
  recorded_with: string | null;
  library: string;
  start: string | null;
  end: string | null;
  duration_s: number;
  messages: number;
  dropped: number | null;
  topics: TopicSummary[];
}

const ns = (t: bigint) => new Date(Number(t / 1_000_000n)).toISOString();

/** Summarises the recording at `path`. */
export async function recordingInfo(path: string): Promise<RecordingInfo> {
  const recording = await openRecording(path);
  try {
    return await summarise(recording, (await Deno.stat(path)).size);
  } finally {
    recording.close();
  }
}

async function summarise(recording: Recording, fileBytes: number): Promise<RecordingInfo> {
  const meta = recording.metadata.get(DATAFLOW_METADATA) ?? new Map<string, string>();
  const closing = recording.metadata.get(RECORDING_METADATA);
  const perTopic = new Map<string, { messages: number; bytes: number }>();
  let start: bigint | undefined;
  let end: bigint | undefined;
  const written = closing?.get("topics");
  if (recording.complete && written) {
    for (const [topic, v] of Object.entries(JSON.parse(written))) {
      perTopic.set(topic, v as { messages: number; bytes: number });
    }
  }
  if (recording.timeRange && perTopic.size > 0) {
    ({ start, end } = recording.timeRange);
  } else {
    // A killed recording (or another writer's): one pass over the messages.
    perTopic.clear();
    for await (const m of recording.messages()) {
      if (start === undefined || m.logTime < start) start = m.logTime;
      if (end === undefined || m.logTime > end) end = m.logTime;
      const topic = recording.channels.get(m.channelId)?.topic ?? `channel ${m.channelId}`;
      const t = perTopic.get(topic) ?? { messages: 0, bytes: 0 };
      t.messages++;
      t.bytes += m.data.length;
      perTopic.set(topic, t);
    }
  }
  const durationS = start !== undefined && end !== undefined ? Number(end - start) / 1e9 : 0;
  const byTopic = new Map<string, TopicSummary>();
  for (const channel of recording.channels.values()) {
    const summary = byTopic.get(channel.topic) ?? {
      topic: channel.topic,
      types: [],
      encoding: channel.messageEncoding,
      messages: 0,
      bytes: 0,
      rate_hz: 0,
    };
    const name = recording.schemas.get(channel.schemaId)?.name ?? "";
    if (name && !summary.types.includes(name)) summary.types.push(name);
    byTopic.set(channel.topic, summary);
  }
  for (const [topic, counts] of perTopic) {
    const summary = byTopic.get(topic);
    if (!summary) continue;
    summary.messages = counts.messages;
    summary.bytes = counts.bytes;
    summary.rate_hz = durationS > 0 ? Math.round((counts.messages - 1) / durationS * 100) / 100 : 0;
  }
  const topics = [...byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  const dropped = closing?.get("dropped");
  return {
    file: recording.path,
    file_bytes: fileBytes,
    complete: recording.complete,
    dataflow: {
      name: meta.get("name") ?? null,
      uuid: meta.get("uuid") ?? null,
      file: meta.get("file") ?? null,
      yaml: meta.has("yaml"),
    },
    encoding: meta.get("encoding") ?? null,
    recorded_with: meta.get("recorded_with") ?? null,
    library: recording.header.library,
    start: start === undefined ? null : ns(start),
    end: end === undefined ? null : ns(end),
    duration_s: Math.round(durationS * 1000) / 1000,
    messages: topics.reduce((sum, t) => sum + t.messages, 0),
    dropped: dropped === undefined ? null : Number(dropped),
    topics,
  };
}
