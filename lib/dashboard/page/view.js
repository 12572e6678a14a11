// @ts-check
/**
 * The dashboard's view: what the page shows, given its state (state.js). Pure functions from a
 * state to rows, labels and questions; app.js draws their answers, view.test.ts tests them
 * without a browser. Rates are computed here, from the per-input counters of successive
 * snapshots (`received`, `dropped`), over the last `RATE_WINDOW` samples.
 */
import { formatBytes, formatClock, formatPercent, formatRate, formatUptime } from "./format.js";
import { LEVELS, RATE_WINDOW } from "./state.js";

/**
 * @typedef {import("./state.js").State} State
 * @typedef {import("./state.js").NodeInfo} NodeInfo
 * @typedef {import("./state.js").DataflowInfo} DataflowInfo
 * @typedef {import("./state.js").LogRecord} LogRecord
 * @typedef {import("./state.js").Action} Action
 */

/**
 * @param {State} state
 * @returns {DataflowInfo | null}
 */
export function selectedDataflow(state) {
  return state.dataflows.find((d) => d.uuid === state.selected) ?? null;
}

/**
 * A status as a CSS class: running, failed, waiting (pending, restarting, stopping), ended.
 * @param {string} status
 */
export function statusClass(status) {
  if (status === "Running") return "running";
  if (status === "Failed" || status === "Unknown") return "failed";
  if (status === "Pending" || status === "Restarting" || status === "Stopping") return "waiting";
  return "ended";
}

/** @param {State} state */
export function dataflowItems(state) {
  return state.dataflows.map((d) => ({
    uuid: d.uuid,
    name: d.name,
    status: d.status,
    statusClass: statusClass(d.status),
    nodes: `${d.nodes.filter((n) => n.status === "Running").length}/${d.nodes.length}`,
    selected: d.uuid === state.selected,
  }));
}

/**
 * Messages per second over the last samples of `series`; null without two samples.
 * @param {number[]} times ms
 * @param {number[] | undefined} series
 */
export function rateOf(times, series) {
  if (!series || series.length < 2) return null;
  const last = series.length - 1;
  const first = Math.max(0, last - RATE_WINDOW);
  const offset = times.length - series.length;
  const t0 = times[first + offset];
  const t1 = times[last + offset];
  const v0 = series[first];
  const v1 = series[last];
  if (t0 === undefined || t1 === undefined || v0 === undefined || v1 === undefined) return null;
  if (t1 <= t0) return null;
  // Counters start again from 0 when a dataflow is replaced: no negative rates.
  return Math.max(0, ((v1 - v0) * 1000) / (t1 - t0));
}

/**
 * Per edge (`<node>/<input>`) of the shown dataflow: its live label and how to draw it.
 * @param {State} state
 * @returns {Record<string, { text: string, rate: number | null, dropped: number, hot: boolean, dropping: boolean }>}
 */
export function edgeLabels(state) {
  const dataflow = selectedDataflow(state);
  const history = dataflow ? state.history[dataflow.uuid] : undefined;
  /** @type {Record<string, { text: string, rate: number | null, dropped: number, hot: boolean, dropping: boolean }>} */
  const out = {};
  if (!dataflow || !history) return out;
  for (const node of dataflow.nodes) {
    for (const [input, counters] of Object.entries(node.inputs)) {
      const key = `${node.id}/${input}`;
      const rate = rateOf(history.times, history.received[key]);
      const dropRate = rateOf(history.times, history.dropped[key]) ?? 0;
      const parts = [rate === null ? "…" : `${formatRate(rate)} msg/s`];
      if (counters.dropped > 0) parts.push(`${counters.dropped} dropped`);
      out[key] = {
        text: parts.join(" · "),
        rate,
        dropped: counters.dropped,
        hot: (rate ?? 0) > 0,
        dropping: dropRate > 0,
      };
    }
  }
  return out;
}

/**
 * @param {NodeInfo} node
 */
function lastExit(node) {
  if (node.signal) return node.signal;
  if (node.exit_code !== null) return `code ${node.exit_code}`;
  return "-";
}

/**
 * The nodes table of the shown dataflow, with each node's CPU and memory series.
 * @param {State} state
 */
export function nodeRows(state) {
  const dataflow = selectedDataflow(state);
  if (!dataflow) return [];
  const history = state.history[dataflow.uuid];
  const running = dataflow.status === "Running";
  return dataflow.nodes.map((node) => ({
    id: node.id,
    status: node.status,
    statusClass: statusClass(node.status),
    pid: node.pid === null ? "-" : String(node.pid),
    uptime: node.status === "Running" && node.started_at
      ? formatUptime(state.time - Date.parse(node.started_at))
      : "-",
    restarts: String(node.restarts),
    cpu: formatPercent(node.cpu_percent),
    memory: formatBytes(node.memory_bytes),
    lastExit: lastExit(node),
    reason: node.reason,
    times: (history?.times ?? []).map((t) => t / 1000),
    cpuSeries: history?.cpu[node.id] ?? [],
    memorySeries: history?.memory[node.id] ?? [],
    canRestart: running && ["Running", "Restarting", "Pending"].includes(node.status),
    canStop: running && ["Running", "Restarting"].includes(node.status),
  }));
}

/**
 * The inputs table: where each input comes from, its counters and rate.
 * @param {State} state
 * @param {Record<string, string>} sources edge key -> `node/output` or timer
 */
export function inputRows(state, sources) {
  const labels = edgeLabels(state);
  const dataflow = selectedDataflow(state);
  if (!dataflow) return [];
  return dataflow.nodes.flatMap((node) =>
    Object.entries(node.inputs).map(([input, c]) => {
      const key = `${node.id}/${input}`;
      const rate = labels[key]?.rate ?? null;
      return {
        key,
        source: sources[key] ?? "?",
        received: String(c.received),
        dropped: String(c.dropped),
        queue: String(c.queue_size),
        rate: rate === null ? "…" : formatRate(rate),
      };
    })
  );
}

/**
 * A record's level: its own when it has one, else `info` for the supervisor's lines and
 * `stdout` for a node's raw output (as dora does).
 * @param {LogRecord} record
 */
export function levelOf(record) {
  const own = record.level?.toLowerCase();
  if (own && LEVELS.includes(own)) return own;
  return record.stream === "dora" ? "info" : "stdout";
}

/**
 * Whether a record passes the level filter (dora's rule: `stdout` passes everything, a level
 * passes those at least as severe, `stdout` records pass only `stdout`).
 * @param {string} level
 * @param {string} filter
 */
export function passesLevel(level, filter) {
  if (filter === "stdout") return true;
  if (level === "stdout") return false;
  return LEVELS.indexOf(level) >= LEVELS.indexOf(filter);
}

/**
 * The log lines to show, oldest first.
 * @param {State} state
 */
export function visibleLogs(state) {
  const { node, level } = state.filter;
  return state.logs
    .filter((r) => (node === "" || r.node === node) && passesLevel(levelOf(r), level))
    .map((r) => ({
      time: formatClock(r.time),
      node: r.node,
      level: levelOf(r),
      stream: r.stream,
      text: r.stream === "dora" ? `[dora] ${r.text}` : r.text,
    }));
}

/** @param {State} state */
export function logNodes(state) {
  const dataflow = selectedDataflow(state);
  const ids = new Set(dataflow?.nodes.map((n) => n.id) ?? []);
  for (const r of state.logs) ids.add(r.node);
  return [...ids].sort();
}

/**
 * The dataflow's header and the buttons it allows.
 * @param {State} state
 */
export function dataflowHeader(state) {
  const d = selectedDataflow(state);
  if (!d) return null;
  const end = d.ended_at ? Date.parse(d.ended_at) : state.time;
  return {
    uuid: d.uuid,
    name: d.name,
    status: d.status,
    statusClass: statusClass(d.status),
    file: d.file,
    uptime: formatUptime(end - Date.parse(d.started_at)),
    cpu: formatPercent(d.cpu_percent),
    memory: formatBytes(d.memory_bytes),
    canStop: d.status === "Running",
    canRestart: d.status !== "Stopping",
  };
}

/**
 * The question the confirmation dialog asks, or null when none is open.
 * @param {State} state
 */
export function confirmText(state) {
  const a = state.confirm;
  if (!a) return null;
  const name = state.dataflows.find((d) => d.uuid === a.uuid)?.name ?? a.uuid;
  if (a.node) {
    return a.kind === "restart"
      ? `Restart node '${a.node}' of ${name}? It is stopped (STOP, then SIGTERM, then SIGKILL) and started again.`
      : `Stop node '${a.node}' of ${name}? The rest of the dataflow runs on; its inputs close for its consumers.`;
  }
  return a.kind === "restart"
    ? `Restart dataflow ${name}? Every node is stopped, then the dataflow starts again (a new UUID).`
    : `Stop dataflow ${name}? Every node is stopped.`;
}

/**
 * The request an action sends: method POST, this path, body `{}`.
 * @param {Action} action
 */
export function actionPath(action) {
  const base = `api/dataflows/${encodeURIComponent(action.uuid)}`;
  return action.node
    ? `${base}/nodes/${encodeURIComponent(action.node)}/${action.kind}`
    : `${base}/${action.kind}`;
}
