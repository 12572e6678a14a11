/**
 * Hot reload of a running dataflow: a `ReloadWatcher` (lib/reload) on the dataflow's folder,
 * `planReload` (reload_plan.ts) to decide what restarts, and the runtime to do it. Used by
 * `dora run --hot-reload` and by the daemon for `dora start --hot-reload`.
 *
 * What the user sees (`report`), and what goes to the dataflow's log as `dora` lines of the
 * pseudo-node `dora` (`<log dir>/dora.log`, shown by `dora logs`):
 *
 *     File changed: processor.py
 *     Restarting dataflow... (processor)      (the nodes it restarts; all: after a reason line)
 *     Dataflow restarted successfully         (once they have run for DORA_START_CHECK_MS)
 *
 * An invalid YAML is reported with its problems and the running dataflow is kept. The watcher
 * never runs two reloads at once; changes seen during one make exactly one more.
 */
import { relative } from "node:path";
import { countProblems, formatProblems, parseDataflow } from "../descriptor/mod.ts";
import type { Dataflow } from "../descriptor/types.ts";
import { settings } from "../config.ts";
import { errorMessage } from "../errors.ts";
import { nodeLogFile } from "../logs/format.ts";
import { LogWriter } from "../logs/writer.ts";
import { ReloadWatcher } from "../reload/mod.ts";
import type { DataflowRuntime } from "./dataflow.ts";
import type { DataPlane } from "./plane.ts";
import { planReload } from "./reload_plan.ts";

/** The log "node" holding dataflow-level hot reload lines (`dora` is a reserved node id). */
export const RELOAD_LOG_NODE = "dora";

/** At most this many "File changed" lines per reload; the rest are counted. */
const MAX_FILE_LINES = 5;

/** Options for `HotReload.start`. */
export interface HotReloadOptions {
  runtime: DataflowRuntime;
  /** Replaces the default watch patterns (`--watch`). */
  patterns?: readonly string[];
  /** Time a restarted node gets to exit before SIGKILL (default: `settings.stopTimeoutMs()`). */
  graceMs?: number;
  /** Variables for `$VAR` and PATH when the YAML is read again (default: this process's). */
  parseEnv?: Record<string, string>;
  /**
   * For a whole-dataflow restart: closes the old data plane (nodes are gone by then) and
   * returns a new one for `next`.
   */
  swapPlane: (old: DataPlane | undefined, next: Dataflow) => Promise<DataPlane | undefined>;
  /** Each line for the user; `error` for problems (invalid YAML, failed restart). */
  report?: (line: string, error: boolean) => void;
  /** A changed dataflow took effect (the daemon stores it, `run` re-aligns its prefixes). */
  onApplied?: (dataflow: Dataflow) => void;
  /** Trailing debounce, ms (default `DORA_RELOAD_DEBOUNCE_MS`, 300). */
  debounceMs?: number;
}

/** Watches a running dataflow's folder and reloads what changed; see the module comment. */
export class HotReload {
  /** The folder watched (the dataflow's folder). */
  readonly root: string;
  /** The watch patterns in effect. */
  readonly patterns: readonly string[];
  readonly #opts: HotReloadOptions;
  readonly #watcher: ReloadWatcher;
  readonly #log: LogWriter;

  private constructor(opts: HotReloadOptions) {
    this.#opts = opts;
    this.#log = new LogWriter(nodeLogFile(opts.runtime.logDir, RELOAD_LOG_NODE));
    this.#watcher = new ReloadWatcher({
      root: opts.runtime.dataflow.dir,
      patterns: opts.patterns,
      debounceMs: opts.debounceMs,
      onChange: (files) => this.apply(files),
      onError: (err) => this.#say(`Error: hot reload: ${errorMessage(err)}`, true),
    });
    this.root = this.#watcher.root;
    this.patterns = this.#watcher.patterns;
  }

  /** Starts watching. Throws a `DoraError` when the folder cannot be watched. */
  static start(opts: HotReloadOptions): HotReload {
    const reload = new HotReload(opts);
    reload.#watcher.start();
    return reload;
  }

  /** Stops watching; resolves once a reload in progress has finished. */
  async close(): Promise<void> {
    await this.#watcher.close();
    this.#log.close();
  }

  /** Reloads for these changed files (relative to `root`); what the watcher calls. */
  async apply(files: string[]): Promise<void> {
    const { runtime } = this.#opts;
    if (runtime.status !== "Running") return;
    for (const file of files.slice(0, MAX_FILE_LINES)) this.#say(`File changed: ${file}`);
    if (files.length > MAX_FILE_LINES) {
      this.#say(`... and ${files.length - MAX_FILE_LINES} more files changed`);
    }
    const current = runtime.dataflow;
    const yaml = relative(this.root, current.file);
    const next = files.includes(yaml) ? await this.#readYaml(current.file, yaml) : undefined;
    const ended = new Set(
      runtime.snapshot().nodes
        .filter((n) => ["Succeeded", "Failed", "Stopped", "Unknown"].includes(n.status))
        .map((n) => n.id),
    );
    const plan = planReload({ current, next, files: files.filter((f) => f !== yaml), ended });
    for (const note of plan.notes) this.#say(note);
    if (runtime.status !== "Running") return;
    try {
      if (plan.action === "none") {
        if (next) this.#say("No node changed: nothing to restart");
        return;
      }
      let restarted: string[];
      if (plan.action === "nodes") {
        const ids = plan.nodes.map((n) => n.id);
        this.#say(`Restarting dataflow... (${ids.join(", ")})`);
        const skipped = await runtime.restartNodes(plan.nodes, { graceMs: this.#opts.graceMs });
        if (skipped.length > 0 && runtime.status === "Running") {
          // A node ended between the plan and the restart: only a full restart brings it back.
          this.#say(`Node '${skipped[0]}' has already ended: restarting the whole dataflow`);
          await this.#replace(plan.dataflow);
          restarted = plan.dataflow.nodes.map((n) => n.id);
        } else {
          restarted = ids;
        }
      } else {
        this.#say(`${capitalise(plan.reason)}: every node restarts`);
        await this.#replace(plan.dataflow);
        restarted = plan.dataflow.nodes.map((n) => n.id);
      }
      if (next) this.#opts.onApplied?.(runtime.dataflow);
      await this.#outcome(restarted);
    } catch (err) {
      this.#say(`Error: hot reload failed: ${errorMessage(err)}`, true);
    }
  }

  async #replace(dataflow: Dataflow): Promise<void> {
    this.#say("Restarting dataflow...");
    await this.#opts.runtime.replace(dataflow, this.#opts.swapPlane, {
      graceMs: this.#opts.graceMs,
    });
  }

  /** The re-read dataflow, or undefined (problems reported) when it cannot be used. */
  async #readYaml(file: string, shown: string): Promise<Dataflow | undefined> {
    try {
      const { dataflow, problems } = await parseDataflow(file, { env: this.#opts.parseEnv });
      if (dataflow) return dataflow;
      this.#say(
        `Error: invalid dataflow file '${shown}' (${countProblems(problems.length)}); ` +
          "the running dataflow is kept:",
        true,
      );
      const lines = formatProblems(problems.map((p) => ({ ...p, file: shown }))).split("\n");
      for (const line of lines) this.#say(`  ${line}`, true);
    } catch (err) {
      this.#say(`Error: ${errorMessage(err)}; the running dataflow is kept`, true);
    }
    return undefined;
  }

  /**
   * Says whether the restarted nodes run again: success only once they have lived through
   * `DORA_START_CHECK_MS` (a node that dies on a SyntaxError is reported, with its last line).
   */
  async #outcome(ids: string[]): Promise<void> {
    const { runtime } = this.#opts;
    const deadline = Date.now() + settings.startCheckMs();
    const failedNow = () =>
      runtime.snapshot().nodes.filter((n) =>
        ids.includes(n.id) &&
        (n.status === "Failed" ||
          (n.status === "Restarting" && (n.signal !== null || (n.exit_code ?? 0) !== 0)))
      );
    while (Date.now() < deadline && runtime.status === "Running" && failedNow().length === 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - Date.now())));
    }
    const failed = failedNow();
    if (runtime.status === "Stopping" || runtime.status === "Stopped") {
      this.#say("The dataflow was stopped during the reload", true);
      return;
    }
    if (failed.length === 0 && runtime.status === "Running") {
      this.#say("Dataflow restarted successfully");
      return;
    }
    for (const node of failed) {
      const how = node.reason ??
        (node.signal ? `killed by ${node.signal}` : `exited with code ${node.exit_code}`);
      const last = node.last_stderr.map((l) => l.trim()).filter(Boolean).at(-1);
      const said = last && !how.includes(last) ? `: ${last}` : "";
      this.#say(`Error: node '${node.id}' failed after the restart: ${how}${said}`, true);
    }
  }

  #say(line: string, error = false): void {
    this.#log.append([{ time: Date.now(), stream: "dora", text: line }]);
    this.#opts.report?.(line, error);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
