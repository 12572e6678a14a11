/**
 * `dora status`: this CLI's version, the daemon (port, pid, version, uptime), its dataflows,
 * the `dora run`s of this user, and for each running dataflow its data plane's health (startup
 * barrier passed, nodes connected, messages dropped, open taps). Exit 0 when a daemon answers,
 * 1 when none does (the runs are still shown).
 */
import type { PlaneInfo } from "../api/inspect.ts";
import type { DataflowInfo, StatusResponse } from "../api/types.ts";
import { VERSION } from "../config.ts";
import { DaemonClient } from "../client/client.ts";
import { runningDataflows } from "../client/target.ts";
import { DoraError } from "../errors.ts";
import { CHECK, colorEnabled, formatUptime, paint } from "../output/format.ts";
import { dataflowPath, Out, type TargetFlags } from "./_inspect.ts";

/** Health of one running dataflow's data plane. */
interface PlaneHealth {
  started: boolean;
  connected: number;
  running: number;
  dropped: number;
  taps: number;
  ok: boolean;
}

function health(plane: PlaneInfo, info: DataflowInfo): PlaneHealth {
  const running = info.nodes.filter((n) => n.status === "Running").map((n) => n.id);
  const connected = plane.nodes.filter((n) => n.connected && running.includes(n.id)).length;
  const dropped = plane.nodes.reduce(
    (sum, n) => sum + Object.values(n.inputs).reduce((s, i) => s + i.dropped, 0),
    0,
  );
  return {
    started: plane.started,
    connected,
    running: running.length,
    dropped,
    taps: plane.taps,
    ok: plane.started,
  };
}

/** One running dataflow in `status`. */
interface StatusRow {
  uuid: string;
  name: string;
  via: "daemon" | "run";
  status: string;
  nodes: number;
  nodes_running: number;
  started_at: string;
  plane: PlaneHealth | null;
}

/** Runs `dora status`. */
export async function status(flags: TargetFlags): Promise<number> {
  let daemon: StatusResponse | undefined;
  let problem: string | undefined;
  try {
    daemon = (await DaemonClient.connect(flags.port)).status;
  } catch (err) {
    if (!(err instanceof DoraError)) throw err;
    problem = err.message;
  }
  const { targets, daemon: client } = await runningDataflows({
    port: flags.port,
    runsOnly: daemon === undefined,
  });
  const all = client ? await client.request<DataflowInfo[]>("GET", "/v1/dataflows") : [];
  const rows: StatusRow[] = [];
  for (const t of targets) {
    const info = t.via === "daemon"
      ? all.find((d) => d.uuid === t.uuid)!
      : await t.client.request<DataflowInfo>("GET", dataflowPath(t));
    let plane: PlaneHealth | null = null;
    try {
      plane = health(await t.client.request<PlaneInfo>("GET", dataflowPath(t, "/plane")), info);
    } catch {
      plane = null; // it ended meanwhile, or its plane is being rebuilt
    }
    rows.push({
      uuid: t.uuid,
      name: t.name,
      via: t.via,
      status: info.status,
      nodes: info.nodes.length,
      nodes_running: info.nodes.filter((n) => n.status === "Running").length,
      started_at: info.started_at,
      plane,
    });
  }
  const finished = all.filter((d) => d.status !== "Running" && d.status !== "Stopping").length;
  const out = new Out();
  if (flags.json) {
    out.line(JSON.stringify(
      {
        cli_version: VERSION,
        daemon: daemon ?? null,
        daemon_problem: problem ?? null,
        running: rows,
        finished,
      },
      null,
      2,
    ));
    return daemon ? 0 : 1;
  }
  const color = colorEnabled(Deno.stdout);
  const ok = paint(CHECK, 32, color);
  const bad = paint("✗", 31, color);
  const lines = [`dora ${VERSION}`];
  if (daemon) {
    const up = formatUptime(Date.now() - Date.parse(daemon.started_at));
    lines.push(
      `${ok} Daemon: running on port ${daemon.port} (pid ${daemon.pid}, version ${daemon.version}, ` +
        `up ${up})`,
    );
  } else {
    lines.push(`${bad} Daemon: ${problem} (start it with 'dora up'; 'dora run' needs none)`);
  }
  const ofDaemon = rows.filter((r) => r.via === "daemon");
  const ofRuns = rows.filter((r) => r.via === "run");
  if (daemon) lines.push(`Dataflows: ${ofDaemon.length} running, ${finished} finished`);
  const describe = (r: StatusRow) => {
    const p = r.plane;
    const plane = p === null
      ? "data plane: not up"
      : `data plane: ${p.started ? "flowing" : "waiting for nodes to connect"}, ` +
        `${p.connected}/${p.running} connected, ${p.dropped} dropped, ${p.taps} tap${
          p.taps === 1 ? "" : "s"
        }`;
    return `  ${p?.ok ? ok : bad} ${r.name}  ${r.uuid}  ${r.status}  ` +
      `${r.nodes_running}/${r.nodes} nodes  ${plane}`;
  };
  lines.push(...ofDaemon.map(describe));
  if (ofRuns.length) {
    lines.push(`dora run: ${ofRuns.length} running`);
    lines.push(...ofRuns.map(describe));
  }
  out.line(lines.join("\n"));
  return daemon ? 0 : 1;
}
