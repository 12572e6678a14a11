/** `dora list [DATAFLOW] [--json] [-q]`: the dataflows table, or one dataflow's nodes. */
import type { DataflowInfo, NodeInfo } from "../api/types.ts";
import { DaemonClient } from "../client/client.ts";
import {
  formatBytes,
  formatPercent,
  formatTimestamp,
  formatUptime,
  renderTable,
} from "../output/format.ts";

/** Finished dataflows shown in the table after the running ones (`--json` has them all). */
const RECENT_FINISHED = 10;

function uptime(started: string | null, ended: string | null): string {
  if (!started) return "-";
  const end = ended ? Date.parse(ended) : Date.now();
  return formatUptime(end - Date.parse(started));
}

function lastExit(node: NodeInfo): string {
  if (node.signal) return node.signal;
  if (node.exit_code !== null) return `code ${node.exit_code}`;
  return node.reason ? "-" : "-";
}

function summary(info: DataflowInfo): string[] {
  const live = info.nodes.filter((n) => n.status === "Running").length;
  return [
    info.uuid,
    info.name,
    info.status,
    uptime(info.started_at, info.ended_at),
    `${live}/${info.nodes.length}`,
    formatPercent(info.cpu_percent),
    formatBytes(info.memory_bytes),
  ];
}

function detail(info: DataflowInfo): string {
  const lines = [
    `Dataflow: ${info.uuid}`,
    `Name: ${info.name}`,
    `Status: ${info.status}`,
    `Uptime: ${uptime(info.started_at, info.ended_at)}`,
    `Started: ${formatTimestamp(info.started_at)}`,
    ...(info.ended_at ? [`Ended: ${formatTimestamp(info.ended_at)}`] : []),
    `File: ${info.file}`,
    `CPU: ${formatPercent(info.cpu_percent)}%`,
    `Memory: ${formatBytes(info.memory_bytes)}`,
    "",
    "Nodes:",
  ];
  const rows = info.nodes.map((node) => [
    node.id,
    node.status,
    node.pid === null ? "-" : String(node.pid),
    node.status === "Running" ? uptime(node.started_at, null) : "-",
    String(node.restarts),
    formatPercent(node.cpu_percent),
    formatBytes(node.memory_bytes),
    lastExit(node),
  ]);
  const table = renderTable(
    ["NODE", "STATUS", "PID", "UPTIME", "RESTARTS", "CPU%", "MEM", "LAST EXIT"],
    rows,
  );
  lines.push(...table.split("\n").map((line) => `  ${line}`));
  const notes = [
    ...info.nodes.filter((n) => n.reason).map((n) => `  ${n.id}: ${n.reason}`),
    ...info.nodes.filter((n) => n.next_restart_at).map((n) =>
      `  ${n.id}: next restart at ${formatTimestamp(n.next_restart_at!)}`
    ),
  ];
  const limits = info.nodes.filter((n) => n.limits).map((n) => `  ${n.id}: ${n.limits}`);
  if (limits.length) lines.push("", "Limits:", ...limits);
  const inputs = info.nodes.flatMap((n) =>
    Object.entries(n.inputs).map(([id, s]) => [
      `${n.id}/${id}`,
      String(s.received),
      String(s.dropped),
      String(s.queue_size),
    ])
  );
  if (inputs.length) {
    lines.push("", "Inputs:");
    const inputTable = renderTable(["INPUT", "RECEIVED", "DROPPED", "QUEUE"], inputs);
    lines.push(...inputTable.split("\n").map((line) => `  ${line}`));
  }
  if (notes.length) lines.push("", "Notes:", ...notes);
  return lines.join("\n");
}

/** Runs `dora list`. */
export async function list(
  ref: string | undefined,
  opts: { json?: boolean; quiet?: boolean; port?: number },
): Promise<number> {
  const client = await DaemonClient.connect(opts.port);
  if (ref !== undefined) {
    const info = await client.request<DataflowInfo>(
      "GET",
      `/v1/dataflows/${encodeURIComponent(ref)}`,
    );
    if (opts.json) console.log(JSON.stringify(info, null, 2));
    else if (opts.quiet) console.log(info.uuid);
    else console.log(detail(info));
    return 0;
  }
  const all = await client.request<DataflowInfo[]>("GET", "/v1/dataflows");
  if (opts.json) {
    console.log(JSON.stringify(all, null, 2));
    return 0;
  }
  const active = all.filter((d) => d.status === "Running" || d.status === "Stopping");
  if (opts.quiet) {
    for (const d of active) console.log(d.uuid);
    return 0;
  }
  const finished = all.filter((d) => !active.includes(d)).slice(0, RECENT_FINISHED);
  if (active.length === 0 && finished.length === 0) {
    console.log("No dataflows. Start one with: dora start dataflow.yml");
    return 0;
  }
  console.log(
    renderTable(
      ["UUID", "NAME", "STATUS", "UPTIME", "NODES", "CPU%", "MEM"],
      [...active, ...finished].map(summary),
    ),
  );
  return 0;
}
