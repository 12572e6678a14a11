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
 * - Python operators (`operator:`/`operators:`) become one node process each (_operators.ts);
 *   shared-library operators and `git:`/`hub:`/`ros2:` sources are reported as not supported.
 * - A node with `build:` may name a program that does not exist yet (the build makes it).
 * - `$VAR` in `env:` values expands from `opts.env` (default: this process's environment); an
 *   unset variable becomes empty, without a warning, as in a shell.
 * - A top-level `env:` applies to every node; a node's own `env:` (then `custom.envs`) wins.
 */
import { dirname, resolve } from "node:path";
import { isMap, LineCounter, parseDocument } from "../../deps/yaml.ts";
import { DoraError, errorMessage } from "../errors.ts";
import { readDeploy, readEnv } from "./_fields.ts";
import { checkGraph } from "./_graph.ts";
import { type NodeDefaults, type NodeDraft, readNode } from "./_node.ts";
import { resolveOperators, routeOperatorOutputs } from "./_operators.ts";
import { type FileProbe, resolveProgram } from "./_program.ts";
import { Ctx, describe, isEmpty } from "./_yaml.ts";
import type { Dataflow, InputSpec, NodeSpec, Problem } from "./types.ts";

export type * from "./types.ts";
export { splitShellWords } from "./shell_words.ts";
export type { ShellWords } from "./shell_words.ts";

const TOP_KEYS = [
  "nodes",
  "env",
  "communication",
  "deploy",
  "_unstable_deploy",
  "debug",
  "_unstable_debug",
];

/** Options for `parseDataflow`. */
export interface ParseOptions {
  /** Variables for `$VAR` expansion and PATH lookups; defaults to this process's environment. */
  env?: Record<string, string>;
}

/** A resolved dataflow when the file is valid, otherwise every problem found. */
export interface ParseResult {
  dataflow?: Dataflow;
  problems: Problem[];
}

/**
 * Reads and validates the dataflow at `file` (relative to the working directory). A file that
 * cannot be read at all throws a `DoraError` (exit 1); anything wrong inside it is a problem.
 */
export async function parseDataflow(file: string, opts: ParseOptions = {}): Promise<ParseResult> {
  const absolute = resolve(Deno.cwd(), file);
  const bytes = await readDataflowFile(file, absolute);
  const at1 = (message: string): ParseResult => ({
    problems: [{ file, line: 1, col: 1, message }],
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
    return { problems: sorted(ctx.problems) };
  }
  const vars: Record<string, string | undefined> = opts.env ?? Deno.env.toObject();
  const dir = dirname(absolute);
  const drafts = readTopLevel(ctx, vars);
  checkGraph(ctx, drafts);
  const nodes = resolveNodes(ctx, drafts, dir, realProbe(vars.PATH ?? ""));
  if (ctx.problems.length > 0) return { problems: sorted(ctx.problems) };
  return { dataflow: { file: absolute, dir, nodes, descriptor: doc.toJS() }, problems: [] };
}

/** `file:line:col: message`, one line per problem. */
export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join("\n");
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

function readTopLevel(ctx: Ctx, vars: Record<string, string | undefined>): NodeDraft[] {
  const root = ctx.deref(ctx.doc.contents);
  if (isEmpty(root)) {
    ctx.report(root, "the file is empty: expected a mapping with a 'nodes' list");
    return [];
  }
  if (!isMap(root)) {
    ctx.report(
      root,
      `not a dataflow: expected a mapping with a 'nodes' list at the top level, ` +
        `found ${describe(root)}`,
    );
    return [];
  }
  const top = root;
  const fields = ctx.fields(top, TOP_KEYS, "at the top level");
  const defaults: NodeDefaults = { env: {}, vars };
  const env = fields.get("env");
  if (env) defaults.env = readEnv(ctx, env, "the dataflow", vars);
  const deploy = fields.get("deploy") ?? fields.get("_unstable_deploy");
  if (deploy) defaults.deploy = readDeploy(ctx, deploy);
  for (const key of ["communication", "debug", "_unstable_debug"]) {
    // Transport and debug settings do not change how nodes run here; only their shape counts.
    const field = fields.get(key);
    if (field && !isEmpty(field.value)) ctx.map(field);
  }
  const nodes = fields.get("nodes");
  if (!nodes) {
    ctx.report(top, "missing 'nodes': a dataflow needs a list of nodes");
    return [];
  }
  const seq = ctx.list(nodes, "'nodes'", "a list of nodes");
  if (!seq) return [];
  const items = ctx.items(seq);
  if (items.length === 0) {
    ctx.report(ctx.valuePos(nodes), "'nodes' is empty: a dataflow needs at least one node");
  }
  return items.flatMap((item, i) => readNode(ctx, item, i, defaults) ?? []);
}

function resolveNodes(ctx: Ctx, drafts: NodeDraft[], dir: string, probe: FileProbe): NodeSpec[] {
  const nodes: NodeSpec[] = [];
  const ids = new Set(drafts.flatMap((d) => d.id ?? []));
  const multiOperator = new Set<string>();
  for (const draft of drafts) {
    if (draft.operators) {
      if (!draft.ok || draft.id === undefined) continue;
      const base = { id: draft.id, env: draft.env, build: draft.build, position: draft.position };
      const specs = resolveOperators(ctx, base, draft.operators, dir, probe, ids);
      for (const spec of specs) {
        if (draft.restartPolicy) spec.restartPolicy = draft.restartPolicy;
        if (draft.deploy) spec.deploy = draft.deploy;
        if (draft.limits) spec.limits = draft.limits;
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
    const inputs: Record<string, InputSpec> = {};
    for (const input of draft.inputs) {
      inputs[input.id] = { raw: input.raw, source: input.source, queueSize: input.queueSize };
    }
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
    nodes.push(node);
  }
  routeOperatorOutputs(nodes, multiOperator);
  return nodes;
}

function sorted(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
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
