/**
 * `dora save [--force]` records the running dataflows (file, name, env, flags) in
 * `~/.dora/dump.json`; `dora resurrect` starts every saved one that is not running (by name),
 * bringing the daemon up first when none runs. See lib/daemon/snapshot.ts.
 */
import type { ResurrectResponse, SaveResponse } from "../api/types.ts";
import { DaemonClient } from "../client/client.ts";
import { ensureDaemon } from "../client/launch.ts";
import { CHECK, formatTimestamp } from "../output/format.ts";

/** Runs `dora save`. */
export async function save(opts: { force?: boolean; port?: number }): Promise<number> {
  const client = await DaemonClient.connect(opts.port);
  const res = await client.request<SaveResponse>("POST", "/v1/save", { force: !!opts.force });
  const n = res.saved.length;
  console.log(`Saved ${n === 1 ? "1 dataflow" : `${n} dataflows`} to ${res.path}`);
  for (const d of res.saved) console.log(`  ${CHECK} ${d.name} (${d.file})`);
  if (n > 0) console.log("Bring them back with 'dora resurrect' (at boot: 'dora startup')");
  return 0;
}

/** Runs `dora resurrect`. */
export async function resurrect(opts: { port?: number }): Promise<number> {
  const launch = await ensureDaemon(opts.port);
  if (launch.started) console.error(`Started the dora daemon on port ${launch.status.port}`);
  const client = await DaemonClient.connectTo(launch.target);
  const res = await client.request<ResurrectResponse>("POST", "/v1/resurrect", {});
  if (res.results.length === 0) {
    console.log(`Nothing to resurrect: the list saved in ${res.path} is empty`);
    return 0;
  }
  const when = res.saved_at ? ` (saved ${formatTimestamp(res.saved_at)})` : "";
  console.log(`Resurrecting ${res.results.length} saved dataflows${when}...`);
  let failed = 0;
  for (const r of res.results) {
    if (r.status === "started") {
      console.log(`  ${CHECK} ${r.name} started: ${r.uuid}`);
      for (const node of r.failed_nodes ?? []) {
        console.log(`    Warning: Node '${node.id}' failed to start: ${node.reason}`);
      }
    } else if (r.status === "running") {
      console.log(`  = ${r.name} already running: ${r.uuid}`);
    } else {
      failed++;
      const [first, ...rest] = (r.error ?? "failed").split("\n");
      console.log(`  ✗ ${r.name} (${r.file}): ${first}`);
      for (const line of rest) console.log(`    ${line}`);
    }
  }
  return failed > 0 ? 1 : 0;
}
