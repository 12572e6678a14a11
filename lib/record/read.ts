/**
 * Reading recordings back with the MCAP library's own readers: the indexed reader for a
 * complete file (summary and footer written), the streaming reader for one whose recorder was
 * killed (read up to its last complete record). Messages come in log-time order (a killed
 * file: in file order, which is the order they were recorded in).
 */
import { McapIndexedReader, McapStreamReader, type McapTypes } from "../../deps/mcap.ts";
import { DoraError, errorMessage } from "../errors.ts";
import { FileReadable } from "./mcap_io.ts";
import { DATAFLOW_METADATA } from "./recorder.ts";

export type Channel = McapTypes.Channel;
export type Schema = McapTypes.Schema;
export type Message = McapTypes.Message;

/** A recording opened for reading. */
export interface Recording {
  path: string;
  /** Summary and footer present (false: the recorder was killed). */
  complete: boolean;
  /** Why the indexed reader refused the file, when it did. */
  problem?: string;
  header: McapTypes.Header;
  /** Metadata records by name (the last of each name). */
  metadata: Map<string, Map<string, string>>;
  channels: Map<number, Channel>;
  schemas: Map<number, Schema>;
  /** First and last log time, from the summary's statistics (complete files). */
  timeRange?: { start: bigint; end: bigint };
  /** Messages of `topics` (all when undefined), in log-time order. */
  messages(topics?: readonly string[]): AsyncGenerator<Message>;
  close(): void;
}

const PIECE = 1024 * 1024;

function notMcap(path: string, why: string): DoraError {
  return new DoraError(`Cannot read '${path}' as an MCAP recording: ${why}`, [
    "Is it a file written by 'dora record' (or another MCAP writer)?",
  ]);
}

/** Opens `path`; a missing or unreadable file, or one that is not MCAP, is a `DoraError`. */
export async function openRecording(path: string): Promise<Recording> {
  let readable: FileReadable;
  try {
    readable = await FileReadable.open(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "No such file" : errorMessage(err);
    throw new DoraError(`Cannot open recording '${path}': ${why}`);
  }
  try {
    const reader = await McapIndexedReader.Initialize({ readable });
    const metadata = new Map<string, Map<string, string>>();
    for await (const m of reader.readMetadata()) metadata.set(m.name, m.metadata);
    return {
      path,
      complete: true,
      header: reader.header,
      metadata,
      channels: new Map(reader.channelsById),
      schemas: new Map(reader.schemasById),
      timeRange: reader.statistics && reader.statistics.messageCount > 0n
        ? { start: reader.statistics.messageStartTime, end: reader.statistics.messageEndTime }
        : undefined,
      messages: (topics) => reader.readMessages({ topics }),
      close: () => readable.close(),
    };
  } catch (err) {
    readable.close();
    return await openIncomplete(path, errorMessage(err));
  }
}

/** A file without a usable summary: one pass of the streaming reader finds what it holds. */
async function openIncomplete(path: string, problem: string): Promise<Recording> {
  const scan = { header: undefined as McapTypes.Header | undefined, records: 0 };
  const metadata = new Map<string, Map<string, string>>();
  const channels = new Map<number, Channel>();
  const schemas = new Map<number, Schema>();
  try {
    for await (const record of streamRecords(path)) {
      scan.records++;
      if (record.type === "Header") scan.header = record;
      else if (record.type === "Metadata") metadata.set(record.name, record.metadata);
      else if (record.type === "Channel") channels.set(record.id, record);
      else if (record.type === "Schema") schemas.set(record.id, record);
    }
  } catch (err) {
    if (!scan.header) throw notMcap(path, errorMessage(err));
  }
  if (!scan.header) throw notMcap(path, problem);
  return {
    path,
    complete: false,
    problem,
    header: scan.header,
    metadata,
    channels,
    schemas,
    async *messages(topics) {
      const wanted = topics ? new Set(topics) : undefined;
      try {
        for await (const record of streamRecords(path)) {
          if (record.type !== "Message") continue;
          const channel = channels.get(record.channelId);
          if (!wanted || (channel && wanted.has(channel.topic))) yield record;
        }
      } catch {
        // the cut-off tail of a killed recording: everything before it has been read
      }
    },
    close: () => {},
  };
}

/** Every record of the file, read in pieces (a truncated tail ends the stream, or throws). */
async function* streamRecords(path: string): AsyncGenerator<McapTypes.TypedMcapRecord> {
  const file = await Deno.open(path, { read: true });
  try {
    const reader = new McapStreamReader({ validateCrcs: true });
    const buffer = new Uint8Array(PIECE);
    for (;;) {
      const n = await file.read(buffer);
      if (n === null) break;
      reader.append(buffer.subarray(0, n));
      for (let record; (record = reader.nextRecord());) yield record;
      if (reader.done()) break;
    }
  } finally {
    file.close();
  }
}

/** The `dora.dataflow` metadata of a recording (empty when another program wrote it). */
export function dataflowMetadata(recording: Recording): Map<string, string> {
  return recording.metadata.get(DATAFLOW_METADATA) ?? new Map();
}
