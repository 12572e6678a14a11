/**
 * Hot reload's decision: from the files that changed (and the re-read dataflow, when its YAML
 * changed) to what restarts. Pure: dataflows and paths in, a plan out.
 *
 * Rules:
 * - A node's own files are its program, when it lies inside the dataflow's folder, and every
 *   word of its `args` that looks like a path (has a `/` or an extension) inside that folder
 *   (`python3 helper/run.py`). A changed own file restarts the nodes it belongs to, and only them.
 * - Any other source file (`.py`; `.ts`/`.tsx`/`.js`/`.jsx`/`.mjs`/`.cjs`) may be imported by
 *   the nodes written in that language: it restarts those whose own file's folder holds it (at
 *   any depth); when none does (a shared module elsewhere), every node of that language. A
 *   source file no node's language matches restarts nothing.
 * - Any other watched file (configuration: `.json`, `.toml`, `.env`, another YAML, whatever
 *   `--watch` adds) restarts every node.
 * - The dataflow's YAML, when valid again, is compared with the running one. Nodes added or
 *   removed, or a node whose inputs, outputs, `send_stdout_as` or dynamic-ness changed, restart
 *   the whole dataflow: the data plane's routes are fixed when it starts. Otherwise the nodes
 *   whose spec changed (env, args, path, restart policy, limits...) restart with their new
 *   spec; `build` lines alone change nothing.
 * - Dynamic nodes are never restarted (dora does not start them).
 * - A node to restart that has already ended makes the restart a whole-dataflow one: the data
 *   plane has closed its outputs and cannot take it back.
 */
import { dirname, extname, isAbsolute, relative, resolve } from "node:path";
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";

/** Source files by language family; one family's files may import each other. */
const FAMILIES: Record<string, string> = {
  ".py": "python",
  ".ts": "js",
  ".tsx": "js",
  ".js": "js",
  ".jsx": "js",
  ".mjs": "js",
  ".cjs": "js",
};

/** What changed, as the reload sees it. */
export interface ReloadInput {
  /** The running dataflow. */
  current: Dataflow;
  /** The dataflow re-read from its changed (and valid) YAML. */
  next?: Dataflow;
  /** Other changed files, relative to the dataflow's folder. */
  files: readonly string[];
  /** Nodes that have reached a final state. */
  ended: ReadonlySet<string>;
}

/** What to restart. `notes` explain choices to the user (skipped nodes, unused files). */
export type ReloadPlan =
  | { action: "none"; dataflow: Dataflow; notes: string[] }
  | { action: "nodes"; nodes: NodeSpec[]; dataflow: Dataflow; notes: string[] }
  | { action: "dataflow"; dataflow: Dataflow; reason: string; notes: string[] };

/** Decides what a batch of changes restarts; see the module comment. */
export function planReload(input: ReloadInput): ReloadPlan {
  const { current, next, ended } = input;
  const dataflow = next ?? current;
  const notes: string[] = [];
  if (next) {
    const reason = graphChange(current, next);
    if (reason) return { action: "dataflow", dataflow: next, reason, notes };
  }
  const wanted = new Set<string>(next ? changedNodes(current, next) : []);
  for (const file of input.files) {
    const found = nodesForFile(dataflow, file);
    if (found.length === 0) notes.push(`No node uses ${file}: nothing to restart for it`);
    for (const id of found) wanted.add(id);
  }
  const nodes: NodeSpec[] = [];
  for (const spec of dataflow.nodes) {
    if (!wanted.has(spec.id)) continue;
    if (spec.kind === "dynamic") {
      notes.push(`Node '${spec.id}' is dynamic: dora does not start it; restart it yourself`);
    } else {
      nodes.push(spec);
    }
  }
  const gone = nodes.find((spec) => ended.has(spec.id));
  if (gone) {
    return {
      action: "dataflow",
      dataflow,
      reason: `node '${gone.id}' has already ended`,
      notes,
    };
  }
  if (nodes.length === 0) return { action: "none", dataflow, notes };
  return { action: "nodes", nodes, dataflow, notes };
}

/** Why `next` cannot run on `current`'s data plane, or undefined when it can. */
export function graphChange(current: Dataflow, next: Dataflow): string | undefined {
  if (current.exitWhenNodesFinish !== next.exitWhenNodesFinish) {
    return "exit_when_nodes_finish changed";
  }
  if (current.healthCheckIntervalMs !== next.healthCheckIntervalMs) {
    return "health_check_interval changed";
  }
  const before = new Map(current.nodes.map((n) => [n.id, n]));
  const after = new Map(next.nodes.map((n) => [n.id, n]));
  const added = [...after.keys()].filter((id) => !before.has(id));
  if (added.length > 0) return `${nodeList(added)} added`;
  const removed = [...before.keys()].filter((id) => !after.has(id));
  if (removed.length > 0) return `${nodeList(removed)} removed`;
  for (const [id, old] of before) {
    const spec = after.get(id)!;
    if (stable(inputsOf(old)) !== stable(inputsOf(spec))) {
      return `the inputs of node '${id}' changed`;
    }
    if (stable([...old.outputs].sort()) !== stable([...spec.outputs].sort())) {
      return `the outputs of node '${id}' changed`;
    }
    if (old.sendStdoutAs !== spec.sendStdoutAs) return `send_stdout_as of node '${id}' changed`;
    if (old.logs?.sendLogsAs !== spec.logs?.sendLogsAs) {
      return `send_logs_as of node '${id}' changed`;
    }
    if ((old.kind === "dynamic") !== (spec.kind === "dynamic")) {
      return `node '${id}' ${spec.kind === "dynamic" ? "became" : "is no longer"} dynamic`;
    }
  }
  return undefined;
}

/** Ids of the nodes whose spec differs in a way that matters to their process. */
export function changedNodes(current: Dataflow, next: Dataflow): string[] {
  const before = new Map(current.nodes.map((n) => [n.id, runKey(n)]));
  return next.nodes.filter((n) => before.has(n.id) && before.get(n.id) !== runKey(n))
    .map((n) => n.id);
}

/** The non-dynamic nodes a change to `file` (relative to the folder) restarts. */
export function nodesForFile(dataflow: Dataflow, file: string): string[] {
  const nodes = dataflow.nodes.filter((n) => n.kind !== "dynamic");
  const sources = new Map(nodes.map((n) => [n.id, ownFiles(n, dataflow.dir)]));
  const owners = nodes.filter((n) => sources.get(n.id)!.files.includes(file));
  if (owners.length > 0) return owners.map((n) => n.id);
  const family = FAMILIES[extname(file).toLowerCase()];
  if (family === undefined) return nodes.map((n) => n.id);
  const same = nodes.filter((n) => sources.get(n.id)!.family === family);
  const near = same.filter((n) => {
    const home = sources.get(n.id)!.home;
    return home === "" || file.startsWith(`${home}/`);
  });
  return (near.length > 0 ? near : same).map((n) => n.id);
}

/** A node's own files (relative), its language family and its home folder (relative). */
export function ownFiles(
  spec: NodeSpec,
  dir: string,
): { files: string[]; family?: string; home?: string } {
  const candidates: string[] = [];
  if (spec.program !== "" && isAbsolute(spec.program)) candidates.push(spec.program);
  for (const arg of spec.args) {
    for (const word of arg.split(/\s+/)) {
      if (looksLikePath(word)) candidates.push(resolve(dir, word));
    }
  }
  const files: string[] = [];
  for (const path of candidates) {
    const rel = relative(dir, path);
    if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !files.includes(rel)) {
      files.push(rel);
    }
  }
  const main = files.find((f) => FAMILIES[extname(f).toLowerCase()] !== undefined);
  if (main === undefined) return { files };
  const home = dirname(main);
  return {
    files,
    family: FAMILIES[extname(main).toLowerCase()],
    home: home === "." ? "" : home,
  };
}

/** `main.py`, `nodes/cam`, `./run`: not a flag, a shell operator or a bare command name. */
function looksLikePath(word: string): boolean {
  return /^[\w@%+=:,./-]+$/.test(word) && !word.startsWith("-") &&
    (word.includes("/") || /\.\w+$/.test(word));
}

function nodeList(ids: string[]): string {
  return ids.length === 1
    ? `node '${ids[0]}' was`
    : `nodes ${ids.map((id) => `'${id}'`).join(", ")} were`;
}

function inputsOf(spec: NodeSpec): [string, string, number, string, number][] {
  return Object.entries(spec.inputs).map(([id, i]): [string, string, number, string, number] => [
    id,
    i.raw,
    i.queueSize,
    i.queuePolicy ?? "drop_oldest",
    i.timeoutMs ?? 0,
  ]).sort((a, b) => a[0].localeCompare(b[0]));
}

/** A node's spec without what does not reach its process (where it is written, build lines). */
function runKey(spec: NodeSpec): string {
  const { position: _position, build: _build, ...rest } = spec;
  return stable(rest);
}

/** JSON with object keys sorted, so that reordering a YAML mapping is no change. */
function stable(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );
}
