/**
 * How a dora message becomes an MCAP message, and back (docs/recording.md).
 *
 * - `arrow` (the default): each message is an Arrow IPC stream of one column `value`, which is
 *   how dora 1.0 frames a value (`output_framing: arrow-ipc`). The field's metadata
 *   `dora.kind` keeps the protocol's kind (bytes, text, json, float32 ... arrow) and the
 *   schema's metadata `dora.parameters` the message's parameters (JSON), so a replay sends
 *   exactly what was recorded. A channel per topic and Arrow type; its schema record is the
 *   Arrow schema (an IPC stream without batches), named by the Arrow type (`Float32`, `Utf8`,
 *   `Struct<{...}>`). pyarrow reads a message with `pa.ipc.open_stream(message.data)`.
 * - `json`: `{"value": ..., "parameters": {...}}` with a JSON Schema per channel, which
 *   Foxglove decodes and plots (see json_value.ts); lossless for every kind but Arrow data.
 */
import type { Arrow, Vector } from "../../node/ts/arrow.ts";
import { decodeArrow } from "../../node/ts/arrow.ts";
import { decodeParameters, decodeValue, Kind, type Parameters } from "../../node/ts/values.ts";
import { kindByName, kindName } from "../api/kinds.ts";
import { jsonMessage, jsonSchemaFor, valueFromJson } from "./json_value.ts";

/** The two message encodings of a recording. */
export type Encoding = "arrow" | "json";

/** MCAP `message_encoding` / `schema_encoding` of each. */
export const MESSAGE_ENCODING: Record<Encoding, string> = { arrow: "arrow-ipc", json: "json" };
export const SCHEMA_ENCODING: Record<Encoding, string> = {
  arrow: "arrow-ipc-schema",
  json: "jsonschema",
};

/** What the recorder is handed per message (a tap's `TappedMessage` has these fields). */
export interface RecordInput {
  node: string;
  output: string;
  kind: number;
  /** The sender's timestamp, ns since the epoch (0: unknown). */
  timestampNs: number;
  /** When the host routed it, ms since the epoch. */
  routedMs: number;
  payload: Uint8Array;
  /** UTF-8 JSON parameters, or empty. */
  params: Uint8Array;
}

/** A channel as the recorder registers it. */
export interface ChannelSpec {
  /** Topic + type: messages with the same key share the channel. */
  key: string;
  topic: string;
  schemaName: string;
  schemaData: Uint8Array;
  metadata: Map<string, string>;
}

/** One message, encoded. */
export interface EncodedMessage {
  channel: ChannelSpec;
  data: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function channelMetadata(m: RecordInput): Map<string, string> {
  return new Map([
    ["dora.node", m.node],
    ["dora.output", m.output],
    ["dora.kind", kindName(m.kind)],
  ]);
}

/** The message as an Arrow vector (a fast kind as the Arrow type dora gives it). */
function vectorOf(arrow: Arrow, kind: number, payload: Uint8Array): Vector {
  switch (kind) {
    case Kind.ARROW:
      return decodeArrow(arrow, payload);
    case Kind.TEXT:
    case Kind.JSON:
      return arrow.vectorFromArray([decoder.decode(payload)], new arrow.Utf8());
    case Kind.BYTES:
      return arrow.makeVector(payload.slice());
  }
  const value = decodeValue(kind, payload.slice());
  if (value instanceof Uint8ClampedArray) {
    return arrow.makeVector(new Uint8Array(value.buffer, value.byteOffset, value.length));
  }
  return arrow.makeVector(value as Float32Array);
}

function withSchema(
  arrow: Arrow,
  vector: Vector,
  schema: InstanceType<Arrow["Schema"]>,
): InstanceType<Arrow["Table"]> {
  const type = new arrow.Struct(schema.fields);
  const batches = vector.data.map((data) =>
    new arrow.RecordBatch(
      schema,
      arrow.makeData({ type, length: data.length, nullCount: 0, children: [data] }),
    )
  );
  return new arrow.Table(schema, batches);
}

/** Encodes for `--encoding arrow`. */
export function encodeArrowMessage(arrow: Arrow, m: RecordInput): EncodedMessage {
  const vector = vectorOf(arrow, m.kind, m.payload);
  const field = new arrow.Field(
    "value",
    vector.type,
    true,
    new Map([["dora.kind", kindName(m.kind)]]),
  );
  const typeName = String(vector.type);
  const topic = `${m.node}/${m.output}`;
  const key = `${topic}\0${kindName(m.kind)}\0${typeName}`;
  const params = m.params.length > 0 ? decoder.decode(m.params) : "";
  const schema = new arrow.Schema(
    [field],
    params ? new Map([["dora.parameters", params]]) : new Map(),
  );
  const data = arrow.tableToIPC(withSchema(arrow, vector, schema), "stream");
  return {
    channel: {
      key,
      topic,
      schemaName: typeName,
      // Built only once per channel by the recorder (see Recorder.#channel).
      schemaData: new Uint8Array(0),
      metadata: channelMetadata(m),
    },
    data,
  };
}

/** The schema record's data of an `arrow` channel: its Arrow schema, as an IPC stream. */
export function arrowSchemaData(arrow: Arrow, message: Uint8Array): Uint8Array {
  const table = arrow.tableFromIPC(aligned(message));
  const bare = new arrow.Schema(table.schema.fields);
  return arrow.tableToIPC(new arrow.Table(bare), "stream");
}

/** Encodes for `--encoding json`. */
export function encodeJsonMessage(m: RecordInput, arrow: Arrow | undefined): EncodedMessage {
  const topic = `${m.node}/${m.output}`;
  const { schemaName, schema } = jsonSchemaFor(m.kind);
  return {
    channel: {
      key: `${topic}\0${kindName(m.kind)}`,
      topic,
      schemaName,
      schemaData: encoder.encode(JSON.stringify(schema)),
      metadata: channelMetadata(m),
    },
    data: encoder.encode(JSON.stringify(jsonMessage(m.kind, m.payload, m.params, arrow))),
  };
}

function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
}

/** A recorded message decoded for sending again. */
export interface Playable {
  kind: number;
  /** What `Node.sendOutput` takes to send that kind again (a `Vector` for Arrow data). */
  value: unknown;
  parameters: Parameters;
}

/** Decodes a message of a channel written by `dora record`; throws what it cannot read. */
export function decodeMessage(
  arrow: Arrow | undefined,
  messageEncoding: string,
  channelKind: string | undefined,
  data: Uint8Array,
): Playable {
  if (messageEncoding === MESSAGE_ENCODING.json) {
    const kind = channelKind === undefined ? undefined : kindByName(channelKind);
    if (kind === undefined) throw new Error(`unknown dora.kind '${channelKind}'`);
    const message = JSON.parse(decoder.decode(data)) as { value: unknown; parameters?: unknown };
    const parameters = decodeParameters(encoder.encode(JSON.stringify(message.parameters ?? {})));
    return { kind, value: valueFromJson(kind, message.value), parameters };
  }
  if (messageEncoding !== MESSAGE_ENCODING.arrow) {
    throw new Error(`message encoding '${messageEncoding}' is not one dora records`);
  }
  if (!arrow) throw new Error("apache-arrow is needed to read arrow-ipc messages");
  const table = arrow.tableFromIPC(aligned(data));
  const field = table.schema.fields[0];
  const vector = table.getChildAt(0);
  if (!field || !vector) throw new Error("an arrow-ipc message without a column");
  const kindText = field.metadata.get("dora.kind") ?? "arrow";
  const kind = kindByName(kindText);
  if (kind === undefined) throw new Error(`unknown dora.kind '${kindText}'`);
  const params = table.schema.metadata.get("dora.parameters");
  const parameters = params ? decodeParameters(encoder.encode(params)) : {};
  return { kind, value: playableValue(arrow, kind, vector), parameters };
}

function playableValue(arrow: Arrow, kind: number, vector: Vector): unknown {
  switch (kind) {
    case Kind.ARROW:
      return vector;
    case Kind.TEXT:
      return String(vector.get(0));
    case Kind.JSON:
      return JSON.parse(String(vector.get(0)));
    case Kind.BYTES:
      return (vector.toArray() as Uint8Array).slice();
    case Kind.UINT8: {
      const bytes = vector.toArray() as Uint8Array;
      return new Uint8ClampedArray(bytes.slice().buffer);
    }
  }
  void arrow;
  return (vector.toArray() as { slice(): unknown }).slice();
}
