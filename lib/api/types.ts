/**
 * The control API's JSON shapes (HTTP+JSON on 127.0.0.1, documented in docs/api.md). Shared by
 * the daemon (lib/daemon) and the client (lib/client); field names are snake_case because they
 * are also the stable `--json` output of the CLI.
 */
import type { Dataflow } from "../descriptor/types.ts";

/** The statuses the API reports are the runtime's own. */
export type { DataflowStatus, NodeStatus } from "../runtime/types.ts";
import type { DataflowStatus, NodeStatus } from "../runtime/types.ts";

/** Per-input counters of a node. */
export interface InputInfo {
  received: number;
  dropped: number;
  queue_size: number;
}

/** One node as listed. Never contains environment values. */
export interface NodeInfo {
  id: string;
  status: NodeStatus;
  pid: number | null;
  restarts: number;
  exit_code: number | null;
  signal: string | null;
  started_at: string | null;
  ended_at: string | null;
  cpu_percent: number | null;
  memory_bytes: number | null;
  /** Why the node failed to start or was marked lost, when known. */
  reason: string | null;
  inputs: Record<string, InputInfo>;
  /** ISO time of the next restart attempt, when one is scheduled. */
  next_restart_at?: string | null;
  /** The node's limits and how they are enforced, e.g. "memory 4G, cpu 2.0 — cgroup v1". */
  limits?: string | null;
}

/** One dataflow as listed. */
export interface DataflowInfo {
  uuid: string;
  /** A short, unique handle (a tail of the UUID) accepted wherever the UUID is. */
  short_id: string;
  name: string;
  status: DataflowStatus;
  file: string;
  started_at: string;
  ended_at: string | null;
  cpu_percent: number | null;
  memory_bytes: number | null;
  hot_reload: boolean;
  nodes: NodeInfo[];
}

/** `GET /v1/status`. */
export interface StatusResponse {
  service: "dora-daemon";
  version: string;
  pid: number;
  port: number;
  started_at: string;
}

/** `POST /v1/dataflows`. */
export interface StartRequest {
  /** Resolved on the client: absolute paths, env expanded. */
  dataflow: Dataflow;
  name?: string;
  /** `--env K=V` values, applied over each node's own env. */
  env: Record<string, string>;
  /** The client's environment, the base for node processes (like a shell would give them). */
  base_env: Record<string, string>;
  restart_policy?: string;
  hot_reload?: boolean;
  watch?: string[];
  cpu_limit?: number;
  memory_limit?: number;
  /**
   * Runtime parameters by node and key (`dora param`): kept with the dataflow, so a restart
   * of it starts with them.
   */
  params?: Record<string, Record<string, unknown>>;
}

/** Reply to a start. */
export interface StartResponse {
  uuid: string;
  short_id: string;
  name: string;
  /**
   * Nodes that could not be spawned, or that died within the start check
   * (`DORA_START_CHECK_MS`), with the reason.
   */
  failed_nodes: { id: string; reason: string }[];
  /** Warnings about the dataflow as a whole (e.g. limits not enforceable). */
  warnings: string[];
  /** Whether hot reload is on (the request's, else the daemon's `DORA_HOT_RELOAD`). */
  hot_reload: boolean;
}

/** `POST /v1/dataflows/{ref}/stop`. Unset fields fall back to the daemon's environment. */
export interface StopRequest {
  force?: boolean;
  grace_ms?: number;
}

/** `POST /v1/save`. */
export interface SaveRequest {
  /** Replace a non-empty saved list with an empty one. */
  force?: boolean;
}

/** Reply to a save. */
export interface SaveResponse {
  path: string;
  saved: { name: string; file: string }[];
}

/** What `POST /v1/resurrect` did with one saved dataflow. */
export interface ResurrectResult {
  name: string;
  file: string;
  /** `started` now, `running` already (by name), or `failed` (see `error`). */
  status: "started" | "running" | "failed";
  uuid?: string;
  error?: string;
  failed_nodes?: { id: string; reason: string }[];
}

/** Reply to a resurrect. */
export interface ResurrectResponse {
  path: string;
  saved_at: string | null;
  results: ResurrectResult[];
}

/** Events streamed (NDJSON) while a dataflow stops. */
export type StopStreamEvent =
  | { type: "stopping"; uuid: string; name: string }
  /** `elapsed_ms`: from the stop request until the node's processes were gone. */
  | { type: "node-stopped"; uuid: string; node: string; killed: boolean; elapsed_ms?: number }
  /** The node still runs `waited_ms` after the polite stop; SIGKILL comes at `timeout_ms`. */
  | {
    type: "not-responding";
    uuid: string;
    node: string;
    timeout_ms: number;
    waited_ms?: number;
  }
  | { type: "force-stopping"; uuid: string; node: string }
  | { type: "stopped"; uuid: string; name: string; status: DataflowStatus }
  | { type: "error"; message: string };

/** An error reply: HTTP status 4xx/5xx with this body. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: string[];
}

/** Header carrying the token: `Authorization: Bearer <token>`. */
export const VERSION_HEADER = "x-dora-version";
