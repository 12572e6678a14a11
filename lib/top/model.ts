/**
 * `dora top`'s view, as a pure state machine (dax's split): samples of the hosts' documents go
 * in (`sample`), keys go in (`onKey`), lines come out (`render`). The I/O shell (lib/cli/top.ts)
 * only fetches, reads keys and writes lines, so everything here is tested without a terminal.
 */
import type { PlaneInfo, PlaneInput } from "../api/inspect.ts";
import type { DataflowInfo } from "../api/types.ts";
import { formatBytes, formatPercent } from "../output/format.ts";

/** One look at one running dataflow. */
export interface DataflowSample {
  uuid: string;
  name: string;
  via: "daemon" | "run";
  info: DataflowInfo;
  /** Absent when its data plane could not be asked (it is restarting, or has ended). */
  plane?: PlaneInfo;
}

/** One look at everything shown, at `time` (ms). */
export interface Sample {
  time: number;
  dataflows: DataflowSample[];
}

/** One line of the table. */
export interface TopRow {
  dataflow: string;
  dataflow_uuid: string;
  node: string;
  status: string;
  pid: number | null;
  cpu_percent: number | null;
  memory_bytes: number | null;
  restarts: number;
  /** Messages waiting in its input queues, and their total capacity. */
  queued: number;
  queue_capacity: number;
  /** The fullest input queue, 0..1. */
  queue_fill: number;
  /** Messages its inputs dropped since the start, and per second lately. */
  dropped: number;
  drop_rate: number | null;
  /** Messages per second delivered to it, and sent by it. */
  rate_in: number | null;
  rate_out: number | null;
}

/** What the table can be sorted by, and the key that picks it. */
export const SORT_KEYS = {
  n: "name",
  c: "cpu",
  m: "memory",
  i: "in",
  o: "out",
  d: "drops",
  u: "queue",
  s: "restarts",
} as const;

/** A sort order. */
export type SortKey = typeof SORT_KEYS[keyof typeof SORT_KEYS];

/** The view's state. */
export interface TopState {
  rows: TopRow[];
  sort: SortKey;
  descending: boolean;
  /** Index of the selected row (in sorted order). */
  selected: number;
  /** The node id of the selection, kept across refreshes. */
  selectedNode?: string;
  /** When the last sample was taken (ms), and a problem fetching it, if any. */
  updated: number;
  problem?: string;
  refreshMs: number;
  quit: boolean;
  /** The user asked for a refresh now. */
  refreshNow: boolean;
  previous?: Sample;
}

/** A new view sorted by `sort` (CPU, highest first, by default). */
export function initialState(refreshMs: number, sort: SortKey = "cpu"): TopState {
  return {
    rows: [],
    sort,
    descending: sort !== "name",
    selected: 0,
    updated: 0,
    refreshMs,
    quit: false,
    refreshNow: false,
  };
}

function perSecond(now: number, before: number | undefined, seconds: number): number | null {
  if (before === undefined || seconds <= 0) return null;
  return Math.max(0, (now - before) / seconds);
}

/** The rows of `current`, with rates against `previous`. */
export function rowsOf(previous: Sample | undefined, current: Sample): TopRow[] {
  const seconds = previous ? (current.time - previous.time) / 1000 : 0;
  const rows: TopRow[] = [];
  for (const df of current.dataflows) {
    const before = previous?.dataflows.find((d) => d.uuid === df.uuid);
    for (const node of df.info.nodes) {
      const plane = df.plane?.nodes.find((n) => n.id === node.id);
      const old = before?.plane?.nodes.find((n) => n.id === node.id);
      const inputs = Object.values(plane?.inputs ?? {});
      const oldInputs = old ? Object.values(old.inputs) : undefined;
      type Counter = "received" | "dropped" | "queued" | "queue_size";
      const sum = (list: PlaneInput[] | undefined, key: Counter) =>
        list?.reduce((s, i) => s + i[key], 0);
      const outputs = Object.values(plane?.outputs ?? {}).reduce((s, o) => s + o.messages, 0);
      const oldOutputs = old
        ? Object.values(old.outputs).reduce((s, o) => s + o.messages, 0)
        : undefined;
      const dropped = sum(inputs, "dropped") ?? 0;
      rows.push({
        dataflow: df.name,
        dataflow_uuid: df.uuid,
        node: node.id,
        status: node.status,
        pid: node.pid,
        cpu_percent: node.cpu_percent,
        memory_bytes: node.memory_bytes,
        restarts: node.restarts,
        queued: sum(inputs, "queued") ?? 0,
        queue_capacity: sum(inputs, "queue_size") ?? 0,
        queue_fill: inputs.reduce((m, i) => Math.max(m, i.queued / Math.max(1, i.queue_size)), 0),
        dropped,
        drop_rate: perSecond(dropped, sum(oldInputs, "dropped"), seconds),
        rate_in: plane
          ? perSecond(sum(inputs, "received")!, sum(oldInputs, "received"), seconds)
          : null,
        rate_out: plane ? perSecond(outputs, oldOutputs, seconds) : null,
      });
    }
  }
  return rows;
}

const SORTERS: Record<SortKey, (r: TopRow) => number | string> = {
  name: (r) => `${r.dataflow}/${r.node}`,
  cpu: (r) => r.cpu_percent ?? -1,
  memory: (r) => r.memory_bytes ?? -1,
  in: (r) => r.rate_in ?? -1,
  out: (r) => r.rate_out ?? -1,
  drops: (r) => r.dropped,
  queue: (r) => r.queue_fill,
  restarts: (r) => r.restarts,
};

/** `rows` in the order of `sort` (ties by dataflow and node name). */
export function sortRows(rows: TopRow[], sort: SortKey, descending: boolean): TopRow[] {
  const key = SORTERS[sort];
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    let order = typeof x === "string"
      ? x.localeCompare(y as string)
      : (x as number) - (y as number);
    if (descending) order = -order;
    return order !== 0 ? order : `${a.dataflow}/${a.node}`.localeCompare(`${b.dataflow}/${b.node}`);
  });
}

function withSelection(state: TopState, rows: TopRow[]): TopState {
  const sorted = sortRows(rows, state.sort, state.descending);
  let selected = state.selectedNode === undefined
    ? state.selected
    : sorted.findIndex((r) => `${r.dataflow_uuid}/${r.node}` === state.selectedNode);
  if (selected < 0) selected = Math.min(state.selected, sorted.length - 1);
  selected = Math.max(0, Math.min(selected, sorted.length - 1));
  const row = sorted[selected];
  return {
    ...state,
    rows: sorted,
    selected,
    selectedNode: row ? `${row.dataflow_uuid}/${row.node}` : undefined,
  };
}

/** A new sample arrived. */
export function sample(state: TopState, current: Sample): TopState {
  const rows = rowsOf(state.previous, current);
  return {
    ...withSelection({ ...state, problem: undefined }, rows),
    previous: current,
    updated: current.time,
    refreshNow: false,
  };
}

/** Fetching failed: the table stays, the problem is shown. */
export function failed(state: TopState, problem: string): TopState {
  return { ...state, problem, refreshNow: false };
}

/** Splits what one read of the terminal returned into keys (arrows are escape sequences). */
export function splitKeys(text: string): string[] {
  // deno-lint-ignore no-control-regex
  return text.match(/\x1b\[[A-D]|\x1bO[A-D]|\x1b\[[56]~|\x1b|[\s\S]/g) ?? [];
}

/** One key pressed. */
export function onKey(state: TopState, key: string): TopState {
  if (key === "q" || key === "Q" || key === "\x1b" || key === "\x03" || key === "\x04") {
    return { ...state, quit: true };
  }
  const move = (by: number) => {
    const selected = Math.max(0, Math.min(state.rows.length - 1, state.selected + by));
    const row = state.rows[selected];
    return { ...state, selected, selectedNode: row && `${row.dataflow_uuid}/${row.node}` };
  };
  if (key === "\x1b[A" || key === "\x1bOA" || key === "k") return move(-1);
  if (key === "\x1b[B" || key === "\x1bOB" || key === "j") return move(1);
  if (key === "\x1b[5~") return move(-10);
  if (key === "\x1b[6~") return move(10);
  if (key === "r") return { ...state, refreshNow: true };
  const sort = SORT_KEYS[key.toLowerCase() as keyof typeof SORT_KEYS];
  if (sort) {
    // The same key again turns the order around.
    const descending = sort === state.sort ? !state.descending : sort !== "name";
    return withSelection({ ...state, sort, descending }, state.rows);
  }
  return state;
}

function rate(v: number | null): string {
  if (v === null) return "-";
  return v >= 100 ? String(Math.round(v)) : v.toFixed(1);
}

/** The table's cells of one row. */
export function cells(r: TopRow): string[] {
  return [
    r.node,
    r.dataflow,
    r.status,
    r.pid === null ? "-" : String(r.pid),
    formatPercent(r.cpu_percent),
    formatBytes(r.memory_bytes),
    String(r.restarts),
    r.queue_capacity ? `${r.queued}/${r.queue_capacity}` : "-",
    r.drop_rate ? `${r.dropped} +${rate(r.drop_rate)}/s` : String(r.dropped),
    rate(r.rate_in),
    rate(r.rate_out),
  ];
}

/** The column heads, with the sort marked. */
export const HEADS = [
  "NODE",
  "DATAFLOW",
  "STATUS",
  "PID",
  "CPU%",
  "MEM",
  "RST",
  "QUEUE",
  "DROPS",
  "IN/s",
  "OUT/s",
];
const SORT_COLUMN: Record<SortKey, number> = {
  name: 0,
  cpu: 4,
  memory: 5,
  restarts: 6,
  queue: 7,
  drops: 8,
  in: 9,
  out: 10,
};
const RIGHT = new Set([3, 4, 5, 6, 7, 8, 9, 10]);

function pad(text: string, width: number, right: boolean): string {
  const cut = text.length > width ? text.slice(0, Math.max(0, width - 1)) + "…" : text;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

/** The screen: a title, the keys, the table; `color` marks the selection in reverse video. */
export function render(
  state: TopState,
  size: { columns: number; rows: number },
  opts: { color: boolean; clock: (ms: number) => string },
): string[] {
  const heads = HEADS.map((h, i) =>
    i === SORT_COLUMN[state.sort] ? `${h}${state.descending ? "▼" : "▲"}` : h
  );
  const body = state.rows.map(cells);
  const widths = heads.map((h, i) =>
    Math.min(i <= 1 ? 24 : 16, Math.max(h.length, ...body.map((c) => c[i]!.length)))
  );
  const line = (row: string[], mark = " ") =>
    `${mark} ${row.map((c, i) => pad(c, widths[i]!, RIGHT.has(i))).join("  ")}`
      .slice(0, size.columns);
  const dataflows = new Set(state.rows.map((r) => r.dataflow_uuid)).size;
  const lines = [
    `dora top — ${dataflows} dataflow${dataflows === 1 ? "" : "s"}, ${state.rows.length} node${
      state.rows.length === 1 ? "" : "s"
    } — ${state.updated ? opts.clock(state.updated) : "sampling..."} — every ${
      state.refreshMs / 1000
    }s`.slice(0, size.columns),
    "q quit  ↑↓ select  sort: n name c cpu m mem i in o out d drops u queue s restarts  r refresh"
      .slice(0, size.columns),
    state.problem ? `! ${state.problem}`.slice(0, size.columns) : "",
    line(heads),
  ];
  const room = Math.max(1, size.rows - lines.length);
  const first = Math.max(0, Math.min(state.selected - room + 1, state.rows.length - room));
  body.slice(first, first + room).forEach((row, i) => {
    const selected = first + i === state.selected;
    const text = line(row, selected ? ">" : " ");
    lines.push(selected && opts.color ? `\x1b[7m${text.padEnd(size.columns)}\x1b[0m` : text);
  });
  if (state.rows.length === 0) lines.push("No dataflow is running.");
  return lines;
}
