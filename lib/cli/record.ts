/**
 * `dora record [DATAFLOW] [-o FILE.mcap] [--topics a/b,...] [--encoding arrow|json]`: writes the
 * messages of a running dataflow (the daemon's, or a `dora run` in another terminal) to an MCAP
 * file, through the tap API, until the dataflow ends or Ctrl-C (a second Ctrl-C exits 130 at
 * once: the file then reads up to its last chunk). `dora record --info FILE` summarises one.
 */
import type { DataflowInfo } from "../api/types.ts";
import { liveRuns } from "../api/runs.ts";
import { type DataflowTarget, findDataflow } from "../client/target.ts";
import { DoraError, errorMessage, UsageError } from "../errors.ts";
import { formatBytes, renderTable } from "../output/format.ts";
import type { Encoding, RecordInput } from "../record/codec.ts";
import { dataflowPath, interactive, Out, topicArg } from "./_inspect.ts";

/** Flags of `dora record`. */
export interface RecordFlags {
  dataflow?: string;
  output?: string;
  topics?: string;
  encoding?: string;
  force?: boolean;
  info?: string;
  json?: boolean;
  port?: number;
}

/** Payload bytes asked of the tap per message (the API's largest). */
const TAP_MAX_BYTES = 16 * 1024 * 1024;
/** Messages the host may hold for the recorder while it writes. */
const TAP_QUEUE = 100_000;

const encoder = new TextEncoder();

/** `--encoding`, checked. */
export function encodingFlag(text: string | undefined): Encoding {
  if (text === undefined || text === "arrow") return "arrow";
  if (text === "json") return "json";
  throw new UsageError(`Invalid --encoding '${text}': expected arrow or json`);
}

/** `--topics a/b,c/d` as topics (null: every output). */
export function topicsFlag(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const topics = text.split(",").map((t) => t.trim()).filter(Boolean);
  if (topics.length === 0) {
    throw new UsageError(`Invalid --topics '${text}': expected NODE/OUTPUT,... e.g. camera/image`);
  }
  for (const t of topics) topicArg(t);
  return topics;
}

/** A YAML path given as the dataflow: the running dataflow started from that file. */
async function byFile(ref: string, port: number | undefined): Promise<string | undefined> {
  if (!/\.ya?ml$/i.test(ref)) return undefined;
  let path: string;
  try {
    path = await Deno.realPath(ref);
  } catch {
    return undefined;
  }
  const run = (await liveRuns()).find((r) => r.file === path);
  if (run) return run.uuid;
  try {
    const { DaemonClient } = await import("../client/client.ts");
    const daemon = await DaemonClient.connect(port);
    const { ControlClient } = await import("../client/control.ts");
    const client = await ControlClient.ofDaemon(daemon);
    const all = await client.request<DataflowInfo[]>("GET", "/v1/dataflows");
    const found = all.find((d) => d.status === "Running" && d.file === path);
    if (found) return found.uuid;
  } catch {
    // no daemon: the error below says what runs
  }
  throw new DoraError(`No running dataflow was started from ${ref}`, [
    `Start it first ('dora start ${ref}' or 'dora run ${ref}'), or name it with -d`,
  ]);
}

/** Runs `dora record`. */
export async function record(ref: string | undefined, flags: RecordFlags): Promise<number> {
  if (flags.info !== undefined) return await printInfo(flags.info, flags.json ?? false);
  if (ref !== undefined && flags.dataflow !== undefined) {
    throw new UsageError("Name the dataflow once: as an argument or with -d, not both");
  }
  const encoding = encodingFlag(flags.encoding);
  const topics = topicsFlag(flags.topics);
  const { Recorder, defaultRecordingName } = await import("../record/recorder.ts");
  const output = flags.output ?? defaultRecordingName();
  if (output.trim() === "") throw new UsageError("The output file (-o) cannot be empty");
  const wanted = ref ?? flags.dataflow;
  const resolved = wanted === undefined ? undefined : (await byFile(wanted, flags.port)) ?? wanted;
  const t = await findDataflow(resolved, { port: flags.port, interactive: interactive() });
  if (t.status !== "Running") {
    throw new DoraError(`Dataflow ${t.name} is not running (${t.status})`, [
      "Only a running dataflow can be recorded.",
    ]);
  }
  const info = await t.client.request<DataflowInfo>("GET", dataflowPath(t));
  let yaml: string | undefined;
  try {
    yaml = await Deno.readTextFile(info.file);
  } catch (err) {
    console.error(
      `Warning: cannot read the dataflow's file ${info.file} (${errorMessage(err)}); ` +
        "the recording has no YAML: replay it with --dataflow FILE",
    );
  }
  let recorder;
  try {
    recorder = await Recorder.create({
      path: output,
      encoding,
      overwrite: flags.force,
      dataflow: { name: t.name, uuid: t.uuid, file: info.file, yaml, topics, host: t.via },
      warn: (m) => console.error(`Warning: ${m}`),
    });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new DoraError(`${output} already exists`, ["Choose another -o, or add --force"]);
    }
    throw new DoraError(`Cannot write ${output}: ${errorMessage(err)}`);
  }
  const what = topics === null ? "every output" : topics.join(", ");
  console.error(`Recording ${t.name} (${t.uuid}) to ${output}: ${what}. Ctrl-C stops.`);
  let result: { dropped: number; ended?: string };
  try {
    result = await follow(t, topics, (m) => recorder.message(m));
  } catch (err) {
    // The host went away: the file keeps what came before it.
    const summary = await recorder.close();
    console.error(`Recorded ${summary.messages} messages to ${output} before the error below`);
    throw err;
  }
  const { dropped, ended } = result;
  const summary = await recorder.close(dropped);
  if (ended) console.error(`Stopped: ${ended}`);
  console.error(
    `Recorded ${summary.messages} message${
      summary.messages === 1 ? "" : "s"
    } on ${summary.topics} ` +
      `topic${summary.topics === 1 ? "" : "s"} over ${(summary.durationMs / 1000).toFixed(1)}s ` +
      `to ${output} (${formatBytes(summary.bytes)})`,
  );
  if (summary.dropped > 0) {
    console.error(
      `Warning: ${summary.dropped} messages were not recorded: the recorder did not keep up ` +
        "(the dataflow lost none)",
    );
  }
  return 0;
}

interface TapMessage {
  type: "message";
  node: string;
  output: string;
  timestamp: number;
  routed_at: number;
  kind: string;
  size: number;
  parameters: Record<string, unknown>;
  data: string;
  dropped: number;
}

/**
 * Reads the tap until the dataflow ends or Ctrl-C/SIGTERM; a second signal exits 130 at once
 * (what is on disk then reads up to its last chunk).
 */
async function follow(
  t: DataflowTarget,
  topics: string[] | null,
  push: (m: RecordInput & { size: number }) => void,
): Promise<{ dropped: number; ended?: string }> {
  const { kindByName } = await import("../api/kinds.ts");
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      console.error("Finishing the recording (Ctrl-C again to quit at once)...");
      controller.abort();
    } else Deno.exit(130);
  };
  const names: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of names) Deno.addSignalListener(s, onSignal);
  const query = [
    ...(topics ?? []).map((topic) => `topic=${encodeURIComponent(topic)}`),
    `max_bytes=${TAP_MAX_BYTES}`,
    `queue=${TAP_QUEUE}`,
  ].join("&");
  let dropped = 0;
  let ended: string | undefined;
  try {
    await t.client.lines<TapMessage | { type: "end"; reason: string; dropped: number }>(
      "GET",
      dataflowPath(t, `/tap?${query}`),
      undefined,
      (e) => {
        if ("dropped" in e) dropped = e.dropped;
        if (e.type === "end") {
          ended = e.reason;
          return false;
        }
        if (e.type !== "message") return true;
        const params = Object.keys(e.parameters).length > 0
          ? encoder.encode(JSON.stringify(e.parameters))
          : new Uint8Array(0);
        push({
          node: e.node,
          output: e.output,
          kind: kindByName(e.kind) ?? 0,
          timestampNs: e.timestamp * 1e6,
          routedMs: e.routed_at,
          payload: Uint8Array.fromBase64(e.data),
          params,
          size: e.size,
        });
        return true;
      },
      controller.signal,
    );
  } finally {
    for (const s of names) Deno.removeSignalListener(s, onSignal);
  }
  return { dropped, ended };
}

/** `dora record --info FILE`. */
async function printInfo(path: string, json: boolean): Promise<number> {
  const { recordingInfo } = await import("../record/info.ts");
  const info = await recordingInfo(path);
  const out = new Out();
  if (json) {
    out.json(info);
    return 0;
  }
  const d = info.dataflow;
  out.line(
    `File:      ${info.file} (${formatBytes(info.file_bytes)})${
      info.complete ? "" : "  INCOMPLETE: the recorder was stopped before it finished"
    }`,
  );
  out.line(`Dataflow:  ${d.name ?? "-"}${d.uuid ? ` (${d.uuid})` : ""}`);
  if (d.file) out.line(`YAML:      ${d.file}${d.yaml ? "" : " (not in the recording)"}`);
  out.line(`Recorded:  ${info.start ?? "-"} to ${info.end ?? "-"}`);
  out.line(`Duration:  ${info.duration_s.toFixed(3)}s`);
  out.line(`Messages:  ${info.messages}${info.dropped ? ` (${info.dropped} not recorded)` : ""}`);
  out.line(`Encoding:  ${info.encoding ?? info.topics[0]?.encoding ?? "-"} (${info.library})`);
  out.line("");
  out.line(renderTable(
    ["TOPIC", "TYPE", "MESSAGES", "SIZE", "RATE"],
    info.topics.map((t) => [
      t.topic,
      t.types.join(", "),
      String(t.messages),
      formatBytes(t.bytes),
      `${t.rate_hz.toFixed(1)}/s`,
    ]),
  ));
  return 0;
}
