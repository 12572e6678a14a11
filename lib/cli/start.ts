/**
 * `dora start [FILE]`: validate on this side (same errors as `check`), bring the daemon up if
 * none runs, hand the resolved dataflow over, print its UUID. stdout carries exactly one UUID
 * (`Dataflow started: <uuid>`) so `$(dora start ... | grep -oP '[0-9a-f-]{36}')` works; the hint
 * lines go to stderr.
 */
import { callerSettings } from "../config.ts";
import { UsageError } from "../errors.ts";
import type { StartRequest, StartResponse } from "../api/types.ts";
import { DaemonClient } from "../client/client.ts";
import { ensureDaemon } from "../client/launch.ts";
import { nameProblem } from "../daemon/names.ts";
import { loadDataflowOrThrow } from "../descriptor/mod.ts";
import { parseSize } from "../output/format.ts";
import { DEFAULT_WATCH_PATTERNS, parsePatternList } from "../reload/mod.ts";
import { parseRestartPolicy } from "../restart/mod.ts";
import { boolFlagAndFile } from "./_flags.ts";

/** Options of `dora start`. */
export interface StartOptions {
  name?: string;
  env: string[];
  attach?: boolean;
  /** dora's default; accepted so dora users' commands work. */
  detach?: boolean;
  hotReload?: boolean;
  watch?: string;
  restartPolicy?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  /** `--exit-when-nodes-finish[=BOOL]`: overrides the YAML's `exit_when_nodes_finish`. */
  exitWhenNodesFinish?: string | boolean;
  json?: boolean;
  port?: number;
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.slice(0, eq))) {
      throw new UsageError(`Invalid --env '${pair}': expected KEY=VALUE`);
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Builds the request from the flags; throws UsageError for bad flag values. */
async function buildRequest(file: string, opts: StartOptions): Promise<StartRequest> {
  if (opts.name !== undefined) {
    const problem = nameProblem(opts.name);
    if (problem) throw new UsageError(`Invalid --name: ${problem}`);
  }
  const env = parseEnv(opts.env);
  const exitFlag = boolFlagAndFile(
    "--exit-when-nodes-finish",
    opts.exitWhenNodesFinish,
    file,
    "dataflow.yml",
  );
  const dataflow = await loadDataflowOrThrow(exitFlag.file);
  if (exitFlag.value !== undefined) dataflow.exitWhenNodesFinish = exitFlag.value;
  const req: StartRequest = {
    dataflow,
    name: opts.name,
    env,
    base_env: Deno.env.toObject(),
    // Unset here means: the daemon's own DORA_RESTART_POLICY / DORA_HOT_RELOAD decide.
    restart_policy: opts.restartPolicy ?? callerSettings.restartPolicy(),
    hot_reload: opts.hotReload ?? callerSettings.hotReload(),
  };
  if (req.restart_policy !== undefined) {
    req.restart_policy = parseRestartPolicy(
      req.restart_policy,
      opts.restartPolicy !== undefined ? "--restart-policy" : "DORA_RESTART_POLICY",
    );
  }
  if (opts.watch !== undefined) {
    req.watch = parsePatternList(opts.watch);
    if (req.watch.length === 0) {
      throw new UsageError(
        `Invalid --watch '${opts.watch}': expected patterns such as "*.py,config/*"`,
      );
    }
  }
  if (opts.cpuLimit !== undefined) {
    const cpus = Number(opts.cpuLimit);
    if (!Number.isFinite(cpus) || cpus <= 0) {
      throw new UsageError(`Invalid --cpu-limit '${opts.cpuLimit}': expected CPUs, e.g. 2.0`);
    }
    req.cpu_limit = cpus;
  }
  if (opts.memoryLimit !== undefined) {
    const bytes = parseSize(opts.memoryLimit);
    if (bytes === undefined || bytes <= 0) {
      throw new UsageError(`Invalid --memory-limit '${opts.memoryLimit}': expected e.g. 512M, 4G`);
    }
    req.memory_limit = bytes;
  }
  return req;
}

/** Runs `dora start`. */
export async function start(file: string, opts: StartOptions): Promise<number> {
  if (opts.attach && opts.detach) throw new UsageError("Give --attach or --detach, not both");
  const req = await buildRequest(file, opts);
  const launch = await ensureDaemon(opts.port);
  if (launch.started && !opts.json) {
    console.error(`Started the dora daemon on port ${launch.status.port}`);
  }
  const client = await DaemonClient.connectTo(launch.target);
  const res = await client.request<StartResponse>("POST", "/v1/dataflows", req);
  if (opts.json) {
    console.log(JSON.stringify(res, null, 2));
  } else {
    // The daemon turns hot reload off, with this warning, when it cannot watch the folder.
    const reloading = res.hot_reload ?? req.hot_reload === true;
    console.log(`Dataflow started: ${res.uuid}${reloading ? " (hot-reload enabled)" : ""}`);
    for (const warning of res.warnings) console.error(`Warning: ${warning}`);
    if (req.watch && !reloading) {
      console.error("Warning: --watch has no effect without --hot-reload");
    }
    if (reloading) {
      console.error("");
      console.error("Watching for changes...");
      for (const pattern of req.watch ?? DEFAULT_WATCH_PATTERNS) console.error(`  - ${pattern}`);
    }
    for (const failed of res.failed_nodes) {
      console.error(`Warning: Node '${failed.id}' failed to start`);
      console.error(`  ${failed.reason}`);
    }
    if (res.failed_nodes.length) {
      console.error("");
      for (const failed of res.failed_nodes) {
        console.error(`Check logs: dora logs ${res.uuid} --node ${failed.id}`);
      }
    }
    console.error("");
    console.error(`Use 'dora stop ${res.uuid}' to stop`);
    console.error("Use 'dora list' to view status");
    console.error(`Use 'dora logs ${res.uuid}' to view logs`);
  }
  if (opts.attach) {
    const { attach } = await import("./attach.ts");
    return await attach(client, res.uuid);
  }
  return 0;
}
