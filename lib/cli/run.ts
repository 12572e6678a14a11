/**
 * `dora run [FILE] [--grace-duration D]`: runs a dataflow in the foreground, without any daemon.
 * Every node line is printed as `<node-id> | <line>` (structured log records as
 * `<node-id> | INFO  message`), from `--log-level` up; Ctrl-C (or SIGTERM/SIGHUP, or the end of
 * `--stop-after`) stops every node gracefully, a second Ctrl-C kills them at once. Exit 0 when
 * every node succeeded or the user stopped the run; 1 with a report when a node failed.
 *
 * With `--hot-reload` (or `DORA_HOT_RELOAD=true`) the dataflow's folder is watched and changed
 * nodes restart (see lib/runtime/hot_reload.ts); its lines go to stderr.
 */
import { ensureDoraHome, logsRoot, runDir, settings } from "../config.ts";
import { type Dataflow, loadDataflowOrThrow } from "../descriptor/mod.ts";
import { DoraError, UsageError } from "../errors.ts";
import { createDataPlane } from "../dataplane/mod.ts";
import { uuidv7 } from "../ids.ts";
import { displayText, type LogRecord, recordLevel } from "../logs/format.ts";
import { type LogLevel, passesLevel } from "../logs/levels.ts";
import { which } from "../runtime/command.ts";
import { boolFlagAndFile, parseLevelFlag } from "./_flags.ts";
import { CHECK, colorEnabled, makePrefixer, paint, parseDuration } from "../output/format.ts";
import { parsePatternList } from "../reload/mod.ts";
import { generateName } from "../daemon/names.ts";
import { type RunHost, startRunHost } from "../runhost/mod.ts";
import { BrokerTaps } from "../taps/broker_taps.ts";
import type { RunRecording } from "../record/in_process.ts";
import type { ParamTable } from "../taps/params.ts";
import {
  type DataflowResult,
  DataflowRuntime,
  type DataPlane,
  HotReload,
  type NodeSnapshot,
  policyRestartHook,
  type StopEvent,
} from "../runtime/mod.ts";

/** Flags of `dora run`, as main.ts parses them. */
export interface RunOptions {
  /** `--grace-duration`: time nodes get between SIGTERM and SIGKILL (overrides the env). */
  graceDuration?: string;
  /** `--hot-reload`: restart nodes whose files change (else `DORA_HOT_RELOAD`). */
  hotReload?: boolean;
  /** `--watch`: comma-separated patterns replacing the default ones. */
  watch?: string;
  /** `--restart-policy`: replaces every node's policy (else `DORA_RESTART_POLICY`). */
  restartPolicy?: string;
  /** `--log-level`: the least level shown (else `DORA_LOG_LEVEL`, else everything). */
  logLevel?: string;
  /** `--stop-after`: stop gracefully after this long (e.g. `30s`). */
  stopAfter?: string;
  /** `--uv`: Python nodes run with `uv run`, in the environment `dora build --uv` prepared. */
  uv?: boolean;
  /** `--exit-when-nodes-finish[=BOOL]`: overrides the YAML's `exit_when_nodes_finish`. */
  exitWhenNodesFinish?: string | boolean;
  /** `--record [FILE]`: record every output to an MCAP file (true: a default name). */
  record?: string | boolean;
  /** Instead of reading FILE: the dataflow to run (`dora replay` rewrites the recorded one). */
  load?: () => Promise<Dataflow>;
  /** With `load`: the YAML text a recording of this run keeps. */
  recordYaml?: string;
}

/** The file `run` reads when none is given. */
export const DEFAULT_FILE = "dataflow.yml";

const encoder = new TextEncoder();

/** Writes whole lines to a stream, batching the lines of one turn into one write. */
class LineOut {
  #pending: string[] = [];
  #scheduled = false;
  #broken = false;
  constructor(private readonly stream: typeof Deno.stdout | typeof Deno.stderr) {}

  line(text: string): void {
    if (this.#broken) return;
    this.#pending.push(text);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0 || this.#broken) return;
    const data = encoder.encode(this.#pending.join("\n") + "\n");
    this.#pending = [];
    try {
      let done = 0;
      while (done < data.length) done += this.stream.writeSync(data.subarray(done));
    } catch {
      // The reader went away (closed pipe, hung-up terminal): the run goes on, logs are kept.
      this.#broken = true;
    }
  }
}

/** Runs the dataflow in `file` until every node has exited or the user stops it. */
export async function run(fileArg: string, opts: RunOptions = {}): Promise<number> {
  const exitFlag = boolFlagAndFile(
    "--exit-when-nodes-finish",
    opts.exitWhenNodesFinish,
    fileArg,
    DEFAULT_FILE,
  );
  const file = exitFlag.file;
  const graceMs = graceFrom(opts.graceDuration);
  const level = levelFrom(opts.logLevel);
  const stopAfterMs = stopAfterFrom(opts.stopAfter);
  const uv = opts.uv ? findUv() : undefined;
  const out = new LineOut(Deno.stdout);
  const err = new LineOut(Deno.stderr);
  const hotReload = opts.hotReload ?? settings.hotReload();
  const patterns = watchPatterns(opts.watch);
  if (patterns && !hotReload) err.line("Warning: --watch has no effect without --hot-reload");
  const restart = opts.restartPolicy !== undefined
    ? policyRestartHook(opts.restartPolicy, "--restart-policy")
    : policyRestartHook(settings.restartPolicy(), "DORA_RESTART_POLICY");

  // Signals are caught from the start: a Ctrl-C while loading must not leave nodes behind.
  let interrupts = 0;
  let onInterrupt: () => void = () => interrupts++;
  const handler = () => onInterrupt();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  let runtime: DataflowRuntime | undefined;
  let plane: DataPlane | undefined;
  let stateDir: string | undefined;
  let reload: HotReload | undefined;
  let host: RunHost | undefined;
  const taps = new BrokerTaps();
  const params: ParamTable = {};
  let recording: RunRecording | undefined;
  try {
    const dataflow = opts.load ? await opts.load() : await loadDataflowOrThrow(file);
    if (exitFlag.value !== undefined) dataflow.exitWhenNodesFinish = exitFlag.value;
    if (interrupts > 0) return 0;
    await ensureDoraHome("logs", "run");
    const uuid = uuidv7();
    const logDir = `${logsRoot()}/${uuid}`;
    const ids = dataflow.nodes.map((n) => n.id);
    let prefix = makePrefixer(ids, colorEnabled(Deno.stdout));
    let errPrefix = makePrefixer(ids, colorEnabled(Deno.stderr));
    // One private folder for the nodes' output FIFOs and the data plane's socket.
    const socketDir = stateDir = `${runDir()}/${uuid}`;
    await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
    const makePlane = (next: typeof dataflow) =>
      createDataPlane({
        dataflowId: uuid,
        nodes: next.nodes,
        socketDir,
        descriptor: next.descriptor,
        onWarning: (_node, message) => err.line(`Warning: ${message}`),
        checkIntervalMs: next.healthCheckIntervalMs,
        exitWhenNodesFinish: next.exitWhenNodesFinish,
        onStopRequest: (node) => {
          if (interrupts > 0) return;
          err.line(`Node '${node}' asked to stop the dataflow`);
          onInterrupt();
        },
        hook: taps.hook(uuid),
        params: (id) => params[id],
      });
    plane = await makePlane(dataflow);
    const runName = generateName(new Set());
    if (opts.record !== undefined && opts.record !== false) {
      // Tapped before any node starts: the file holds every message of the run.
      const { startRunRecording } = await import("../record/in_process.ts");
      recording = await startRunRecording({
        taps,
        uuid,
        name: runName,
        dataflow,
        path: typeof opts.record === "string" ? opts.record : undefined,
        yaml: opts.recordYaml,
        warn: (message) => err.line(`Warning: ${message}`),
      });
      err.line(`Recording every output to ${recording.path}`);
    }
    const outColor = colorEnabled(Deno.stdout);
    if (interrupts > 0) return 0;
    runtime = await DataflowRuntime.start({
      uuid,
      name: uuid,
      dataflow,
      logDir,
      stateDir,
      plane,
      onLine: (node: string, _stream, text: string, _time, record: LogRecord) => {
        if (record.stream === "dora" && !record.level) {
          if (!quietDoraLine(text)) err.line(`${errPrefix(node)}[dora] ${text}`);
        } else if (shown(record, level)) {
          out.line(`${prefix(node)}${displayText(record, outColor)}`);
        }
      },
      onWarning: (_node, message) => err.line(`Warning: ${message}`),
      restart,
      uv,
    });
    for (const node of dataflow.nodes.filter((n) => n.kind === "dynamic")) {
      err.line(`Node '${node.id}' is dynamic: dora does not start it; start it yourself`);
    }
    const started = runtime;
    const color = colorEnabled(Deno.stderr);
    // Other terminals reach this run through its control socket (dora topic, node, param...).
    host = await startRunHost({
      uuid,
      name: runName,
      file: dataflow.file,
      runtime,
      taps,
      params,
      stop: ({ graceMs, force }) => {
        err.line("Stopping dataflow (asked from another terminal)...");
        return started.stop(
          { graceMs, force },
          (e) => stopLines(e, color).forEach((l) => err.line(l)),
        );
      },
      restartAll: (graceMs) =>
        started.replace(started.dataflow, async (old, next) => {
          await old?.close();
          return plane = await makePlane(next);
        }, { graceMs }),
      warn: (message) => err.line(`Warning: ${message}`),
    });
    if (hotReload) {
      reload = HotReload.start({
        runtime,
        patterns,
        graceMs,
        swapPlane: async (old, next) => {
          await old?.close();
          const nextIds = next.nodes.map((n) => n.id);
          prefix = makePrefixer(nextIds, colorEnabled(Deno.stdout));
          errPrefix = makePrefixer(nextIds, colorEnabled(Deno.stderr));
          if (exitFlag.value !== undefined) next.exitWhenNodesFinish = exitFlag.value;
          return plane = await makePlane(next);
        },
        report: (line) => err.line(line),
      });
      err.line("Watching for changes...");
      for (const pattern of reload.patterns) err.line(`  - ${pattern}`);
    }
    onInterrupt = () => {
      interrupts++;
      if (interrupts === 1) {
        err.line(
          `Stopping dataflow (grace period ${seconds(graceMs)}; Ctrl-C again to kill at once)...`,
        );
        void started.stop({ graceMs }, (e) => stopLines(e, color).forEach((l) => err.line(l)));
      } else if (interrupts === 2) {
        err.line("Killing every node now...");
        void started.stop({ force: true });
      }
    };
    if (interrupts > 0) {
      interrupts = 0;
      onInterrupt();
    }
    const stopTimer = stopAfterMs === undefined ? undefined : setTimeout(() => {
      if (interrupts > 0) return;
      interrupts++;
      err.line(`Stopping dataflow after ${opts.stopAfter} (--stop-after)...`);
      void started.stop({ graceMs }, (e) => stopLines(e, color).forEach((l) => err.line(l)));
    }, stopAfterMs);
    const result = await runtime.finished.finally(() => clearTimeout(stopTimer));
    out.flush();
    if (recording) {
      const summary = await recording.close();
      recording = undefined;
      err.line(
        `Recorded ${summary.messages} messages on ${summary.topics} topics to ${summary.path}`,
      );
    }
    const code = report(result, logDir, err, color);
    err.flush();
    return code;
  } finally {
    await recording?.close().catch(() => {});
    for (const signal of signals) Deno.removeSignalListener(signal, handler);
    await host?.close();
    await reload?.close();
    // Whatever went wrong, no node outlives the run.
    if (runtime?.status === "Running" || runtime?.status === "Stopping") {
      await runtime.stop({ force: true });
    }
    await (runtime?.plane ?? plane)?.close();
    if (stateDir) await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    out.flush();
    err.flush();
  }
}

/** Whether a record is shown at the `--log-level` chosen (everything when none). */
function shown(record: LogRecord, level: LogLevel | undefined): boolean {
  return level === undefined || passesLevel(recordLevel(record), level);
}

function levelFrom(flag: string | undefined): LogLevel | undefined {
  if (flag !== undefined) return parseLevelFlag("--log-level", flag);
  const env = Deno.env.get("DORA_LOG_LEVEL")?.trim();
  return env ? parseLevelFlag("DORA_LOG_LEVEL", env) : undefined;
}

function stopAfterFrom(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const ms = parseDuration(flag);
  if (ms === undefined) {
    throw new UsageError(`Invalid --stop-after '${flag}': expected a duration such as 30s or 5m`);
  }
  return ms;
}

/** The `uv` that runs Python nodes with `--uv`; a clear error when there is none. */
function findUv(): string {
  const uv = which("uv", Deno.env.get("PATH") ?? "");
  if (uv) return uv;
  throw new DoraError("--uv: 'uv' was not found on PATH", [
    "Install it (https://docs.astral.sh/uv/), e.g. 'pip install uv', or run without --uv.",
  ]);
}

/** `--watch` as patterns; undefined when not given. */
function watchPatterns(flag: string | undefined): string[] | undefined {
  if (flag === undefined) return undefined;
  const patterns = parsePatternList(flag);
  if (patterns.length === 0) {
    throw new UsageError(`Invalid --watch '${flag}': expected patterns such as "*.py,config/*"`);
  }
  return patterns;
}

/**
 * Supervisor lines not worth a terminal line: spawns, routine hot reload stops, and warnings
 * (already printed as `Warning: ...`).
 */
function quietDoraLine(text: string): boolean {
  return text.startsWith("started (pid") || text === "restarting for hot reload" ||
    text.startsWith("warning: ") ||
    (text.startsWith("stopped for hot reload:") && !text.includes("SIGKILL"));
}

function graceFrom(flag: string | undefined): number {
  if (flag === undefined) return settings.stopTimeoutMs();
  const ms = parseDuration(flag);
  if (ms === undefined) {
    throw new UsageError(
      `Invalid --grace-duration '${flag}': expected a duration such as 10s, 500ms or 2m`,
    );
  }
  return ms;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** The lines printed for one stop event. */
function stopLines(event: StopEvent, color: boolean): string[] {
  const check = paint(CHECK, 32, color);
  switch (event.type) {
    case "stopping":
      return [];
    case "stopped":
      return [`  ${check} ${event.node} stopped${event.killed ? " (killed)" : ""}`];
    case "not-responding":
      return [
        `${paint("Warning:", 33, color)} Node '${event.node}' not responding after ${
          seconds(event.waitedMs)
        }`,
      ];
    case "force-stopping":
      return [`Force stopping node '${event.node}'...`];
  }
}

/** Prints how the run ended; returns the exit code. */
function report(result: DataflowResult, logDir: string, err: LineOut, color: boolean): number {
  const failed = result.nodes.filter((n) => n.status === "Failed" || n.status === "Unknown");
  if (result.status === "Stopped") {
    err.line("Dataflow stopped");
    return 0;
  }
  if (result.status === "Succeeded") {
    const n = result.nodes.length;
    err.line(`Dataflow finished: ${n === 1 ? "the node" : `all ${n} nodes`} succeeded`);
    return 0;
  }
  const total = result.nodes.length;
  err.line(
    `${paint("Error:", 31, color)} dataflow failed: ${failed.length} of ${total} node${
      total === 1 ? "" : "s"
    } failed`,
  );
  for (const node of failed) {
    err.line(`  ${paint("✗", 31, color)} ${node.id}: ${describeEnd(node)}`);
    if (node.last_stderr.length > 0) {
      err.line(`    last stderr lines:`);
      for (const line of node.last_stderr) err.line(`    | ${line}`);
    }
  }
  err.line(`Logs: ${logDir}`);
  return 1;
}

/** How a failed node ended, in a few words. */
function describeEnd(node: NodeSnapshot): string {
  if (node.status === "Unknown") return node.reason ?? "ended; exit code unknown";
  // No process, or the wrapper could not exec the program (see NodeRunner).
  if (node.pid === null || node.reason?.startsWith("cannot execute")) {
    return `failed to start: ${node.reason}`;
  }
  const how = node.signal ? `killed by ${node.signal}` : `exited with code ${node.exit_code}`;
  return node.reason ? `${how} (${node.reason})` : how;
}
