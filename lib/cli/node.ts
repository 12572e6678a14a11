/**
 * `dora node list|info|restart|stop`: the nodes of running dataflows, one node's detail
 * (status, metrics, limits, last exit, inputs with their sources and rates, outputs with their
 * subscribers and rates, runtime parameters), and restarting or stopping one node while the
 * rest of the dataflow runs on (the control API's node actions, docs/api.md).
 */
import type { NodeParams, PlaneInfo } from "../api/inspect.ts";
import type { DataflowInfo, NodeInfo, StopRequest } from "../api/types.ts";
import { type DataflowTarget, runningDataflows } from "../client/target.ts";
import { DoraError } from "../errors.ts";
import {
  CHECK,
  colorEnabled,
  formatBytes,
  formatPercent,
  formatUptime,
  paint,
  renderTable,
} from "../output/format.ts";
import {
  dataflowPath,
  durationFlag,
  interruption,
  Out,
  pause,
  target,
  type TargetFlags,
} from "./_inspect.ts";
import { rateText } from "./topic.ts";

/** Flags of `node list`. */
export interface NodeListFlags extends TargetFlags {
  quiet?: boolean;
}

function uptime(node: NodeInfo): string {
  return node.status === "Running" && node.started_at
    ? formatUptime(Date.now() - Date.parse(node.started_at))
    : "-";
}

/** The last exit of a node, in words. */
export function lastExit(node: NodeInfo): string {
  if (node.signal) return node.signal;
  if (node.exit_code !== null) return `code ${node.exit_code}`;
  return "-";
}

/** Runs `dora node list`: the nodes of one dataflow (`-d`) or of every running one. */
export async function nodeList(flags: NodeListFlags): Promise<number> {
  const targets = flags.dataflow !== undefined
    ? [await target(flags)]
    : (await runningDataflows({ port: flags.port })).targets;
  const rows: { target: DataflowTarget; node: NodeInfo }[] = [];
  for (const t of targets) {
    const info = await t.client.request<DataflowInfo>("GET", dataflowPath(t));
    for (const node of info.nodes) rows.push({ target: t, node });
  }
  const out = new Out();
  if (flags.quiet) {
    for (const { node } of rows) if (!out.line(node.id)) break;
    return 0;
  }
  if (flags.json) {
    for (const { target: t, node } of rows) {
      if (!out.json({ dataflow: t.uuid, dataflow_name: t.name, ...node })) break;
    }
    return 0;
  }
  if (rows.length === 0) {
    out.line("No dataflow is running. Start one with: dora start dataflow.yml");
    return 0;
  }
  out.line(renderTable(
    ["NODE", "STATUS", "PID", "UPTIME", "CPU%", "MEM", "RESTARTS", "DATAFLOW"],
    rows.map(({ target: t, node }) => [
      node.id,
      node.status,
      node.pid === null ? "-" : String(node.pid),
      uptime(node),
      formatPercent(node.cpu_percent),
      formatBytes(node.memory_bytes),
      String(node.restarts),
      t.via === "run" ? `${t.name} (dora run)` : t.name,
    ]),
  ));
  return 0;
}

/** Flags of `node info`. */
export interface NodeInfoFlags extends TargetFlags {
  window?: string;
}

function unknownNode(t: DataflowTarget, info: DataflowInfo, id: string): DoraError {
  return new DoraError(`Dataflow ${t.name} has no node '${id}'`, [
    `Its nodes: ${info.nodes.map((n) => n.id).join(", ")}`,
  ]);
}

/** Runs `dora node info NODE`. */
export async function nodeInfo(id: string, flags: NodeInfoFlags): Promise<number> {
  const windowMs = flags.window === "0" ? 0 : durationFlag(flags.window, "--window") ?? 1000;
  const t = await target(flags);
  const running = t.status === "Running";
  const first = running
    ? await t.client.request<PlaneInfo>("GET", dataflowPath(t, "/plane"))
    : undefined;
  const started = performance.now();
  if (first && windowMs > 0) {
    const stop = interruption();
    try {
      await pause(windowMs, stop.signal);
      if (stop.signal.aborted) return 0;
    } finally {
      stop.dispose();
    }
  }
  const info = await t.client.request<DataflowInfo>("GET", dataflowPath(t));
  const node = info.nodes.find((n) => n.id === id);
  if (!node) throw unknownNode(t, info, id);
  const second = first
    ? await t.client.request<PlaneInfo>("GET", dataflowPath(t, "/plane"))
    : first;
  const seconds = (performance.now() - started) / 1000;
  const params = await t.client.request<NodeParams>(
    "GET",
    dataflowPath(t, `/params/${encodeURIComponent(id)}`),
  );
  const now = second?.nodes.find((n) => n.id === id);
  const before = first?.nodes.find((n) => n.id === id);
  const rate = (a: number | undefined, b: number | undefined) =>
    windowMs > 0 && a !== undefined && b !== undefined && seconds > 0
      ? Math.round(((b - a) / seconds) * 10) / 10
      : null;
  const inputs = Object.entries(now?.inputs ?? {}).map(([input, s]) => ({
    input,
    ...s,
    rate_hz: rate(before?.inputs[input]?.received, s.received),
  }));
  const outputs = Object.entries(now?.outputs ?? {}).map(([output, s]) => ({
    output,
    messages: s.messages,
    rate_hz: rate(before?.outputs[output]?.messages, s.messages),
    subscribers: second?.topics.find((x) => x.topic === `${id}/${output}`)?.subscribers ?? [],
  }));
  const doc = {
    dataflow: t.uuid,
    dataflow_name: t.name,
    ...node,
    connected: now?.connected ?? false,
    inputs,
    outputs,
    params: params.params,
  };
  const out = new Out();
  if (flags.json) {
    out.line(JSON.stringify(doc, null, 2));
    return 0;
  }
  const lines = [
    `Node: ${id}`,
    `Dataflow: ${t.name} (${t.uuid})${t.via === "run" ? " — dora run" : ""}`,
    `Status: ${node.status}${node.pid ? ` (pid ${node.pid}, up ${uptime(node)})` : ""}` +
    (running ? (doc.connected ? ", connected" : ", not connected to the data plane") : ""),
    `Restarts: ${node.restarts}`,
    `CPU: ${formatPercent(node.cpu_percent)}%  Memory: ${formatBytes(node.memory_bytes)}`,
    `Limits: ${node.limits ?? "-"}`,
    `Last exit: ${lastExit(node)}${node.reason ? ` (${node.reason})` : ""}`,
  ];
  if (inputs.length) {
    lines.push("", "Inputs:");
    lines.push(
      ...renderTable(
        ["INPUT", "SOURCE", "RECEIVED", "DROPPED", "QUEUE", "RATE"],
        inputs.map((i) => [
          i.input,
          i.source,
          String(i.received),
          String(i.dropped),
          `${i.queued}/${i.queue_size}`,
          rateText(i.rate_hz),
        ]),
      ).split("\n").map((l) => `  ${l}`),
    );
  }
  if (outputs.length) {
    lines.push("", "Outputs:");
    lines.push(
      ...renderTable(
        ["OUTPUT", "MESSAGES", "RATE", "SUBSCRIBERS"],
        outputs.map((o) => [
          o.output,
          String(o.messages),
          rateText(o.rate_hz),
          o.subscribers.join(", ") || "-",
        ]),
      ).split("\n").map((l) => `  ${l}`),
    );
  }
  const keys = Object.entries(params.params);
  if (keys.length) {
    lines.push("", "Parameters:");
    for (const [key, value] of keys) lines.push(`  ${key} = ${JSON.stringify(value)}`);
  }
  out.line(lines.join("\n"));
  return 0;
}

/** Flags of `node restart` and `node stop`. */
export interface NodeActionFlags extends TargetFlags {
  grace?: string;
  force?: boolean;
}

/** Runs `dora node restart NODE` or `dora node stop NODE`. */
export async function nodeAction(
  action: "restart" | "stop",
  id: string,
  flags: NodeActionFlags,
): Promise<number> {
  const graceMs = durationFlag(flags.grace, "--grace");
  const t = await target(flags);
  const body: StopRequest = {
    ...(graceMs === undefined ? {} : { grace_ms: graceMs }),
    ...(flags.force ? { force: true } : {}),
  };
  const color = colorEnabled(Deno.stdout);
  if (!flags.json) {
    console.error(`${action === "restart" ? "Restarting" : "Stopping"} node ${id} of ${t.name}...`);
  }
  const node = await t.client.request<NodeInfo>(
    "POST",
    dataflowPath(t, `/nodes/${encodeURIComponent(id)}/${action}`),
    body,
  );
  const out = new Out();
  if (flags.json) out.json({ dataflow: t.uuid, ...node });
  else if (action === "restart") {
    out.line(`${paint(CHECK, 32, color)} ${id} restarted (pid ${node.pid ?? "-"})`);
  } else {
    out.line(`${paint(CHECK, 32, color)} ${id} stopped (${lastExit(node)})`);
  }
  return 0;
}
