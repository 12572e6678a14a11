/**
 * The dataflow descriptor: reads a dataflow YAML file, validates it against dora's format and
 * resolves it into a `Dataflow` (see types.ts), or lists every problem as `file:line:col:
 * message`. The only I/O is reading the file and looking at node programs (existence, execute
 * bit, PATH).
 *
 * Choices where dora's format leaves room:
 * - Problems carry the file name exactly as the caller gave it; `Dataflow.file` is absolute.
 * - Problems are sorted by position. When the YAML itself is malformed only the syntax errors
 *   are reported: checking a half-parsed tree would mostly report noise.
 * - Which dora 1.0 keys are implemented, checked only, accepted without effect (a note) or not
 *   supported (a problem) is the schema table's business (schema.ts).
 * - Python operators (`operator:`/`operators:`) become one node process each (_operators.ts);
 *   shared-library operators and `git:`/`hub:`/`ros2:` sources are reported as not supported.
 * - `module:` nodes are expanded first (_modules.ts); problems inside a module file name that
 *   file. Problems of the dataflow file come first, then those of module files.
 * - A node with `build:` may name a program that does not exist yet (the build makes it).
 * - `$VAR` in `env:` values expands from `opts.env` (default: this process's environment); an
 *   unset variable becomes empty, without a warning, as in a shell.
 * - A top-level `env:` applies to every node; a node's own `env:` (then `custom.envs`) wins.
 */
import { dirname, resolve } from "node:path";
import { type Document, LineCounter, parseDocument } from "../../deps/yaml.ts";
import { DoraError, errorMessage } from "../errors.ts";
import { inputSpecs } from "./_fields.ts";
import { checkGraph } from "./_graph.ts";
import { flatDescriptor, type FlatNode, type ModuleFiles } from "./_modules.ts";
import type { NodeDraft } from "./_node.ts";
import { resolveOperators, routeOperatorOutputs } from "./_operators.ts";
import { type FileProbe, resolveProgram } from "./_program.ts";
import { readTopLevel } from "./_top.ts";
import { Ctx } from "./_yaml.ts";
import type { Dataflow, NodeSpec, Problem } from "./types.ts";

export type * from "./types.ts";
export { splitShellWords } from "./shell_words.ts";
export type { ShellWords } from "./shell_words.ts";

/** Options for `parseDataflow`. */
export interface ParseOptions {
  /** Variables for `$VAR` expansion and PATH lookups; defaults to this process's environment. */
  env?: Record<string, string>;
  /** How module files are read (default: the file system). */
  moduleFiles?: ModuleFiles;
  /** The folder module files and their programs must lie in (default: the dataflow's). */
  moduleBase?: string;
}

/** A resolved dataflow when the file is valid, otherwise every problem found. */
export interface ParseResult {
  dataflow?: Dataflow;
  problems: Problem[];
  /** Not errors: e.g. keys that are accepted but change nothing here. */
  notes: Problem[];
  /** A valid file's YAML with its modules expanded (for `dora expand`, see expand.ts). */
  expanded?: { doc: Document; nodes: FlatNode[] };
}

/**
 * Reads and validates the dataflow at `file` (relative to the working directory). A file that
 * cannot be read at all throws a `DoraError` (exit 1); anything wrong inside it is a problem.
 */
export async function parseDataflow(file: string, opts: ParseOptions = {}): Promise<ParseResult> {
  const absolute = resolve(Deno.cwd(), file);
  const bytes = await readDataflowFile(file, absolute);
  return await parseDataflowBytes(file, absolute, bytes, opts);
}

/**
 * `parseDataflow` of bytes already read (`file` as shown in problems, `absolute` for the
 * folder nodes run in).
 */
export async function parseDataflowBytes(
  file: string,
  absolute: string,
  bytes: Uint8Array,
  opts: ParseOptions = {},
): Promise<ParseResult> {
  const at1 = (message: string): ParseResult => ({
    problems: [{ file, line: 1, col: 1, message }],
    notes: [],
  });
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return at1("not a YAML file: it is not UTF-8 text (binary data?)");
  }
  if (text.includes("\0")) return at1("not a YAML file: it contains binary data (NUL bytes)");
  if (text.trim() === "") return at1("the file is empty: expected a mapping with a 'nodes' list");

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const ctx = new Ctx(file, doc, lines);
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      ctx.report(lines.linePos(err.pos[0]), yamlErrorMessage(err, text));
    }
    return { problems: sorted(ctx.problems, file), notes: [] };
  }
  const vars: Record<string, string | undefined> = opts.env ?? Deno.env.toObject();
  const dir = dirname(absolute);
  const top = readTopLevel(ctx, vars, dir, opts);
  checkGraph(top.drafts, top.typeRules, top.moduleIds);
  const nodes = resolveNodes(ctx, top.drafts, dir, realProbe(vars.PATH ?? ""));
  await checkChecksums(top.drafts, nodes);
  const notes = sorted(ctx.notes, file);
  if (ctx.problems.length > 0) return { problems: sorted(ctx.problems, file), notes };
  // Nodes get the file as it runs: module nodes replaced by their inner nodes.
  const descriptor = flatDescriptor(doc, top.flat);
  const dataflow: Dataflow = { file: absolute, dir, nodes, descriptor };
  if (top.healthCheckIntervalMs !== undefined) {
    dataflow.healthCheckIntervalMs = top.healthCheckIntervalMs;
  }
  if (top.exitWhenNodesFinish !== undefined) dataflow.exitWhenNodesFinish = top.exitWhenNodesFinish;
  return { dataflow, problems: [], notes, expanded: { doc, nodes: top.flat } };
}

/** `file:line:col: message`, one line per problem (`prefix` e.g. `note: `). */
export function formatProblems(problems: Problem[], prefix = ""): string {
  return problems.map((p) => `${p.file}:${p.line}:${p.col}: ${prefix}${p.message}`).join("\n");
}

/** "1 problem" / "3 problems". */
export function countProblems(n: number): string {
  return `${n} problem${n === 1 ? "" : "s"}`;
}

/**
 * `parseDataflow` for commands that need a valid dataflow: throws a `DoraError` (exit 1) whose
 * details are the formatted problems.
 */
export async function loadDataflowOrThrow(
  file: string,
  opts: ParseOptions = {},
): Promise<Dataflow> {
  const { dataflow, problems } = await parseDataflow(file, opts);
  if (dataflow) return dataflow;
  throw new DoraError(
    `Invalid dataflow file '${file}' (${countProblems(problems.length)}):`,
    formatProblems(problems).split("\n"),
  );
}

async function readDataflowFile(file: string, absolute: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(absolute);
  } catch (err) {
    const reason = err instanceof Deno.errors.NotFound
      ? "No such file"
      : err instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : err instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : errorMessage(err);
    const hint = err instanceof Deno.errors.NotFound
      ? [`Looked for ${absolute} (a relative path starts at the current directory).`]
      : [];
    throw new DoraError(`Cannot read dataflow file '${file}': ${reason}`, hint);
  }
}

function yamlErrorMessage(
  err: { code: string; message: string; pos: [number, number] },
  text: string,
) {
  switch (err.code) {
    case "DUPLICATE_KEY":
      return `duplicate key '${keyAt(text, err.pos[0])}'`;
    case "MULTIPLE_DOCS":
      return "the file holds more than one YAML document ('---'); a dataflow is one document";
    default:
      return `YAML syntax error: ${err.message.charAt(0).toLowerCase()}${err.message.slice(1)}`;
  }
}

/** The mapping key written at `offset` (the parser only gives its first character). */
function keyAt(text: string, offset: number): string {
  const line = text.slice(offset).split("\n", 1)[0]!;
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')/.exec(line);
  if (quoted) return quoted[1]!.slice(1, -1);
  return (/^(.*?)\s*:(?:\s|$)/.exec(line)?.[1] ?? line).trim();
}

function resolveNodes(ctx: Ctx, drafts: NodeDraft[], dir: string, probe: FileProbe): NodeSpec[] {
  const nodes: NodeSpec[] = [];
  const ids = new Set(drafts.flatMap((d) => d.id ?? []));
  const multiOperator = new Set<string>();
  for (const draft of drafts) {
    if (draft.operators) {
      if (!draft.ok || draft.id === undefined) continue;
      const base = {
        id: draft.id,
        env: draft.env,
        build: draft.build,
        position: draft.position,
        sendStdoutAs: draft.sendStdoutAs?.value,
      };
      const specs = resolveOperators(draft.ctx, base, draft.operators, dir, probe, ids);
      for (const spec of specs) {
        if (draft.restartPolicy) spec.restartPolicy = draft.restartPolicy;
        if (draft.deploy) spec.deploy = draft.deploy;
        if (draft.limits) spec.limits = draft.limits;
        // The node's settings apply to each of its operators; an operator's own logs win.
        const own = spec.logs;
        applySettings(spec, draft);
        if (own) spec.logs = { ...spec.logs, ...own };
      }
      if (!draft.operators[0]?.single) multiOperator.add(draft.id);
      nodes.push(...specs);
      continue;
    }
    if (!draft.path || draft.fromGit) continue;
    const resolved = resolveProgram(draft.path.value, dir, draft.build.length > 0, probe);
    if (!resolved.ok) {
      ctx.report(draft.path.at, resolved.error);
      continue;
    }
    let args = draft.args;
    if (resolved.kind === "shell") {
      if (draft.argsLine === undefined) {
        ctx.report(
          draft.argsAt ?? draft.path.at,
          draft.argsAt === undefined
            ? "a 'shell' node needs 'args': the command line to run"
            : "for 'path: shell', 'args' must be one command line (a string), not a list",
        );
        continue;
      }
      args = [draft.argsLine];
    }
    if (!draft.ok || draft.id === undefined) continue;
    const inputs = inputSpecs(draft.inputs);
    const node: NodeSpec = {
      id: draft.id,
      path: draft.path.value,
      kind: resolved.kind,
      program: resolved.program,
      args,
      env: draft.env,
      build: draft.build,
      inputs,
      outputs: draft.outputs.map((o) => o.id),
      position: draft.position,
    };
    if (draft.restartPolicy) node.restartPolicy = draft.restartPolicy;
    if (draft.sendStdoutAs) node.sendStdoutAs = draft.sendStdoutAs.value;
    if (draft.deploy) node.deploy = draft.deploy;
    if (draft.limits) node.limits = draft.limits;
    applySettings(node, draft);
    nodes.push(node);
  }
  routeOperatorOutputs(nodes, multiOperator);
  return nodes;
}

/** The dora 1.0 settings of a draft, onto its resolved node (only those that were given). */
function applySettings(node: NodeSpec, draft: NodeDraft): void {
  const s = draft.settings;
  if (s.restart) node.restart = s.restart;
  if (s.healthCheckTimeoutMs !== undefined) node.healthCheckTimeoutMs = s.healthCheckTimeoutMs;
  if (s.finishGraceMs !== undefined) node.finishGraceMs = s.finishGraceMs;
  if (s.logs) node.logs = s.logs;
  if (s.cpuAffinity) node.cpuAffinity = s.cpuAffinity;
  const types = (map: Map<string, { value: string }> | undefined) =>
    map && map.size > 0 ? Object.fromEntries([...map].map(([k, v]) => [k, v.value])) : undefined;
  const outputTypes = types(s.outputTypes);
  if (outputTypes) node.outputTypes = outputTypes;
  const inputTypes = types(s.inputTypes);
  if (inputTypes) node.inputTypes = inputTypes;
}

/** `path_sha256`: the node's program file must have this digest (when it exists already). */
async function checkChecksums(drafts: NodeDraft[], nodes: NodeSpec[]): Promise<void> {
  for (const draft of drafts) {
    const want = draft.settings.pathSha256;
    const node = nodes.find((n) => n.id === draft.id);
    if (!want || !node || !node.program.startsWith("/")) continue;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(node.program);
    } catch {
      continue; // not built yet: `dora build` makes it
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const have = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (have !== want.value) {
      draft.ctx.report(
        want.at,
        `'${node.path}' does not match path_sha256: its SHA-256 is ${have}`,
      );
    }
  }
}

/** Problems of the dataflow file first, then each module file's, each by position. */
function sorted(problems: Problem[], file: string): Problem[] {
  const files = [file, ...new Set(problems.map((p) => p.file))];
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) =>
      files.indexOf(a.p.file) - files.indexOf(b.p.file) || a.p.line - b.p.line ||
      a.p.col - b.p.col || a.i - b.i
    )
    .map(({ p }) => p);
}

/** The real file system, with PATH taken from the dataflow's environment. */
function realProbe(pathVar: string): FileProbe {
  const stat = (path: string) => {
    try {
      return Deno.statSync(path);
    } catch {
      return undefined;
    }
  };
  const executable = (path: string) => ((stat(path)?.mode ?? 0) & 0o111) !== 0;
  return {
    stat(path) {
      const info = stat(path);
      return !info ? "missing" : info.isDirectory ? "dir" : "file";
    },
    executable,
    which(name) {
      for (const folder of pathVar.split(":")) {
        if (folder === "") continue;
        const candidate = `${folder}/${name}`;
        if (stat(candidate)?.isFile && executable(candidate)) return candidate;
      }
      return undefined;
    },
  };
}
