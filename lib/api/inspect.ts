/**
 * The inspection API's JSON shapes (docs/api.md, "Inspecting a dataflow"): the `plane`
 * document, parameters and tap events. Shared by the hosts (lib/taps, lib/dataplane) and the
 * CLI; snake_case because they are also what `--json` prints.
 */

/** Per input of a node, as the data plane sees it now. */
export interface PlaneInput {
  /** The source as written in the YAML (`camera/image`, `dora/timer/millis/50`). */
  source: string;
  received: number;
  dropped: number;
  /** Messages waiting in its queue. */
  queued: number;
  queue_size: number;
}

/** One node, as the data plane sees it now. */
export interface PlaneNode {
  id: string;
  /** It holds a data-plane connection. */
  connected: boolean;
  /** Per output: messages routed on it since the plane started. */
  outputs: Record<string, { messages: number }>;
  inputs: Record<string, PlaneInput>;
}

/** The data plane's state. */
export interface PlaneSnapshot {
  /** The startup barrier has passed: inputs and timers flow. */
  started: boolean;
  nodes: PlaneNode[];
}

/** One output in the `plane` document. */
export interface TopicInfo {
  topic: string;
  node: string;
  output: string;
  messages: number;
  /** `node/input` of every input it feeds. */
  subscribers: string[];
  /** Messages its subscribers' queues dropped. */
  dropped: number;
}

/** `GET /v1/dataflows/{ref}/plane`. */
export interface PlaneInfo extends PlaneSnapshot {
  uuid: string;
  name: string;
  status: string;
  /** Open taps. */
  taps: number;
  topics: TopicInfo[];
}

/** `GET /v1/dataflows/{ref}/params/{node}`. */
export interface NodeParams {
  node: string;
  params: Record<string, unknown>;
}
