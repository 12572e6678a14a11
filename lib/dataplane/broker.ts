/**
 * Message routing for one dataflow: who feeds whom, per-node event queues (drop-oldest or
 * backpressure), the startup barrier, closing inputs when nodes exit, input timeouts and their
 * recovery, `dora/logs` subscriptions, STOP, timers, when each node last spoke, and reference
 * counts of shared-memory payloads. Connections are attached by the server once a node's HELLO
 * checks out; everything here runs on the daemon's event loop, without locks.
 *
 * A node whose data inputs (from nodes, or `dora/logs`) have all closed gets STOP, unless it
 * also has timer inputs: those keep it running, as in dora, except with
 * `exit_when_nodes_finish`. A `dora/logs` input closes once every node it listens to has
 * finished. An input with `input_timeout` that gets no message for that long receives
 * INPUT_CLOSED but stays open: its next message comes after INPUT_RECOVERED.
 */
import type { LogLevel, NodeSpec } from "../descriptor/types.ts";
import type { PlaneListener } from "../runtime/plane.ts";
import type { FrameConn } from "../../node/ts/conn.ts";
import {
  decodeShort,
  encodeMessage,
  FLAG_SHM,
  Frame,
  nowNs,
  splitIdentified,
  type StopCause,
} from "../../node/ts/frames.ts";
import { Kind } from "../../node/ts/values.ts";
import { EventQueue, type InputCounters } from "./queue.ts";
import {
  BACKPRESSURE_FACTOR,
  laneCapacity,
  type LogRoute,
  logWanted,
  type NodeState,
  type Route,
  takesPart,
  timeoutCheckMs,
} from "./routes.ts";
import { GridTimer } from "./timers.ts";
import type { SharedFiles } from "./shared_files.ts";
import type { PlaneHook, PlaneSnapshot } from "./hook.ts";
import { OutputCounts, planeSnapshot } from "./counters.ts";

const encoder = new TextEncoder();
const NULL_JSON = encoder.encode("null");
const NO_PARAMS = new Uint8Array(0);
/**
 * After a node's process exits, how long its connection may take to deliver the frames it
 * wrote before dying (normally the end of the stream arrives at once; longer only when a
 * surviving child process holds the socket open).
 */
const EXIT_DRAIN_MS = 1000;
/** ERROR events waiting for one node beyond this are not queued (a misbehaving client). */
const MAX_PENDING_ERRORS = 16;
/** What the broker reports to its owner. */
export interface BrokerHooks {
  onWarning(nodeId: string | undefined, message: string): void;
  /** A node asked to stop the whole dataflow (an operator returned STOP_ALL). */
  onStopRequest?(nodeId: string): void;
}

/** How the broker behaves (see the module comment). */
export interface BrokerOptions {
  startupTimeoutMs: number;
  checkIntervalMs?: number;
  exitWhenNodesFinish?: boolean;
}

/** Routing state of one dataflow. */
export class Broker {
  readonly nodes = new Map<string, NodeState>();
  readonly files: SharedFiles;
  /** Source node → output → the inputs it feeds. */
  #routes = new Map<string, Map<string, Route[]>>();
  #timers = new Map<number, Route[]>();
  #running: GridTimer[] = [];
  #waitingFor = new Set<string>();
  #started = false;
  #stopping = false;
  #closed = false;
  #barrierTimer: ReturnType<typeof setTimeout> | undefined;
  #checkTimer: ReturnType<typeof setInterval> | undefined;
  #hooks: BrokerHooks;
  #options: BrokerOptions;
  #logRoutes: LogRoute[] = [];
  #timed: Route[] = [];
  #listeners: PlaneListener[] = [];
  /** Messages routed per output. */
  #sent = new OutputCounts();
  /** Nodes spawned at least once: a spawn after that is a restart (NODE_RESTARTED). */
  #spawnedBefore = new Set<string>();
  /** Taps (lib/taps): told of each routed message while `tap.active`. */
  tap: PlaneHook | undefined;

  constructor(
    specs: NodeSpec[],
    tokens: Map<string, string>,
    files: SharedFiles,
    hooks: BrokerHooks,
    options: BrokerOptions,
  ) {
    this.#hooks = hooks;
    this.#options = options;
    this.files = files;
    for (const spec of specs) {
      const outputs = new Set(spec.outputs);
      if (spec.sendStdoutAs) outputs.add(spec.sendStdoutAs);
      if (spec.logs?.sendLogsAs) outputs.add(spec.logs.sendLogsAs);
      const lanes = Object.entries(spec.inputs).map((
        [id, i],
      ): [string, number, number] => [id, i.queueSize, laneCapacity(i)]);
      this.nodes.set(spec.id, {
        spec,
        token: tokens.get(spec.id)!,
        conn: null,
        connectedOnce: false,
        finished: false,
        queue: new EventQueue(lanes),
        openInputs: new Set(),
        ready: false,
        welcomed: false,
        stopQueued: false,
        pendingErrors: 0,
        outputs,
        lastActivity: Date.now(),
        hasTimers: Object.values(spec.inputs).some((i) => i.source.kind === "timer"),
      });
      if (takesPart(spec)) this.#waitingFor.add(spec.id);
    }
    for (const node of this.nodes.values()) {
      for (const [inputId, input] of Object.entries(node.spec.inputs)) {
        const route: Route = { node, input: inputId, idBytes: encoder.encode(inputId) };
        if (input.timeoutMs !== undefined) {
          route.timeoutMs = input.timeoutMs;
          this.#timed.push(route);
        }
        if (input.queuePolicy === "backpressure") route.backpressure = true;
        if (input.source.kind === "logs") {
          node.openInputs.add(inputId);
          this.#logRoutes.push({
            route,
            minLevel: input.source.minLevel,
            source: input.source.node,
          });
        } else if (input.source.kind === "timer") {
          const list = this.#timers.get(input.source.intervalMs) ?? [];
          list.push(route);
          this.#timers.set(input.source.intervalMs, list);
        } else if (input.source.kind === "node") {
          node.openInputs.add(inputId);
          const { node: source, output } = input.source;
          let outputs = this.#routes.get(source);
          if (!outputs) this.#routes.set(source, outputs = new Map());
          const list = outputs.get(output) ?? [];
          list.push(route);
          outputs.set(output, list);
        }
      }
    }
    if (this.#waitingFor.size === 0) this.#start();
    else {
      this.#barrierTimer = setTimeout(() => this.#barrierTimeout(), options.startupTimeoutMs);
    }
    if (this.#timed.length > 0) {
      const every = timeoutCheckMs(this.#timed.map((r) => r.timeoutMs!), options.checkIntervalMs);
      this.#checkTimer = setInterval(() => this.#checkTimeouts(), every);
    }
  }

  /** Tells `listener` when a node gets STOP because its inputs closed, and node warnings. */
  watch(listener: PlaneListener): void {
    this.#listeners.push(listener);
  }

  /** A warning about one node: to the runtime's listeners, else to the owner's hook. */
  #nodeWarning(nodeId: string, message: string): void {
    if (this.#listeners.length === 0) this.#hooks.onWarning(nodeId, message);
    for (const listener of this.#listeners) listener.nodeWarning(nodeId, message);
  }

  /** Whether some input listens to `dora/logs`. */
  get wantsLogs(): boolean {
    return this.#logRoutes.length > 0;
  }

  /** Whether inputs and timers are flowing (the startup barrier has passed). */
  get started(): boolean {
    return this.#started;
  }

  #barrierTimeout(): void {
    this.#barrierTimer = undefined;
    if (this.#started) return;
    for (const id of this.#waitingFor) {
      this.#hooks.onWarning(
        id,
        `node '${id}' has not connected to the data plane in time; starting the other nodes ` +
          `without it (it still gets its inputs if it connects later)`,
      );
    }
    this.#start();
  }

  #start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    if (this.#barrierTimer !== undefined) clearTimeout(this.#barrierTimer);
    this.#barrierTimer = undefined;
    for (const node of this.nodes.values()) if (node.conn) this.#welcome(node);
    if (this.#stopping) return;
    for (const [interval, routes] of this.#timers) {
      this.#running.push(new GridTimer(interval, () => this.#tick(routes)));
    }
  }

  #tick(routes: Route[]): void {
    const message = encodeMessage(Kind.JSON, nowNs(), NO_PARAMS, NULL_JSON);
    for (const route of routes) this.#enqueueInput(route, message, undefined);
  }

  /** A node's HELLO checked out: attach its connection. Returns a refusal reason, if any. */
  attach(node: NodeState, conn: FrameConn): string | undefined {
    if (node.conn && !node.conn.closed) return `node '${node.spec.id}' is already connected`;
    if (node.finished) return `node '${node.spec.id}' has already finished`;
    node.conn = conn;
    node.connectedOnce = true;
    node.ready = false;
    node.welcomed = false;
    node.lastActivity = Date.now();
    // Once stopping, nobody waits for the barrier any more: in, STOP, out.
    if (this.#started || this.#stopping) this.#welcome(node);
    if (!this.#started) {
      this.#waitingFor.delete(node.spec.id);
      if (this.#waitingFor.size === 0) this.#start();
    }
    return undefined;
  }

  #welcome(node: NodeState): void {
    const conn = node.conn;
    if (!conn || node.welcomed) return;
    node.welcomed = true;
    const prefix = this.files.registerConnection(node.spec.id, conn);
    conn.batch.text(Frame.WELCOME, JSON.stringify({ shm_prefix: prefix }));
    if (this.#stopping) this.#queueStop(node, "MANUAL");
    else if (this.#inputsDone(node)) this.#stopForClosedInputs(node);
    conn.flush();
    this.#deliver(node);
  }

  /** Whether the node has data inputs (from nodes or logs) and all of them have closed. */
  #inputsDone(node: NodeState): boolean {
    const hasData = Object.values(node.spec.inputs).some((i) => i.source.kind !== "timer");
    return hasData && node.openInputs.size === 0;
  }

  /** STOP for a node whose data inputs closed, unless its timers keep it (see above). */
  #stopForClosedInputs(node: NodeState): void {
    if (node.hasTimers && !this.#options.exitWhenNodesFinish) return;
    if (node.stopQueued || node.finished) return;
    this.#queueStop(node, "ALL_INPUTS_CLOSED");
    for (const listener of this.#listeners) listener.inputsClosed(node.spec.id);
  }

  /** See `DataPlane.inputsDone`. */
  inputsDone(nodeId: string): boolean {
    const node = this.nodes.get(nodeId);
    return node !== undefined && this.#inputsDone(node);
  }

  /** See `DataPlane.lastActivity`. */
  lastActivity(nodeId: string): number | undefined {
    const node = this.nodes.get(nodeId);
    if (!node?.conn || node.conn.closed || !node.welcomed) return undefined;
    // Waiting for events we have not got: the node is not the one that is silent.
    return node.ready ? Date.now() : node.lastActivity;
  }

  /** A frame from an attached node. Returns an error message to close the connection with. */
  onFrame(node: NodeState, conn: FrameConn, type: number, body: Uint8Array): string | undefined {
    if (node.conn !== conn) return "connection replaced";
    node.lastActivity = Date.now();
    switch (type) {
      case Frame.READY:
        node.ready = true;
        this.#deliver(node);
        return undefined;
      case Frame.POLL:
        // Answered at once: the events waiting now (if any), then POLLED. No READY remains.
        if (!node.welcomed) return "POLL before WELCOME";
        node.ready = true;
        this.#deliver(node);
        node.ready = false;
        conn.batch.empty(Frame.POLLED);
        conn.flush();
        return undefined;
      case Frame.STOP_ALL:
        this.#hooks.onStopRequest?.(node.spec.id);
        return undefined;
      case Frame.OUTPUT:
        return this.#onOutput(node, body);
      case Frame.RELEASE:
        this.files.release(decodeShort(body), conn);
        return undefined;
      default:
        return `unexpected frame type 0x${type.toString(16)}`;
    }
  }

  #onOutput(node: NodeState, body: Uint8Array): string | undefined {
    const { id, message } = splitIdentified(body);
    let shm: string | undefined;
    if (message[1]! & FLAG_SHM) {
      shm = this.files.claim(node.conn!, message);
      if (shm === undefined) return "output refers to a shared-memory file it does not own";
    }
    if (!node.outputs.has(id)) {
      const declared = [...node.outputs].join(", ") || "none";
      const text = `output '${id}' is not declared for node '${node.spec.id}' (declared: ` +
        `${declared}); the message was dropped`;
      this.#hooks.onWarning(node.spec.id, text);
      this.#queueError(node, text);
      if (shm) this.files.unclaimed(shm);
      return undefined;
    }
    this.route(node.spec.id, id, message.slice(), shm);
    return undefined;
  }

  /** Fans a message out to every input mapped to `nodeId/output`. */
  route(nodeId: string, output: string, message: Uint8Array, shm: string | undefined): void {
    const routes = this.#routes.get(nodeId)?.get(output);
    if (routes) { for (const route of routes) this.#enqueueInput(route, message, shm); }
    this.#sent.count(nodeId, output);
    // After the fan-out (consumers first) and before the file may be freed.
    if (this.tap?.active) this.tap.published(nodeId, output, message, shm);
    if (shm) this.files.unclaimed(shm);
  }

  /** A log record of `nodeId` (JSON `LogMessage`) to the `dora/logs` inputs that want it. */
  routeLog(nodeId: string, level: LogLevel, message: Uint8Array): void {
    for (const logs of this.#logRoutes) {
      if (logWanted(logs, nodeId, level)) this.#enqueueInput(logs.route, message, undefined);
    }
  }

  #enqueueInput(route: Route, message: Uint8Array, shm: string | undefined): void {
    const node = route.node;
    if (node.finished || node.stopQueued || this.#closed) return;
    if (route.timeoutMs !== undefined) {
      route.last = Date.now();
      if (route.broken) {
        route.broken = false;
        node.queue.push({ type: Frame.INPUT_RECOVERED, input: route.input });
      }
    }
    if (shm) this.files.retain(shm);
    const dropped = node.queue.push({
      type: Frame.INPUT,
      input: route.input,
      idBytes: route.idBytes,
      message,
      shm,
    });
    if (dropped?.shm) this.files.release(dropped.shm);
    if (dropped && route.backpressure && !route.warnedDrop) {
      route.warnedDrop = true;
      const cap = node.queue.lane(route.input)!.queueSize * BACKPRESSURE_FACTOR;
      this.#nodeWarning(
        node.spec.id,
        `input '${route.input}' of node '${node.spec.id}' is full (backpressure holds ${cap} ` +
          "messages): dropping its oldest messages",
      );
    }
    if (node.ready) this.#deliver(node);
  }

  /** Closes (until their next message) the inputs whose `input_timeout` has passed. */
  #checkTimeouts(): void {
    const now = Date.now();
    for (const route of this.#timed) {
      const node = route.node;
      if (route.broken || route.last === undefined || node.finished || node.stopQueued) continue;
      if (!node.openInputs.has(route.input) && this.#isDataInput(route)) continue;
      if (now - route.last <= route.timeoutMs!) continue;
      route.broken = true;
      node.queue.push({ type: Frame.INPUT_CLOSED, input: route.input });
      this.#nodeWarning(
        node.spec.id,
        `input '${route.input}' of node '${node.spec.id}' got no message for ` +
          `${route.timeoutMs! / 1000}s (input_timeout): sent INPUT_CLOSED; its next message ` +
          "recovers it",
      );
      this.#deliver(node);
    }
  }

  #isDataInput(route: Route): boolean {
    return route.node.spec.inputs[route.input]?.source.kind !== "timer";
  }

  #queueError(node: NodeState, text: string): void {
    if (node.pendingErrors >= MAX_PENDING_ERRORS) return;
    node.pendingErrors++;
    node.queue.push({ type: Frame.ERROR, text });
    this.#deliver(node);
  }

  #queueStop(node: NodeState, cause: StopCause): void {
    if (node.stopQueued || node.finished) return;
    node.stopQueued = true;
    node.queue.push({ type: Frame.STOP, text: cause });
    this.#deliver(node);
  }

  /** Sends every waiting event if the node asked for events and may have them. */
  #deliver(node: NodeState): boolean {
    const conn = node.conn;
    if (!node.ready || !conn || !node.welcomed || node.queue.length === 0) return false;
    node.ready = false;
    const batch = conn.batch;
    for (const entry of node.queue.takeAll()) {
      switch (entry.type) {
        case Frame.INPUT:
          batch.forward(Frame.INPUT, entry.idBytes!, entry.message!);
          if (entry.shm) this.files.delivered(entry.shm, conn);
          break;
        case Frame.ERROR:
          node.pendingErrors--;
          batch.text(Frame.ERROR, entry.text!);
          break;
        case Frame.INPUT_CLOSED:
        case Frame.INPUT_RECOVERED:
          batch.text(entry.type, entry.input!);
          break;
        case Frame.STOP:
          batch.text(Frame.STOP, entry.text ?? "");
          break;
        default:
          // The events of lib/taps (NODE_RESTARTED, PARAM_UPDATE) carry a body.
          if (entry.text !== undefined) batch.text(entry.type, entry.text);
          else batch.empty(entry.type);
      }
    }
    conn.flush();
    return true;
  }

  /** The connection of `node` ended (it may reconnect after a restart). */
  detach(node: NodeState, conn: FrameConn): void {
    if (node.conn !== conn) return;
    node.conn = null;
    node.ready = false;
    node.welcomed = false;
    this.files.connectionClosed(conn);
    conn.close();
    if (node.exiting) {
      clearTimeout(node.exiting.timer);
      const { willRestart } = node.exiting;
      node.exiting = undefined;
      this.#finishExit(node, willRestart);
    }
    // Otherwise (a node started by hand disconnecting) it may come back: keep its queue.
  }

  /** A process of the node was (re)spawned: a stale connection is dropped. */
  spawned(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    if (node.conn) this.detach(node, node.conn);
    // Spawned again after a final exit (the runtime changed its mind): let it connect. Inputs it
    // closed stay closed for its consumers; messages still reach those that are running.
    node.finished = false;
    if (!this.#stopping) {
      node.stopQueued = false;
      node.queue.removeType(Frame.STOP);
    }
    if (this.#spawnedBefore.has(nodeId)) this.#tellRestarted(nodeId);
    else this.#spawnedBefore.add(nodeId);
  }

  /** NODE_RESTARTED to every node an output of `nodeId` feeds (once each), as dora does. */
  #tellRestarted(nodeId: string): void {
    const consumers = new Set<NodeState>();
    for (const routes of this.#routes.get(nodeId)?.values() ?? []) {
      for (const route of routes) consumers.add(route.node);
    }
    for (const consumer of consumers) {
      if (consumer.finished || consumer.stopQueued || consumer.spec.id === nodeId) continue;
      consumer.queue.push({ type: Frame.NODE_RESTARTED, text: nodeId });
      this.#deliver(consumer);
    }
  }

  /** Queues a PARAM_UPDATE (`body`: its JSON) for a node; whether it is connected. */
  paramUpdate(nodeId: string, body: string): boolean {
    const node = this.nodes.get(nodeId);
    if (!node || node.finished) return false;
    node.queue.push({ type: Frame.PARAM_UPDATE, text: body });
    this.#deliver(node);
    return node.conn !== null && !node.conn.closed;
  }

  /** The node's process ended; unless it restarts, its consumers' inputs close. */
  exited(nodeId: string, willRestart: boolean): void {
    const node = this.nodes.get(nodeId);
    if (!node || node.finished || node.exiting) return;
    const conn = node.conn;
    if (conn && !conn.closed) {
      // What the process wrote just before exiting may still be unread in the socket: deliver
      // it first, then close the inputs it fed (at the end of its stream).
      const timer = setTimeout(() => this.detach(node, conn), EXIT_DRAIN_MS);
      node.exiting = { willRestart, timer };
      return;
    }
    if (conn) this.detach(node, conn);
    this.#finishExit(node, willRestart);
  }

  #finishExit(node: NodeState, willRestart: boolean): void {
    if (willRestart || node.finished) return;
    const nodeId = node.spec.id;
    node.finished = true;
    for (const entry of node.queue.clear()) if (entry.shm) this.files.release(entry.shm);
    if (!this.#started && this.#waitingFor.delete(nodeId) && this.#waitingFor.size === 0) {
      this.#start();
    }
    for (const output of node.outputs) {
      for (const route of this.#routes.get(nodeId)?.get(output) ?? []) this.#closeInput(route);
    }
    // Log inputs close once every node they listen to has finished.
    for (const logs of this.#logRoutes) {
      const subscriber = logs.route.node;
      const sources = logs.source !== undefined
        ? [this.nodes.get(logs.source)]
        : [...this.nodes.values()].filter((n) => n !== subscriber);
      if (sources.every((n) => !n || n.finished)) this.#closeInput(logs.route);
    }
  }

  #closeInput(route: Route): void {
    const node = route.node;
    if (node.finished || !node.openInputs.delete(route.input)) return;
    // An input its timeout already closed was told so.
    if (!node.stopQueued && !route.broken) {
      node.queue.push({ type: Frame.INPUT_CLOSED, input: route.input });
    }
    route.broken = false;
    if (this.#inputsDone(node)) this.#stopForClosedInputs(node);
    this.#deliver(node);
  }

  /** STOP to every node; returns the connected ones (those that will see it). */
  stopAll(): Set<string> {
    this.#stopping = true;
    for (const timer of this.#running.splice(0)) timer.stop();
    const reached = new Set<string>();
    for (const node of this.nodes.values()) {
      if (!node.conn || node.finished) continue;
      if (node.welcomed) this.#queueStop(node, "MANUAL");
      // Not yet welcomed (barrier pending): STOP follows the WELCOME, sent right away.
      else this.#welcome(node);
      reached.add(node.spec.id);
    }
    return reached;
  }

  /** STOP to one node (restarted or stopped alone); whether it is connected to see it. */
  stopNode(nodeId: string): boolean {
    const node = this.nodes.get(nodeId);
    if (!node?.conn || node.finished) return false;
    // Not yet welcomed (barrier pending): the STOP waits in its queue for the WELCOME.
    this.#queueStop(node, "MANUAL");
    return true;
  }

  /** Per node, per input counters. */
  stats(): Record<string, Record<string, InputCounters>> {
    const out: Record<string, Record<string, InputCounters>> = {};
    for (const [id, node] of this.nodes) out[id] = node.queue.counters();
    return out;
  }

  /** Connections, per-output and per-input counters now (for `dora topic list`, `top`...). */
  snapshot(): PlaneSnapshot {
    return planeSnapshot(this.nodes, this.#sent, this.#started);
  }

  /** Stops timers and the barrier; connections are closed by the server. */
  close(): void {
    this.#closed = true;
    for (const node of this.nodes.values()) if (node.exiting) clearTimeout(node.exiting.timer);
    for (const timer of this.#running.splice(0)) timer.stop();
    if (this.#checkTimer !== undefined) clearInterval(this.#checkTimer);
    this.#checkTimer = undefined;
    if (this.#barrierTimer !== undefined) clearTimeout(this.#barrierTimer);
    this.#barrierTimer = undefined;
  }
}

export { takesPart };
export type { NodeState };
