/**
 * `dora stop [UUID|PREFIX|NAME] [--all] [--name N] [--force] [--grace-duration D]`: the seed's
 * output, line for line; returns when the dataflow has ended.
 */
import { settings } from "../config.ts";
import { DoraError, UsageError } from "../errors.ts";
import type { DataflowInfo, StopRequest, StopStreamEvent } from "../api/types.ts";
import { DaemonClient } from "../client/client.ts";
import { CHECK, parseDuration } from "../output/format.ts";

const NOT_RUNNING_SOLUTION = [
  "",
  "Solution:",
  "  1. Check if daemon is running: dora list",
  "  2. If not, there are no dataflows to stop",
];

/** Options of `dora stop`. */
export interface StopOptions {
  all?: boolean;
  name?: string;
  force?: boolean;
  graceDuration?: string;
  json?: boolean;
  port?: number;
}

function stopRequest(opts: StopOptions): StopRequest {
  const req: StopRequest = { force: opts.force || settings.forceStop() };
  if (opts.graceDuration !== undefined) {
    const ms = parseDuration(opts.graceDuration);
    if (ms === undefined) {
      throw new UsageError(
        `Invalid --grace-duration '${opts.graceDuration}': use e.g. 10s, 500ms, 2m`,
      );
    }
    req.grace_ms = ms;
  }
  return req;
}

/** Prints stop events the seed's way; `byName` collapses node lines into "All nodes stopped". */
function printer(byName: boolean, graceMs: number) {
  let killed = 0;
  return (event: StopStreamEvent) => {
    switch (event.type) {
      case "node-stopped":
        if (event.killed) {
          console.log(`  ${CHECK} Node terminated`);
          killed++;
        } else if (!byName) console.log(`  ${CHECK} ${event.node} stopped`);
        break;
      case "not-responding":
        console.log(`Warning: Node '${event.node}' not responding`);
        console.log(`Waiting... (${Math.round((event.timeout_ms || graceMs) / 1000)}s timeout)`);
        break;
      case "force-stopping":
        console.log("Force stopping node...");
        break;
      case "error":
        console.error(`Error: ${event.message}`);
        break;
    }
    return killed;
  };
}

function confirm(question: string): boolean {
  if (!settings.confirmStop() || !Deno.stdin.isTerminal()) return true;
  const answer = prompt(`${question} [y/N]`);
  return answer !== null && /^y(es)?$/i.test(answer.trim());
}

async function stopOne(
  client: DaemonClient,
  info: DataflowInfo,
  req: StopRequest,
  heading: "uuid" | "name",
): Promise<void> {
  if (heading === "name") {
    console.log(`Found dataflow: ${info.name} (${info.uuid})`);
    console.log("Stopping...");
  } else {
    console.log(`Stopping dataflow ${info.uuid}...`);
  }
  const print = printer(heading === "name", req.grace_ms ?? settings.stopTimeoutMs());
  let stopped = 0;
  await client.stream<StopStreamEvent>(
    "POST",
    `/v1/dataflows/${info.uuid}/stop`,
    req,
    (event) => {
      if (event.type === "node-stopped") stopped++;
      print(event);
    },
  );
  if (heading === "name" && stopped > 0) console.log(`  ${CHECK} All nodes stopped`);
  console.log("Dataflow stopped successfully");
}

async function stopAll(client: DaemonClient, req: StopRequest): Promise<number> {
  const all = await client.request<DataflowInfo[]>("GET", "/v1/dataflows");
  const active = all.filter((d) => d.status === "Running" || d.status === "Stopping");
  if (active.length === 0) {
    console.log("No running dataflows to stop");
    return 0;
  }
  if (!confirm(`Stop all ${active.length} running dataflows?`)) return 1;
  console.log("Stopping all dataflows...");
  // Stop in parallel, print each dataflow's block in order as it completes.
  const blocks = active.map((info) => {
    const lines: string[] = [`Stopping ${info.name} (${info.uuid})...`];
    const done = client.stream<StopStreamEvent>(
      "POST",
      `/v1/dataflows/${info.uuid}/stop`,
      req,
      (event) => {
        if (event.type === "node-stopped") {
          lines.push(
            event.killed ? `  ${CHECK} ${event.node} killed` : `  ${CHECK} ${event.node} stopped`,
          );
        } else if (event.type === "not-responding") {
          lines.push(`Warning: Node '${event.node}' not responding`);
        } else if (event.type === "force-stopping") lines.push("Force stopping node...");
      },
    ).then(() => lines.push("Dataflow stopped"));
    return { lines, done };
  });
  for (const block of blocks) {
    await block.done;
    console.log("");
    for (const line of block.lines) console.log(line);
  }
  console.log("");
  console.log(`All dataflows stopped (${active.length} total)`);
  return 0;
}

/** Picks a UUID out of pasted text such as "Dataflow started: <uuid>". */
function pickRef(words: string[]): string | undefined {
  if (words.length <= 1) return words[0];
  const uuids = words.join(" ").match(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
  );
  if (uuids && new Set(uuids).size === 1) return uuids[0];
  throw new UsageError(`Expected one dataflow, got: ${words.join(" ")}`);
}

/** Runs `dora stop`. */
export async function stop(refWords: string[], opts: StopOptions): Promise<number> {
  const req = stopRequest(opts);
  const ref = pickRef(refWords);
  const chosen = [ref !== undefined, opts.all === true, opts.name !== undefined].filter(Boolean);
  if (chosen.length > 1) throw new UsageError("Give one of: a UUID or name, --name, or --all");
  const client = await DaemonClient.connect(opts.port, NOT_RUNNING_SOLUTION);
  if (opts.all) return await stopAll(client, req);

  let target = ref ?? opts.name;
  if (target === undefined) {
    const all = await client.request<DataflowInfo[]>("GET", "/v1/dataflows");
    const active = all.filter((d) => d.status === "Running" || d.status === "Stopping");
    if (active.length === 0) throw new DoraError("No running dataflow to stop", []);
    if (active.length > 1) {
      throw new UsageError("Several dataflows are running; say which one to stop", [
        ...active.map((d) => `  ${d.uuid}  ${d.name}`),
        "Use 'dora stop <uuid|name>' or 'dora stop --all'",
      ]);
    }
    target = active[0]!.uuid;
  }
  const info = await client.request<DataflowInfo>(
    "GET",
    `/v1/dataflows/${encodeURIComponent(target)}`,
  );
  if (opts.name !== undefined && info.name !== opts.name) {
    throw new DoraError(`Dataflow ${opts.name} not found`, [
      "",
      "Run 'dora list' to see active dataflows",
    ]);
  }
  if (info.status !== "Running" && info.status !== "Stopping") {
    console.log(`Dataflow ${info.name} (${info.uuid}) is not running (${info.status})`);
    return 0;
  }
  if (!confirm(`Stop dataflow ${info.name} (${info.uuid})?`)) {
    console.log("Not stopped");
    return 1;
  }
  const byName = opts.name !== undefined || (ref !== undefined && ref === info.name);
  await stopOne(client, info, req, byName ? "name" : "uuid");
  return 0;
}
