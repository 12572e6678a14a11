/**
 * `dora stop [UUID|SHORT-ID|PREFIX|NAME] [--all] [--name N] [--force] [--grace-duration D]`: the
 * seed's output, line by line as it happens (stop_transcript.ts); returns when the dataflow has
 * ended. Nothing named never stops anything: piped it is a usage error listing what runs, on a
 * terminal a picker asks. `DORA_STOP_TIMEOUT`, `DORA_FORCE_STOP` and `DORA_CONFIRM_STOP` of the
 * caller's shell apply; unset, the daemon's own values do.
 */
import { callerSettings } from "../config.ts";
import { DoraError, UsageError } from "../errors.ts";
import type { DataflowInfo, StopRequest, StopStreamEvent } from "../api/types.ts";
import { DaemonClient, type NotRunning } from "../client/client.ts";
import { CHECK, parseDuration } from "../output/format.ts";
import { pick } from "./picker.ts";
import { consoleSink, type LineSink, StopTranscript } from "./stop_transcript.ts";

/** The seed's "Daemon not running" for stop. */
export const STOP_NOT_RUNNING: NotRunning = {
  message: "Cannot connect to daemon",
  solution: [
    "",
    "Solution:",
    "  1. Check if daemon is running: dora list",
    "  2. If not, there are no dataflows to stop",
  ],
};

/** Options of `dora stop`. */
export interface StopOptions {
  all?: boolean;
  name?: string;
  force?: boolean;
  graceDuration?: string;
  json?: boolean;
  port?: number;
}

/** The stop request: flags first, then the caller's environment; the rest is the daemon's. */
export function stopRequest(opts: { force?: boolean; graceDuration?: string }): StopRequest {
  const req: StopRequest = {};
  const force = opts.force ? true : callerSettings.forceStop();
  if (force !== undefined) req.force = force;
  if (opts.graceDuration !== undefined) {
    const ms = parseDuration(opts.graceDuration);
    if (ms === undefined) {
      throw new UsageError(
        `Invalid --grace-duration '${opts.graceDuration}': use e.g. 10s, 500ms, 2m`,
      );
    }
    req.grace_ms = ms;
  } else {
    const ms = callerSettings.stopTimeoutMs();
    if (ms !== undefined) req.grace_ms = ms;
  }
  return req;
}

function confirm(question: string): boolean {
  if (!(callerSettings.confirmStop() ?? false) || !Deno.stdin.isTerminal()) return true;
  const answer = prompt(`${question} [y/N]`);
  return answer !== null && /^y(es)?$/i.test(answer.trim());
}

/** Whether the shutdown sequence is shown (a person watches stdout). */
function onTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}

const isActive = (d: DataflowInfo) => d.status === "Running" || d.status === "Stopping";

/** Streams one dataflow's stop into `transcript`. */
export async function streamStop(
  client: DaemonClient,
  uuid: string,
  req: StopRequest,
  transcript: StopTranscript,
): Promise<void> {
  await client.stream<StopStreamEvent>(
    "POST",
    `/v1/dataflows/${uuid}/stop`,
    req,
    (event) => transcript.event(event),
  );
  await transcript.finish();
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
  const transcript = new StopTranscript(info.uuid, consoleSink, {
    collapse: heading === "name",
    sequence: onTerminal(),
  });
  await streamStop(client, info.uuid, req, transcript);
  if (heading === "name" && transcript.stopped + transcript.killed > 0) {
    console.log(`  ${CHECK} All nodes stopped`);
  }
  console.log("Dataflow stopped successfully");
}

/** A sink that keeps lines until `flush` sends them, then passes them on as they come. */
class HeldSink implements LineSink {
  #held: [keyof LineSink, string][] = [];
  #live = false;
  line(text: string): void {
    if (this.#live) console.log(text);
    else this.#held.push(["line", text]);
  }
  error(text: string): void {
    if (this.#live) console.error(text);
    else this.#held.push(["error", text]);
  }
  flush(): void {
    for (const [kind, text] of this.#held.splice(0)) consoleSink[kind](text);
    this.#live = true;
  }
}

async function stopAll(client: DaemonClient, req: StopRequest): Promise<number> {
  const active = (await client.request<DataflowInfo[]>("GET", "/v1/dataflows")).filter(isActive);
  if (active.length === 0) {
    console.log("No running dataflows to stop");
    return 0;
  }
  if (!confirm(`Stop all ${active.length} running dataflows?`)) return 1;
  console.log("Stopping all dataflows...");
  // Every dataflow stops at once; their blocks are printed one after the other, the current
  // one live, the later ones' lines held until their turn.
  const sequence = onTerminal();
  const blocks = active.map((info) => {
    const sink = new HeldSink();
    sink.line(`Stopping ${info.name} (${info.uuid})...`);
    const transcript = new StopTranscript(info.uuid, sink, { sequence });
    const done = streamStop(client, info.uuid, req, transcript).then(() =>
      sink.line("Dataflow stopped")
    );
    return { sink, done };
  });
  for (const block of blocks) {
    console.log("");
    block.sink.flush();
    await block.done;
  }
  console.log("");
  console.log(`All dataflows stopped (${active.length} total)`);
  return 0;
}

/** Picks a UUID out of pasted text such as "Dataflow started: <uuid>". */
function pickRef(words: string[]): string | undefined {
  if (words.some((w) => w.trim() === "") && words.join("").trim() === "") {
    throw new UsageError("The dataflow to stop is empty", [
      "Give its UUID, short id or name (an unset shell variable, or an empty file?)",
    ]);
  }
  if (words.length <= 1) return words[0]?.trim();
  const uuids = words.join(" ").match(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
  );
  if (uuids && new Set(uuids).size === 1) return uuids[0];
  throw new UsageError(`Expected one dataflow, got: ${words.join(" ")}`);
}

/** With nothing named: a picker on a terminal, else a usage error listing what runs. */
async function choose(client: DaemonClient): Promise<DataflowInfo | undefined> {
  const active = (await client.request<DataflowInfo[]>("GET", "/v1/dataflows")).filter(isActive);
  const rows = active.map((d) => `${d.name}  ${d.short_id}  ${d.uuid}  ${d.status}`);
  if (!Deno.stdin.isTerminal() || !Deno.stderr.isTerminal() || active.length === 0) {
    throw new UsageError("No dataflow named: say which one to stop", [
      ...(active.length ? ["Running:", ...rows.map((r) => `  ${r}`)] : ["Nothing is running."]),
      "Use 'dora stop <uuid|short id|name>', 'dora stop --name N' or 'dora stop --all'",
    ]);
  }
  const index = await pick("Which dataflow do you want to stop?", rows);
  return index === undefined ? undefined : active[index];
}

/**
 * Connects for a stop; undefined when no daemon runs and nothing was left running (a crashed
 * daemon's dataflows are an `OrphansError`).
 */
export async function connectForStop(port: number | undefined): Promise<DaemonClient | undefined> {
  try {
    return await DaemonClient.connect(port, STOP_NOT_RUNNING);
  } catch (err) {
    if (err instanceof DoraError && err.message === STOP_NOT_RUNNING.message) return undefined;
    throw err;
  }
}

/** Runs `dora stop`. */
export async function stop(refWords: string[], opts: StopOptions): Promise<number> {
  const req = stopRequest(opts);
  const ref = pickRef(refWords);
  if (opts.name !== undefined && opts.name.trim() === "") {
    throw new UsageError("--name is empty: give the dataflow's name");
  }
  const chosen = [ref !== undefined, opts.all === true, opts.name !== undefined].filter(Boolean);
  if (chosen.length > 1) throw new UsageError("Give one of: a UUID or name, --name, or --all");
  const client = await connectForStop(opts.port);
  if (!client) {
    // No daemon and nothing left running: nothing to stop (cron-friendly for --all).
    if (opts.all) {
      console.log("No running dataflows to stop (no daemon runs)");
      return 0;
    }
    throw new DoraError(STOP_NOT_RUNNING.message, STOP_NOT_RUNNING.solution);
  }
  if (opts.all) return await stopAll(client, req);

  let info: DataflowInfo | undefined;
  const target = ref ?? opts.name;
  if (target === undefined) {
    info = await choose(client);
    if (!info) {
      console.error("Cancelled: nothing stopped");
      return 1;
    }
  } else {
    info = await client.request<DataflowInfo>(
      "GET",
      `/v1/dataflows/${encodeURIComponent(target)}`,
    );
  }
  if (opts.name !== undefined && info.name !== opts.name) {
    throw new DoraError(`Dataflow ${opts.name} not found`, [
      "",
      "Run 'dora list' to see active dataflows",
    ]);
  }
  if (!isActive(info)) {
    console.log(`Dataflow ${info.name} (${info.uuid}) is not running (${info.status})`);
    return 0;
  }
  if (target !== undefined && !confirm(`Stop dataflow ${info.name} (${info.uuid})?`)) {
    console.log("Not stopped");
    return 1;
  }
  const byName = opts.name !== undefined || (ref !== undefined && ref === info.name);
  await stopOne(client, info, req, byName ? "name" : "uuid");
  return 0;
}
