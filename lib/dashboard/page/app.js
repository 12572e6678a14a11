/**
 * The dashboard page's shell: listens to the live feed (Server-Sent Events), feeds view.js,
 * draws what it answers, and sends the actions the user confirmed. All decisions about what to
 * show are in state.js and view.js; this file only touches the DOM, the network and uPlot (a global from
 * assets/uplot.js).
 */
import { initialState, LEVELS, update } from "./state.js";
import {
  actionPath,
  confirmText,
  dataflowHeader,
  dataflowItems,
  edgeLabels,
  inputRows,
  logNodes,
  nodeRows,
  selectedDataflow,
  statusClass,
  visibleLogs,
} from "./view.js";

const $ = (id) => document.getElementById(id);
const ACTION_HEADER = "x-dora-dashboard";

let state = initialState();
let source = null;
let sourceFor;
let drawing = { uuid: null, key: null, sources: {}, loading: false };
const rows = new Map();
let shownLogs = null;

function dispatch(event) {
  state = update(state, event);
  render();
}

/** One feed per page, following the logs of the dataflow shown. */
function connect() {
  if (source && sourceFor === state.selected) return;
  source?.close();
  sourceFor = state.selected;
  const query = state.selected ? `?dataflow=${encodeURIComponent(state.selected)}` : "";
  source = new EventSource(`api/events${query}`);
  source.addEventListener("open", () => dispatch({ type: "connected" }));
  source.addEventListener("error", () => {
    const problem = source.readyState === EventSource.CLOSED
      ? "the daemon refused the feed: run 'dora dashboard' for a new link"
      : undefined;
    dispatch({ type: "disconnected", problem });
  });
  source.addEventListener("snapshot", (e) => {
    dispatch({ type: "snapshot", snapshot: JSON.parse(e.data) });
  });
  source.addEventListener("logs", (e) => {
    const data = JSON.parse(e.data);
    dispatch({
      type: "logs",
      dataflow: data.dataflow,
      records: data.records,
      skipped: data.skipped,
    });
  });
  source.addEventListener("problem", (e) => {
    dispatch({ type: "done", ok: false, text: JSON.parse(e.data).message });
  });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== false && value !== undefined) {
      node.setAttribute(key, value === true ? "" : value);
    }
  }
  for (const child of children) node.append(child);
  return node;
}

function button(label, enabled, action, danger = false) {
  return el("button", {
    type: "button",
    class: danger ? "action danger" : "action",
    disabled: !enabled || state.busy,
    onclick: () => dispatch({ type: "ask", action }),
  }, label);
}

function renderList() {
  const nav = $("dataflows");
  const items = dataflowItems(state);
  nav.replaceChildren(
    ...(items.length === 0
      ? [el("div", { class: "empty" }, "No dataflows yet. Start one with dora start.")]
      : []),
    ...items.map((d) =>
      el(
        "button",
        {
          type: "button",
          class: d.selected ? "selected" : "",
          "data-uuid": d.uuid,
          onclick: () => {
            dispatch({ type: "select", uuid: d.uuid });
            connect();
          },
        },
        el("div", { class: "name" }, d.name),
        el(
          "div",
          { class: "meta" },
          el("span", { class: `badge ${d.statusClass}` }, d.status),
          ` nodes ${d.nodes}`,
        ),
      )
    ),
  );
}

function renderSummary() {
  const h = dataflowHeader(state);
  const box = $("summary");
  if (!h) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    el("h2", {}, h.name),
    el("span", { class: `badge ${h.statusClass}`, id: "dataflow-status" }, h.status),
    el(
      "span",
      { class: "facts" },
      `${h.uuid} · up ${h.uptime} · CPU ${h.cpu}% · ${h.memory} · ${h.file}`,
    ),
    el(
      "span",
      { class: "buttons" },
      button("Restart dataflow", h.canRestart, { kind: "restart", uuid: h.uuid }),
      button("Stop dataflow", h.canStop, { kind: "stop", uuid: h.uuid }, true),
    ),
  );
}

async function loadDrawing(uuid, key) {
  drawing = { uuid, key, sources: {}, loading: true };
  try {
    const res = await fetch(`api/graph/${encodeURIComponent(uuid)}`);
    const body = await res.json();
    if (!res.ok) throw new Error(body.message);
    if (drawing.uuid !== uuid) return;
    drawing = { uuid, key: body.key, sources: body.sources, loading: false };
    $("graph").innerHTML = body.svg;
  } catch (err) {
    drawing.loading = false;
    $("graph").textContent = `Cannot draw the graph: ${err.message}`;
  }
  render();
}

function renderGraph() {
  const uuid = state.selected;
  const key = uuid ? state.graphKeys[uuid] : undefined;
  if (!uuid || !key) {
    $("graph").replaceChildren();
    drawing = { uuid: null, key: null, sources: {}, loading: false };
    return;
  }
  if (
    (drawing.uuid !== uuid || drawing.key !== key) && !(drawing.loading && drawing.uuid === uuid)
  ) {
    void loadDrawing(uuid, key);
    return;
  }
  const svg = $("graph").querySelector("svg");
  if (!svg) return;
  for (const [edgeKey, label] of Object.entries(edgeLabels(state))) {
    const g = svg.querySelector(`g.edge[data-edge="${CSS.escape(edgeKey)}"]`);
    if (!g) continue;
    g.querySelector(".edge-rate").textContent = label.text;
    g.classList.toggle("hot", label.hot);
    g.classList.toggle("dropping", label.dropping);
  }
  for (const node of selectedDataflow(state)?.nodes ?? []) {
    const g = svg.querySelector(`g.node[data-node="${CSS.escape(node.id)}"]`);
    if (!g) continue;
    for (const c of ["running", "failed", "waiting", "ended"]) g.classList.remove(`status-${c}`);
    g.classList.add(
      `status-${statusClass(node.status) === "waiting" ? "restarting" : statusClass(node.status)}`,
    );
  }
}

function spark(target, color) {
  if (typeof uPlot === "undefined") return null;
  // deno-lint-ignore no-undef
  return new uPlot(
    {
      width: 120,
      height: 30,
      cursor: { show: false },
      legend: { show: false },
      select: { show: false },
      scales: {
        x: { time: false },
        y: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 1) * 1.25)] },
      },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: color, width: 1.5, fill: `${color}22`, points: { show: false } }],
    },
    [[], []],
    target,
  );
}

function renderNodes() {
  const body = $("nodes").tBodies[0];
  const list = nodeRows(state);
  const wanted = new Set(list.map((r) => `${state.selected}/${r.id}`));
  for (const [key, row] of rows) {
    if (wanted.has(key)) continue;
    row.cpuPlot?.destroy();
    row.memPlot?.destroy();
    row.tr.remove();
    rows.delete(key);
  }
  for (const r of list) {
    const key = `${state.selected}/${r.id}`;
    let row = rows.get(key);
    if (!row) {
      const cells = {};
      const cell = (name, cls = "") => (cells[name] = el("td", { class: cls, "data-col": name }));
      const cpuBox = el("div", { class: "spark" });
      const memBox = el("div", { class: "spark" });
      const tr = el(
        "tr",
        { "data-node": r.id },
        cell("id"),
        cell("status"),
        cell("pid", "num"),
        cell("uptime", "num"),
        cell("restarts", "num"),
        el(
          "td",
          {},
          el(
            "div",
            { class: "metric" },
            cells.cpu = el("span", { class: "value", "data-col": "cpu" }),
            cpuBox,
          ),
        ),
        el(
          "td",
          {},
          el(
            "div",
            { class: "metric" },
            cells.memory = el("span", { class: "value", "data-col": "memory" }),
            memBox,
          ),
        ),
        cell("lastExit"),
        cell("actions"),
      );
      body.append(tr);
      row = { tr, cells, cpuPlot: spark(cpuBox, "#3d6fd9"), memPlot: spark(memBox, "#8e44ad") };
      rows.set(key, row);
    }
    const c = row.cells;
    c.id.textContent = r.id;
    c.status.replaceChildren(
      el("span", { class: `badge ${r.statusClass}`, title: r.reason ?? "" }, r.status),
    );
    c.pid.textContent = r.pid;
    c.uptime.textContent = r.uptime;
    c.restarts.textContent = r.restarts;
    c.cpu.textContent = r.cpu;
    c.memory.textContent = r.memory;
    c.lastExit.textContent = r.lastExit;
    c.actions.replaceChildren(
      button("Restart", r.canRestart, { kind: "restart", uuid: state.selected, node: r.id }),
      " ",
      button("Stop", r.canStop, { kind: "stop", uuid: state.selected, node: r.id }, true),
    );
    row.cpuPlot?.setData([r.times, r.cpuSeries]);
    row.memPlot?.setData([r.times, r.memorySeries.map((v) => (v === null ? null : v / 1048576))]);
  }
}

function renderInputs() {
  const body = $("inputs").tBodies[0];
  body.replaceChildren(
    ...inputRows(state, drawing.sources).map((r) =>
      el(
        "tr",
        { "data-input": r.key },
        el("td", {}, r.key),
        el("td", {}, r.source),
        el("td", { class: "num", "data-col": "rate" }, r.rate),
        el("td", { class: "num", "data-col": "received" }, r.received),
        el("td", { class: "num", "data-col": "dropped" }, r.dropped),
        el("td", { class: "num" }, r.queue),
      )
    ),
  );
}

function renderLogs() {
  const nodeSelect = $("log-node");
  const nodes = ["", ...logNodes(state)];
  if (
    nodeSelect.options.length !== nodes.length ||
    [...nodeSelect.options].some((o, i) => o.value !== nodes[i])
  ) {
    nodeSelect.replaceChildren(
      ...nodes.map((n) => el("option", { value: n }, n === "" ? "all nodes" : n)),
    );
  }
  nodeSelect.value = state.filter.node;
  const levelSelect = $("log-level");
  if (levelSelect.options.length === 0) {
    levelSelect.replaceChildren(
      ...LEVELS.map((l) =>
        el("option", { value: l }, l === "stdout" ? "all (stdout)" : `${l} and above`)
      ),
    );
  }
  levelSelect.value = state.filter.level;
  $("log-skipped").textContent = state.skippedLogs > 0
    ? `${state.skippedLogs} older lines not shown`
    : "";
  const key = [state.logs, state.filter.node, state.filter.level];
  if (shownLogs && shownLogs.every((v, i) => v === key[i])) return;
  shownLogs = key;
  const box = $("logs");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 30;
  box.replaceChildren(
    ...visibleLogs(state).map((r) =>
      el(
        "div",
        { class: `line level-${r.level} stream-${r.stream}`, "data-node": r.node },
        el("span", { class: "t" }, `${r.time} `),
        el("span", { class: "n" }, `${r.node} | `),
        el("span", { class: "x" }, r.text),
      )
    ),
  );
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function renderChrome() {
  const conn = $("connection");
  conn.textContent = state.connected ? "live" : state.problem ?? "reconnecting…";
  conn.className = `connection ${state.connected ? "live" : "down"}`;
  const notice = $("notice");
  notice.hidden = !state.notice;
  if (state.notice) {
    notice.textContent = state.notice.text;
    notice.className = `notice ${state.notice.ok ? "" : "bad"}`;
  }
  const dialog = $("confirm");
  const question = confirmText(state);
  if (question) {
    $("confirm-text").textContent = question;
    if (!dialog.open) dialog.showModal();
  } else if (dialog.open) {
    dialog.close();
  }
}

function render() {
  renderChrome();
  renderList();
  renderSummary();
  renderGraph();
  renderNodes();
  renderInputs();
  renderLogs();
  if (state.selected !== sourceFor) connect();
}

function describe(action, body) {
  const what = action.node ? `Node '${action.node}'` : "Dataflow";
  if (action.kind === "stop") return `${what} stopped`;
  if (action.node) return `${what} restarted${body?.pid ? ` (pid ${body.pid})` : ""}`;
  return `Dataflow ${body?.name ?? ""} restarted: ${body?.uuid ?? ""}`;
}

async function send() {
  const action = state.confirm;
  if (!action) return;
  dispatch({ type: "sent" });
  try {
    const res = await fetch(actionPath(action), {
      method: "POST",
      headers: { [ACTION_HEADER]: "1", "content-type": "application/json" },
      body: "{}",
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message ?? `the daemon answered ${res.status}`);
    const select = !action.node && action.kind === "restart" ? body.uuid : undefined;
    dispatch({ type: "done", ok: true, text: describe(action, body), select });
  } catch (err) {
    dispatch({ type: "done", ok: false, text: `Failed: ${err.message}` });
  }
}

$("confirm-yes").addEventListener("click", () => void send());
$("confirm-no").addEventListener("click", () => dispatch({ type: "cancel" }));
$("confirm").addEventListener("cancel", () => dispatch({ type: "cancel" }));
$("log-node").addEventListener("change", (e) => dispatch({ type: "filter", node: e.target.value }));
$("log-level").addEventListener(
  "change",
  (e) => dispatch({ type: "filter", level: e.target.value }),
);
render();
connect();
