/**
 * `dora list [DATAFLOW] [--all] [--json] [-q]` (dora's `ps`): the running dataflows (`--all`:
 * finished ones too), or one dataflow's nodes. The detail view is laid out for the seed's
 * recipes: exactly one line matches `grep Uptime` and one `grep CPU`, and their second word is
 * the bare value (`01:30:45`, `12.5`), so `awk '{print $2}'` feeds `bc`.
 */
import type { DataflowInfo, NodeInfo } from "../api/types.ts";
import { DaemonClient } from "../client/client.ts";
import {
  formatBytes,
  formatPercent,
  formatTimestamp,
  formatUptime,
  renderTable,
} from "../output/format.ts";

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
    info.short_id,
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
    `ID: ${info.short_id}`,
    `Name: ${info.name}`,
    `Status: ${info.status}`,
    `Uptime: ${uptime(info.started_at, info.ended_at)}`,
    `Started: ${formatTimestamp(info.started_at)}`,
    ...(info.ended_at ? [`Ended: ${formatTimestamp(info.ended_at)}`] : []),
    `File: ${info.file}`,
    // A dataflow with nothing running uses no CPU: 0, not "-", so the value always computes.
    `CPU: ${formatPercent(info.cpu_percent ?? 0)} %`,
    `Memory: ${formatBytes(info.memory_bytes ?? 0)}`,
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
  // Lower case: the seed's `grep Uptime` / `grep CPU` must find only the lines above.
  const table = renderTable(
    ["node", "status", "pid", "uptime", "restarts", "cpu%", "mem", "last exit"],
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
    const inputTable = renderTable(["input", "received", "dropped", "queue"], inputs);
    lines.push(...inputTable.split("\n").map((line) => `  ${line}`));
  }
  if (notes.length) lines.push("", "Notes:", ...notes);
  return lines.join("\n");
}

/** Runs `dora list`. */
export async function list(
  ref: string | undefined,
  opts: { json?: boolean; quiet?: boolean; all?: boolean; port?: number },
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
  const active = all.filter((d) => d.status === "Running" || d.status === "Stopping");
  const shown = opts.all ? all : active;
  if (opts.json) {
    console.log(JSON.stringify(shown, null, 2));
    return 0;
  }
  if (opts.quiet) {
    for (const d of shown) console.log(d.uuid);
    return 0;
  }
  if (shown.length === 0) {
    const finished = all.length - active.length;
    console.log(
      finished > 0
        ? `No running dataflows (${finished} finished: dora list --all)`
        : "No dataflows. Start one with: dora start dataflow.yml",
    );
    return 0;
  }
  console.log(
    renderTable(
      ["UUID", "ID", "NAME", "STATUS", "UPTIME", "NODES", "CPU%", "MEM"],
      shown.map(summary),
    ),
  );
  return 0;
}
