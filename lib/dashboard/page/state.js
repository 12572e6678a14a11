// @ts-check
/**
 * The dashboard's state: what the page knows, given what the daemon sent and what the user
 * did. Pure (no DOM, no fetch, no clock): `update(state, event)` returns the next state; it keeps
 * the last `HISTORY` samples of every counter and metric, from which view.js computes rates and
 * plots. app.js feeds it events; view.test.ts tests it without a browser.
 */

/** dora's log levels, most verbose first; `stdout` (the default filter) passes everything. */
export const LEVELS = ["stdout", "trace", "debug", "info", "warn", "error"];
/** Samples kept per time series (2 minutes at one a second). */
export const HISTORY = 120;
/** Log records kept for the shown dataflow. */
export const MAX_LOGS = 1000;
/** Samples a rate is measured over. */
export const RATE_WINDOW = 3;

/**
 * @typedef {{ received: number, dropped: number, queue_size: number }} InputInfo
 * @typedef {{ id: string, status: string, pid: number | null, restarts: number,
 *   exit_code: number | null, signal: string | null, started_at: string | null,
 *   ended_at: string | null, cpu_percent: number | null, memory_bytes: number | null,
 *   reason: string | null, inputs: Record<string, InputInfo> }} NodeInfo
 * @typedef {{ uuid: string, name: string, status: string, file: string, started_at: string,
 *   ended_at: string | null, cpu_percent: number | null, memory_bytes: number | null,
 *   nodes: NodeInfo[] }} DataflowInfo
 * @typedef {{ time: number, dataflows: DataflowInfo[], graphs: Record<string, string> }} Snapshot
 * @typedef {{ time: number, node: string, stream: string, level?: string, text: string }} LogRecord
 * @typedef {{ times: number[], received: Record<string, number[]>, dropped: Record<string, number[]>,
 *   cpu: Record<string, (number | null)[]>, memory: Record<string, (number | null)[]> }} History
 * @typedef {{ kind: "stop" | "restart", uuid: string, node?: string }} Action
 * @typedef {{ connected: boolean, problem: string | null, time: number, dataflows: DataflowInfo[],
 *   graphKeys: Record<string, string>, selected: string | null, history: Record<string, History>,
 *   logs: LogRecord[], skippedLogs: number, filter: { node: string, level: string },
 *   confirm: Action | null, busy: boolean, notice: { ok: boolean, text: string } | null }} State
 * @typedef {{ type: "connected" } | { type: "disconnected", problem?: string }
 *   | { type: "snapshot", snapshot: Snapshot }
 *   | { type: "logs", dataflow: string | null, records: LogRecord[], skipped?: number }
 *   | { type: "select", uuid: string } | { type: "filter", node?: string, level?: string }
 *   | { type: "ask", action: Action } | { type: "cancel" } | { type: "sent" }
 *   | { type: "done", ok: boolean, text: string, select?: string }} Event
 */

/** @returns {State} */
export function initialState() {
  return {
    connected: false,
    problem: null,
    time: 0,
    dataflows: [],
    graphKeys: {},
    selected: null,
    history: {},
    logs: [],
    skippedLogs: 0,
    filter: { node: "", level: "stdout" },
    confirm: null,
    busy: false,
    notice: null,
  };
}

const ACTIVE = new Set(["Running", "Stopping"]);

/**
 * @template T
 * @param {T[] | undefined} list
 * @param {T} value
 * @returns {T[]}
 */
function pushBounded(list, value) {
  const next = [...(list ?? []), value];
  return next.length > HISTORY ? next.slice(next.length - HISTORY) : next;
}

/**
 * @param {History | undefined} before
 * @param {DataflowInfo} dataflow
 * @param {number} time
 * @returns {History}
 */
function extend(before, dataflow, time) {
  const h = before ?? { times: [], received: {}, dropped: {}, cpu: {}, memory: {} };
  /** @type {History} */
  const next = {
    times: pushBounded(h.times, time),
    received: {},
    dropped: {},
    cpu: {},
    memory: {},
  };
  for (const node of dataflow.nodes) {
    next.cpu[node.id] = pushBounded(h.cpu[node.id], node.cpu_percent);
    next.memory[node.id] = pushBounded(h.memory[node.id], node.memory_bytes);
    for (const [input, counters] of Object.entries(node.inputs)) {
      const key = `${node.id}/${input}`;
      next.received[key] = pushBounded(h.received[key], counters.received);
      next.dropped[key] = pushBounded(h.dropped[key], counters.dropped);
    }
  }
  return next;
}

/**
 * The dataflow to show when `current` is gone or unset: the first running one, else the first.
 * @param {DataflowInfo[]} dataflows
 * @param {string | null} current
 */
function pick(dataflows, current) {
  if (current && dataflows.some((d) => d.uuid === current)) return current;
  return (dataflows.find((d) => ACTIVE.has(d.status)) ?? dataflows[0])?.uuid ?? null;
}

/**
 * The next state.
 * @param {State} state
 * @param {Event} event
 * @returns {State}
 */
export function update(state, event) {
  switch (event.type) {
    case "connected":
      return { ...state, connected: true, problem: null };
    case "disconnected":
      return { ...state, connected: false, problem: event.problem ?? null };
    case "snapshot": {
      const { time, dataflows, graphs } = event.snapshot;
      /** @type {Record<string, History>} */
      const history = {};
      for (const d of dataflows) history[d.uuid] = extend(state.history[d.uuid], d, time);
      const selected = pick(dataflows, state.selected);
      const moved = selected !== state.selected;
      return {
        ...state,
        time,
        dataflows,
        graphKeys: graphs,
        history,
        selected,
        logs: moved ? [] : state.logs,
        skippedLogs: moved ? 0 : state.skippedLogs,
      };
    }
    case "logs": {
      if (event.dataflow !== state.selected) return state;
      const logs = [...state.logs, ...event.records];
      return {
        ...state,
        logs: logs.length > MAX_LOGS ? logs.slice(logs.length - MAX_LOGS) : logs,
        skippedLogs: state.skippedLogs + (event.skipped ?? 0) +
          Math.max(0, logs.length - MAX_LOGS),
      };
    }
    case "select":
      if (event.uuid === state.selected) return state;
      return {
        ...state,
        selected: event.uuid,
        logs: [],
        skippedLogs: 0,
        filter: { ...state.filter, node: "" },
      };
    case "filter":
      return {
        ...state,
        filter: {
          node: event.node ?? state.filter.node,
          level: event.level !== undefined && LEVELS.includes(event.level)
            ? event.level
            : state.filter.level,
        },
      };
    case "ask":
      return state.busy ? state : { ...state, confirm: event.action, notice: null };
    case "cancel":
      return { ...state, confirm: null };
    case "sent":
      return { ...state, confirm: null, busy: true, notice: null };
    case "done": {
      const next = { ...state, busy: false, notice: { ok: event.ok, text: event.text } };
      return event.select ? update(next, { type: "select", uuid: event.select }) : next;
    }
  }
}
