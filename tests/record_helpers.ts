/**
 * Helpers of the recording tests: MCAP files read with the MCAP library's own readers (not
 * lib/record's), and their Arrow messages decoded with apache-arrow.
 */
import { McapIndexedReader, McapStreamReader, type McapTypes } from "../deps/mcap.ts";
import { tableFromIPC } from "../deps/arrow.ts";

/** An in-memory `IReadable` of a file. */
export async function readable(path: string) {
  const bytes = await Deno.readFile(path);
  return {
    size: () => Promise.resolve(BigInt(bytes.length)),
    read: (offset: bigint, length: bigint) =>
      Promise.resolve(bytes.slice(Number(offset), Number(offset + length))),
  };
}

/** A complete file through `McapIndexedReader`. */
export async function indexed(path: string) {
  return await McapIndexedReader.Initialize({ readable: await readable(path) });
}

/** Every record of a file through `McapStreamReader` (a truncated tail ends the list). */
export async function streamed(path: string): Promise<{
  records: McapTypes.TypedMcapRecord[];
  done: boolean;
}> {
  const reader = new McapStreamReader();
  reader.append(await Deno.readFile(path));
  const records: McapTypes.TypedMcapRecord[] = [];
  try {
    for (let r; (r = reader.nextRecord());) records.push(r);
  } catch {
    // the cut-off record of a killed writer
  }
  return { records, done: reader.done() };
}

/** A decoded `arrow-ipc` message: its value column, kind and parameters. */
export interface ArrowMessage {
  topic: string;
  kind: string;
  values: number[];
  parameters: Record<string, unknown>;
  logTime: bigint;
}

/** The messages of a complete file in log-time order, decoded. */
export async function arrowMessages(path: string): Promise<ArrowMessage[]> {
  const reader = await indexed(path);
  const out: ArrowMessage[] = [];
  for await (const m of reader.readMessages()) {
    const channel = reader.channelsById.get(m.channelId)!;
    const table = tableFromIPC(m.data.slice());
    const params = table.schema.metadata.get("dora.parameters");
    out.push({
      topic: channel.topic,
      kind: table.schema.fields[0]!.metadata.get("dora.kind")!,
      values: Array.from(table.getChildAt(0)!.toArray() as ArrayLike<number>),
      parameters: params ? JSON.parse(params) : {},
      logTime: m.logTime,
    });
  }
  return out;
}
