/**
 * The inspection part of the control API (docs/api.md, "Inspecting a dataflow"), the same for
 * the daemon and for a `dora run` (its control socket):
 *
 * - `GET  /v1/dataflows/{ref}/plane`: connections, per-output and per-input counters, topics;
 * - `GET  /v1/dataflows/{ref}/tap?topic=N/O&max_bytes=B&queue=Q&format=ndjson|sse`: a tap;
 * - `POST /v1/dataflows/{ref}/topics/{node}/{output}/publish`: injection;
 * - `GET  /v1/dataflows/{ref}/params/{node}[/{key}]`, `PUT`/`DELETE .../params/{node}/{key}`.
 *
 * The caller has checked the token. A host gives the dataflows it knows (`InspectHost`); taps,
 * injection and their streams come from lib/taps.
 */
import type { NodeSpec } from "../descriptor/types.ts";
import { ELEMENT_SIZE, KIND_NAMES, kindByName } from "../api/kinds.ts";
import type { PlaneInfo, TopicInfo } from "../api/inspect.ts";
import { checkParameters, encodeParameters, type JsonValue } from "../../node/ts/values.ts";
import type { BrokerTaps } from "../taps/broker_taps.ts";
import { keyProblem, type ParamTable, paramUpdateBody, valueJson } from "../taps/params.ts";
import { publishBody } from "../taps/publish.ts";
import { DEFAULT_TAP_QUEUE } from "../taps/queue.ts";
import { tapBody } from "../taps/stream.ts";
import { TapError, type TopicRef } from "../taps/types.ts";
import { ApiError, type Handler, type Reply } from "./server.ts";

/** Largest payload prefix a tap hands out per message. */
export const MAX_TAP_BYTES = 16 * 1024 * 1024;
/** Largest tap queue a client may ask for. */
export const MAX_TAP_QUEUE = 1_000_000;

/** One dataflow as inspection needs it. */
export interface InspectTarget {
  uuid: string;
  name: string;
  status: string;
  /** The nodes that run now (after hot reloads). */
  nodes: NodeSpec[];
  /** Its runtime parameters (changed in place; `saveParams` keeps them). */
  params: ParamTable;
  saveParams(): void;
}

/** What a host (daemon, `dora run`) gives inspection. */
export interface InspectHost {
  /** The dataflow `ref` names; throws `ApiError` (404, 409) like the rest of the API. */
  find(ref: string): InspectTarget | Promise<InspectTarget>;
  taps: BrokerTaps;
}

/** Whether `path` (split, decoded) is one of inspection's. */
export function isInspectPath(path: string[]): boolean {
  const [version, resource, ref, what] = path;
  return version === "v1" && resource === "dataflows" && ref !== undefined &&
    (what === "plane" || what === "tap" || what === "topics" || what === "params");
}

function running(target: InspectTarget): void {
  if (target.status !== "Running") {
    throw new ApiError(409, "not_running", `Dataflow ${target.name} is not running`, [
      `Its status is ${target.status}.`,
    ]);
  }
}

function tapError(err: unknown): never {
  if (err instanceof TapError) {
    throw new ApiError(err.code === "not_found" ? 404 : 409, err.code, err.message);
  }
  throw err;
}

function nodeOf(target: InspectTarget, nodeId: string): NodeSpec {
  const node = target.nodes.find((n) => n.id === nodeId);
  if (!node) {
    throw new ApiError(404, "not_found", `Dataflow ${target.name} has no node '${nodeId}'`, [
      `Its nodes: ${target.nodes.map((n) => n.id).join(", ")}`,
    ]);
  }
  return node;
}

/** The `plane` document of a running dataflow. */
export function planeInfo(target: InspectTarget, taps: BrokerTaps): PlaneInfo {
  running(target);
  const snapshot = taps.snapshot(target.uuid);
  if (!snapshot) {
    throw new ApiError(409, "not_running", `The data plane of ${target.name} is not up`, [
      "It may be restarting (hot reload); try again in a moment.",
    ]);
  }
  const byNode = new Map(snapshot.nodes.map((n) => [n.id, n]));
  const topics: TopicInfo[] = [];
  for (const node of snapshot.nodes) {
    for (const [output, counters] of Object.entries(node.outputs)) {
      const subscribers: string[] = [];
      let dropped = 0;
      for (const spec of target.nodes) {
        for (const [input, i] of Object.entries(spec.inputs)) {
          if (i.source.kind !== "node" || i.source.node !== node.id) continue;
          if (i.source.output !== output) continue;
          subscribers.push(`${spec.id}/${input}`);
          dropped += byNode.get(spec.id)?.inputs[input]?.dropped ?? 0;
        }
      }
      topics.push({
        topic: `${node.id}/${output}`,
        node: node.id,
        output,
        messages: counters.messages,
        subscribers,
        dropped,
      });
    }
  }
  return {
    uuid: target.uuid,
    name: target.name,
    status: target.status,
    ...snapshot,
    taps: taps.taps(target.uuid),
    topics,
  };
}

function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ApiError(400, "bad_request", `'${name}' must be a whole number from 0 to ${max}`);
  }
  return value;
}

function parseTopics(values: string[]): TopicRef[] | "all" {
  if (values.length === 0) return "all";
  return values.map((text) => {
    const slash = text.indexOf("/");
    if (slash <= 0 || slash === text.length - 1) {
      throw new ApiError(400, "bad_request", `'${text}' is not a topic (NODE/OUTPUT)`);
    }
    return { node: text.slice(0, slash), output: text.slice(slash + 1) };
  });
}

function tap(target: InspectTarget, taps: BrokerTaps, query: URLSearchParams): Reply {
  running(target);
  const topics = parseTopics(query.getAll("topic"));
  const maxBytes = intParam(query, "max_bytes", 65536, MAX_TAP_BYTES);
  const queue = intParam(query, "queue", DEFAULT_TAP_QUEUE, MAX_TAP_QUEUE) || DEFAULT_TAP_QUEUE;
  const format = query.get("format") === "sse" ? "sse" : "ndjson";
  // Checked before the response starts, so a wrong topic is a 404, not a broken stream.
  try {
    taps.check(target.uuid, topics);
  } catch (err) {
    tapError(err);
  }
  const body = tapBody({
    dataflow: target.uuid,
    topics: topics === "all" ? null : topics.map((t) => `${t.node}/${t.output}`),
    maxBytes,
    queue,
    format,
  }, (sink) => {
    try {
      return taps.tap(target.uuid, topics, sink);
    } catch (err) {
      sink.end(err instanceof Error ? err.message : String(err));
      return () => {};
    }
  }, () => taps.openStreams--);
  taps.openStreams++;
  return { body, type: format === "sse" ? "text/event-stream" : "application/x-ndjson" };
}

/** What a publish request's body says, checked. */
function outgoing(body: Record<string, unknown>) {
  const bad = (message: string): never => {
    throw new ApiError(400, "bad_request", message);
  };
  let kind: number;
  let data: Uint8Array;
  if ("value" in body && body.data === undefined) {
    kind = 0x02;
    data = new TextEncoder().encode(JSON.stringify(body.value));
  } else {
    const named = body.kind ?? "json";
    const found = typeof named === "number" && named in KIND_NAMES
      ? named
      : typeof named === "string"
      ? kindByName(named)
      : undefined;
    if (found === undefined) return bad(`unknown kind ${JSON.stringify(named)}`);
    kind = found;
    if (typeof body.data !== "string") return bad("'data' must be base64 text");
    try {
      data = Uint8Array.fromBase64(body.data);
    } catch {
      return bad("'data' is not valid base64");
    }
  }
  const size = ELEMENT_SIZE[kind];
  if (size !== undefined && data.length % size !== 0) {
    bad(`${data.length} bytes are not a whole number of ${size}-byte elements`);
  }
  if (kind === 0x01 || kind === 0x02) {
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(data);
      if (kind === 0x02) JSON.parse(text);
    } catch {
      bad(kind === 0x02 ? "'data' is not JSON text" : "'data' is not UTF-8 text");
    }
  }
  const parameters = body.parameters ?? {};
  try {
    checkParameters(parameters);
  } catch (err) {
    bad((err as Error).message);
  }
  return { kind, data, params: encodeParameters(parameters as Record<string, never>) };
}

function number(value: unknown, name: string, min: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new ApiError(400, "bad_request", `'${name}' must be a number of at least ${min}`);
  }
  return value;
}

async function publish(
  target: InspectTarget,
  taps: BrokerTaps,
  node: string,
  output: string,
  body: unknown,
): Promise<Reply> {
  running(target);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(400, "bad_request", "The body must be a JSON object");
  }
  const b = body as Record<string, unknown>;
  const message = outgoing(b);
  const count = number(b.count, "count", 0);
  const rateHz = number(b.rate_hz, "rate_hz", 0) ?? 0;
  const durationMs = number(b.duration_ms, "duration_ms", 0);
  // A first message now: a wrong topic is an error before the stream starts.
  const send = () => taps.inject(target.uuid, node, output, message);
  try {
    send();
  } catch (err) {
    tapError(err);
  }
  const total = count === undefined ? (durationMs === undefined ? 1 : null) : Math.max(1, count);
  return await Promise.resolve({
    body: publishBody({ count: total, rateHz, durationMs, sent: 1 }, send),
    type: "application/x-ndjson",
  });
}

function params(
  target: InspectTarget,
  taps: BrokerTaps,
  method: string,
  nodeId: string,
  key: string | undefined,
  body: unknown,
): Reply {
  nodeOf(target, nodeId);
  const table = target.params;
  const mine = table[nodeId] ?? {};
  if (key === undefined) {
    if (method !== "GET") throw new ApiError(404, "no_route", `Unknown API request ${method}`);
    return { json: { node: nodeId, params: mine } };
  }
  const problem = keyProblem(key);
  if (problem) throw new ApiError(400, "bad_key", `Invalid parameter key: ${problem}`);
  const absent = () =>
    new ApiError(404, "param_not_found", `Node '${nodeId}' has no parameter '${key}'`, [
      Object.keys(mine).length
        ? `Its parameters: ${Object.keys(mine).join(", ")}`
        : "It has no parameters.",
    ]);
  if (method === "GET") {
    if (!(key in mine)) throw absent();
    return { json: { node: nodeId, key, value: mine[key] } };
  }
  if (method === "PUT") {
    const raw = (body as { value?: unknown } | null)?.value;
    const checked = valueJson(raw);
    if ("problem" in checked) throw new ApiError(400, "bad_value", checked.problem);
    const value = JSON.parse(checked.json) as JsonValue;
    table[nodeId] = { ...mine, [key]: value };
    target.saveParams();
    const delivered = target.status === "Running" &&
      taps.paramUpdate(target.uuid, nodeId, paramUpdateBody(key, value));
    return { json: { node: nodeId, key, value, delivered } };
  }
  if (method === "DELETE") {
    if (!(key in mine)) throw absent();
    const { [key]: _gone, ...rest } = mine;
    if (Object.keys(rest).length) table[nodeId] = rest;
    else delete table[nodeId];
    target.saveParams();
    const delivered = target.status === "Running" &&
      taps.paramUpdate(target.uuid, nodeId, paramUpdateBody(key, undefined));
    return { json: { node: nodeId, key, deleted: true, delivered } };
  }
  throw new ApiError(404, "no_route", `Unknown API request ${method}`);
}

/** The inspection routes of `host`. */
export function inspectHandler(host: InspectHost): Handler {
  return async ({ method, path, query, body }) => {
    const [, , ref, what, a, b, c] = path;
    const target = await host.find(ref!);
    if (what === "plane" && method === "GET" && path.length === 4) {
      return { json: planeInfo(target, host.taps) };
    }
    if (what === "tap" && method === "GET" && path.length === 4) {
      return tap(target, host.taps, query);
    }
    if (what === "topics" && c === "publish" && method === "POST" && path.length === 7) {
      return await publish(target, host.taps, a!, b!, await body());
    }
    if (what === "params" && a !== undefined && path.length <= 6) {
      const payload = method === "PUT" ? await body() : undefined;
      return params(target, host.taps, method, a, b, payload);
    }
    throw new ApiError(404, "no_route", `Unknown API request ${method} /${path.join("/")}`);
  };
}
