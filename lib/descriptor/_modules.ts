/**
 * Module expansion (dora's `module:` nodes): each module node is replaced by the nodes of its
 * module file, ids prefixed with `<module node id>.`, `_mod/<port>` replaced by what the module
 * node wires to that port, sibling references prefixed, paths made relative to the dataflow's
 * folder, params substituted, and references to `<module node>/<output>` pointed at the inner
 * node that produces it. Nested modules expand the same way (at most 8 deep, no cycles, files
 * of at most 1 MB inside the dataflow's folder).
 *
 * Expansion rewrites the module files' YAML trees in place, so the inner nodes are then read and
 * checked like any node, with problems pointing into the module file. File access goes through
 * `ModuleFiles`; the rules are pure.
 */
import { dirname, isAbsolute, join, normalize, relative } from "node:path";
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Pair,
  parseDocument,
  Scalar,
  type YAMLMap,
  type YamlNode,
  type YAMLSeq,
} from "../../deps/yaml.ts";
import { checkId, readBuild, readEnv, readInputs } from "./_fields.ts";
import { Ctx, describe, type Field, isEmpty, scalarText } from "./_yaml.ts";
import { keysAt } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

/** Deepest nesting of modules. */
export const MAX_MODULE_DEPTH = 8;
/** Largest module file. */
export const MAX_MODULE_BYTES = 1024 * 1024;
/** The node id inner nodes use for the module's inputs: `_mod/<port>`. */
export const MODULE_INPUT = "_mod";

/** Keys a module node may have besides what propagates into the module. */
const MODULE_NODE_KEYS = [
  "id",
  "name",
  "description",
  "module",
  "inputs",
  "outputs",
  "params",
  "env",
  "build",
  "deploy",
  "_unstable_deploy",
];
const INPUT_OPTIONS = ["queue_size", "queue_policy", "input_timeout"];

/** How module files are reached. */
export interface ModuleFiles {
  /** The canonical path (symlinks resolved); throws when it does not exist. */
  realPath(path: string): string;
  size(path: string): number;
  readText(path: string): string;
  /** Whether a file is at `path` (for bare program names next to a module). */
  isFile(path: string): boolean;
}

/** The real file system. */
export const realModuleFiles: ModuleFiles = {
  realPath: (path) => Deno.realPathSync(path),
  size: (path) => Deno.statSync(path).size,
  readText: (path) => Deno.readTextFileSync(path),
  isFile(path) {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  },
};

/** One node after expansion, with what its module node hands down to it. */
export interface FlatNode {
  /** The file it is written in. */
  ctx: Ctx;
  item: YamlNode | null;
  /** Its position in its file's `nodes` (for messages about nodes without an id). */
  index: number;
  /** Environment from module nodes (applied before the node's own `env`). */
  moduleEnv: Record<string, string>;
  /** `PARAM_<KEY>` values (applied over the node's own `env`). */
  params: Record<string, string>;
  /** Build lines of the module files and module nodes around it (run before its own). */
  buildBefore: string[];
  /** Ids of the module nodes it came from, outermost first. */
  modules: string[];
}

/** Where expansion happens. */
export interface ExpandOptions {
  /** The dataflow's folder (absolute): inner paths become relative to it. */
  dataflowDir: string;
  vars: Record<string, string | undefined>;
  files?: ModuleFiles;
  /** The folder module files must lie in (default: the dataflow's). */
  base?: string;
}

interface Scope {
  opts: ExpandOptions;
  files: ModuleFiles;
  /** The folder module files must lie inside (canonical; normally the dataflow's). */
  base: string;
  /** The dataflow's folder, canonical: inner paths become relative to it. */
  dir: string;
  /** Module files being expanded (cycle check). */
  seen: Set<string>;
  /** Ids of every module node met, expanded or not (references to them are checked here). */
  moduleIds: Set<string>;
}

/**
 * Expands the module nodes among `items` (the dataflow's `nodes`). Returns the flat nodes and
 * the ids of the module nodes (a reference to one that could not be expanded is not worth a
 * second problem).
 */
export function expandModules(
  ctx: Ctx,
  items: (YamlNode | null)[],
  opts: ExpandOptions,
): { nodes: FlatNode[]; moduleIds: Set<string> } {
  const files = opts.files ?? realModuleFiles;
  const canonical = (path: string) => {
    try {
      return files.realPath(path);
    } catch {
      return path; // the folder of a file we just read: keep it as given
    }
  };
  const dir = canonical(opts.dataflowDir);
  const base = opts.base === undefined ? dir : canonical(opts.base);
  const scope: Scope = { opts, files, base, dir, seen: new Set(), moduleIds: new Set() };
  const plain = (item: YamlNode | null, index: number): FlatNode => ({
    ctx,
    item,
    index,
    moduleEnv: {},
    params: {},
    buildBefore: [],
    modules: [],
  });
  if (!items.some((item) => moduleField(ctx, item))) {
    return { nodes: items.map(plain), moduleIds: scope.moduleIds };
  }
  const { nodes } = expandLevel(ctx, items, opts.dataflowDir, scope, 0, plain);
  return { nodes, moduleIds: scope.moduleIds };
}

/** Expands one list of nodes (a dataflow's or a module's); returns the flat list. */
function expandLevel(
  ctx: Ctx,
  items: (YamlNode | null)[],
  dir: string,
  scope: Scope,
  depth: number,
  wrap: (item: YamlNode | null, index: number) => FlatNode,
): { nodes: FlatNode[]; byItem: Map<YamlNode, ModuleOutputs> } {
  const nodes: FlatNode[] = [];
  const outputMaps = new Map<string, ModuleOutputs>();
  const byItem = new Map<YamlNode, ModuleOutputs>();
  items.forEach((item, index) => {
    const field = moduleField(ctx, item);
    if (!field || !isMap(item)) {
      nodes.push(wrap(item, index));
      return;
    }
    const id = idOf(ctx, item);
    if (id !== undefined) scope.moduleIds.add(id);
    const expanded = expandModuleNode(ctx, item, field, dir, scope, depth, wrap(item, index));
    if (!expanded) return;
    outputMaps.set(expanded.id, expanded.outputs);
    byItem.set(item, expanded.outputs);
    nodes.push(...expanded.nodes);
  });
  rewriteModuleRefs(nodes, outputMaps);
  return { nodes, byItem };
}

/** A module node's outputs: output name → the id of the inner node producing it. */
type ModuleOutputs = Map<string, string>;

/** The `module` entry of a node mapping, if it has one. */
function moduleField(ctx: Ctx, item: YamlNode | null): Field | undefined {
  if (!isMap(item)) return undefined;
  const pair = findPair(ctx, item, "module");
  if (!pair) return undefined;
  return { key: "module", keyNode: pair.key as YamlNode, value: ctx.deref(pair.value) };
}

function findPair(ctx: Ctx, map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => {
    const k = ctx.deref(pair.key);
    return isScalar(k) && k.value === key;
  }) as Pair | undefined;
}

/** The source scalar of an input value (short form, or `source:` of the long form). */
function sourceScalar(ctx: Ctx, value: YamlNode | null): Scalar | undefined {
  const node = ctx.deref(value);
  if (isScalar(node) && typeof node.value === "string") return node as Scalar;
  if (!isMap(node)) return undefined;
  const source = ctx.deref(findPair(ctx, node, "source")?.value);
  return isScalar(source) && typeof source.value === "string" ? source as Scalar : undefined;
}

/** The input pairs of a node mapping (empty when it has none or they are malformed). */
function inputPairs(ctx: Ctx, item: YamlNode | null): { map?: YAMLMap; pairs: Pair[] } {
  if (!isMap(item)) return { pairs: [] };
  const inputs = ctx.deref(findPair(ctx, item, "inputs")?.value);
  if (!isMap(inputs)) return { pairs: [] };
  return { map: inputs, pairs: inputs.items as Pair[] };
}

interface Header {
  name: string;
  inputs: string[];
  optional: string[];
  outputs: { id: string; at: YamlNode }[];
}

function readIdList(ctx: Ctx, field: Field | undefined, what: string): string[] {
  if (!field || isEmpty(field.value)) return [];
  const seq = ctx.list(field, `'${field.key}' of the module header`, `a list of ${what}`);
  const out: string[] = [];
  for (const item of seq ? ctx.items(seq) : []) {
    if (!isScalar(item) || isEmpty(item)) {
      ctx.report(
        item ?? seq,
        `${what.replace(/s$/, "")} must be a string, found ${describe(item)}`,
      );
      continue;
    }
    const id = scalarText(item);
    if (!checkId(ctx, id, ctx.pos(item), what.replace(/s$/, ""))) continue;
    if (out.includes(id)) ctx.report(item, `'${id}' is listed twice in '${field.key}'`);
    else out.push(id);
  }
  return out;
}

/** Parses and checks a module file; undefined when it cannot be used at all. */
function loadModule(
  parent: Ctx,
  field: Field,
  path: string,
  dir: string,
  scope: Scope,
):
  | { ctx: Ctx; header: Header; items: (YamlNode | null)[]; build: string[]; real: string }
  | undefined {
  const at = parent.valuePos(field);
  if (isAbsolute(path)) {
    parent.report(at, `module path '${path}' must be relative (to the file that names it)`);
    return undefined;
  }
  let real: string;
  try {
    real = scope.files.realPath(join(dir, path));
  } catch {
    parent.report(at, `module file not found: '${path}' (no file at ${join(dir, path)})`);
    return undefined;
  }
  const inside = relative(scope.base, real);
  if (inside.startsWith("..") || isAbsolute(inside)) {
    parent.report(at, `module '${path}' lies outside the dataflow's folder (${scope.base})`);
    return undefined;
  }
  if (scope.seen.has(real)) {
    parent.report(at, `module '${path}' includes itself (a cycle of module files)`);
    return undefined;
  }
  let text: string;
  try {
    const size = scope.files.size(real);
    if (size > MAX_MODULE_BYTES) {
      parent.report(at, `module file '${path}' is too large (${size} bytes, at most 1 MB)`);
      return undefined;
    }
    text = scope.files.readText(real);
  } catch (err) {
    parent.report(at, `cannot read module file '${path}': ${(err as Error).message}`);
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const label = normalize(join(dirname(parent.file), path));
  const ctx = new Ctx(label, doc, lines, parent.findings);
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      ctx.report(lines.linePos(err.pos[0]), `YAML syntax error: ${err.message}`);
    }
    return undefined;
  }
  const root = ctx.deref(doc.contents);
  if (!isMap(root)) {
    ctx.report(
      root,
      `not a module file: expected a mapping with 'module' and 'nodes', found ${describe(root)}`,
    );
    return undefined;
  }
  const top = ctx.fields(root, keysAt("module-file"), "in a module file");
  const headerField = top.get("module");
  const headerMap = headerField && ctx.map(headerField, "'module'", "a mapping with 'name'");
  if (!headerField) ctx.report(root, "a module file needs a 'module:' header with a 'name'");
  const nodesField = top.get("nodes");
  if (!nodesField) ctx.report(root, "a module file needs a 'nodes' list");
  if (!headerMap || !nodesField) return undefined;
  const h = ctx.fields(headerMap, keysAt("module"), "in the module header");
  const nameField = h.get("name");
  const name = nameField ? ctx.string(nameField) : undefined;
  if (!nameField) ctx.report(headerMap, "the module header has no 'name'");
  const outputsField = h.get("outputs");
  const outputs: { id: string; at: YamlNode }[] = [];
  const outputSeq = outputsField && !isEmpty(outputsField.value)
    ? ctx.list(outputsField, "'outputs' of the module header", "a list of output ids")
    : undefined;
  for (const item of outputSeq ? ctx.items(outputSeq) : []) {
    if (!isScalar(item) || isEmpty(item)) {
      ctx.report(item ?? outputSeq, `an output id must be a string, found ${describe(item)}`);
      continue;
    }
    const id = scalarText(item);
    if (!checkId(ctx, id, ctx.pos(item), "output id")) continue;
    if (outputs.some((o) => o.id === id)) ctx.report(item, `'${id}' is listed twice in 'outputs'`);
    else outputs.push({ id, at: item });
  }
  const header: Header = {
    name: name ?? "?",
    inputs: readIdList(ctx, h.get("inputs"), "input ids"),
    optional: readIdList(ctx, h.get("inputs_optional"), "input ids"),
    outputs,
  };
  for (const id of header.optional.filter((id) => header.inputs.includes(id))) {
    ctx.report(h.get("inputs_optional")!.keyNode, `input '${id}' is both required and optional`);
  }
  const seq = ctx.list(nodesField, "'nodes'", "a list of nodes");
  const items = seq ? ctx.items(seq) : [];
  if (seq && items.length === 0) ctx.report(ctx.valuePos(nodesField), "the module has no nodes");
  const buildField = top.get("build");
  const build = buildField ? readBuild(ctx, buildField) : [];
  return { ctx, header, items, build, real };
}

/** Replaces one module node by its flat nodes. */
function expandModuleNode(
  parent: Ctx,
  item: YAMLMap,
  field: Field,
  dir: string,
  scope: Scope,
  depth: number,
  self: FlatNode,
): { id: string; nodes: FlatNode[]; outputs: ModuleOutputs } | undefined {
  const fields = parent.fields(item, [...keysAt("node"), "module"], "in a module node");
  const idField = fields.get("id");
  const id = idField ? parent.string(idField, "'id'") : undefined;
  if (!idField) parent.report(item, "a module node has no 'id'");
  if (id === undefined || !checkId(parent, id, parent.valuePos(idField!), "node id")) {
    return undefined;
  }
  for (const [key, f] of fields) {
    if (MODULE_NODE_KEYS.includes(key)) continue;
    parent.report(
      f.keyNode,
      `'${key}' does not apply to module node '${id}': a module node has no program of its own ` +
        "(set it on the module's inner nodes)",
    );
  }
  if (depth >= MAX_MODULE_DEPTH) {
    parent.report(field.keyNode, `modules are nested more than ${MAX_MODULE_DEPTH} deep`);
    return undefined;
  }
  const path = parent.string(field);
  if (path === undefined) return undefined;
  const loaded = loadModule(parent, field, path, dir, scope);
  if (!loaded) return undefined;
  const { ctx, header } = loaded;
  const owner = `module node '${id}'`;

  // What the module node wires to each port.
  const bindings = new Map<string, YamlNode | null>();
  const inputsField = fields.get("inputs");
  if (inputsField) readInputs(parent, inputsField, owner);
  const declared = [...header.inputs, ...header.optional];
  for (const pair of inputPairs(parent, item).pairs) {
    const key = parent.deref(pair.key);
    if (!isScalar(key)) continue;
    const port = scalarText(key);
    if (!declared.includes(port)) {
      parent.report(
        key,
        `module '${header.name}' has no input '${port}'` +
          (didYouMean(port, declared) ||
            (declared.length ? ` (its inputs: ${declared.join(", ")})` : " (it declares none)")),
      );
      continue;
    }
    bindings.set(port, parent.deref(pair.value as YamlNode | null));
  }
  for (const port of header.inputs.filter((p) => !bindings.has(p))) {
    parent.report(
      idField!.keyNode,
      `${owner} does not wire input '${port}' of module '${header.name}': add ` +
        `'${port}: <node>/<output>' to its inputs`,
    );
  }
  const outputsField = fields.get("outputs");
  const listed = outputsField && isSeq(outputsField.value) ? parent.items(outputsField.value) : [];
  for (const out of listed) {
    if (isScalar(out) && !header.outputs.some((o) => o.id === scalarText(out))) {
      parent.report(out, `module '${header.name}' declares no output '${scalarText(out)}'`);
    }
  }

  // What propagates into every inner node.
  const envField = fields.get("env");
  const moduleEnv = {
    ...self.moduleEnv,
    ...(envField ? readEnv(parent, envField, owner, scope.opts.vars) : {}),
  };
  const params = { ...self.params, ...readParams(parent, fields.get("params"), id) };
  const buildField = fields.get("build");
  const buildBefore = [
    ...self.buildBefore,
    ...(buildField ? readBuild(parent, buildField) : []),
    ...loaded.build,
  ];

  scope.seen.add(loaded.real);
  const moduleDir = dirname(loaded.real);
  const innerIds = new Set<string>();
  for (const inner of loaded.items) {
    const innerId = isMap(inner) ? ctx.deref(findPair(ctx, inner, "id")?.value) : undefined;
    if (isScalar(innerId) && !isEmpty(innerId)) innerIds.add(scalarText(innerId));
  }
  for (const inner of loaded.items) {
    if (!isMap(inner)) continue;
    rewriteInner(ctx, inner, { id, header, bindings, innerIds, moduleDir, scope, params });
  }
  const wrap = (inner: YamlNode | null, index: number): FlatNode => ({
    ctx,
    item: inner,
    index,
    moduleEnv,
    params,
    buildBefore,
    modules: [...self.modules, id],
  });
  const { nodes, byItem } = expandLevel(ctx, loaded.items, moduleDir, scope, depth + 1, wrap);
  scope.seen.delete(loaded.real);
  return { id, nodes, outputs: moduleOutputs(ctx, header, loaded.items, byItem) };
}

/** `params:` — names of letters, digits and `_`, unique ignoring case; values as strings. */
function readParams(ctx: Ctx, field: Field | undefined, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!field || isEmpty(field.value)) return out;
  const map = ctx.map(field, "'params'", "a mapping of parameter names to values");
  if (!map) return out;
  const seen = new Map<string, string>();
  for (const entry of ctx.entries(map, "in 'params'")) {
    if (!/^[A-Za-z0-9_]+$/.test(entry.key)) {
      ctx.report(entry.keyNode, `invalid param name '${entry.key}': use letters, digits and '_'`);
      continue;
    }
    const upper = entry.key.toUpperCase();
    const other = seen.get(upper);
    if (other !== undefined) {
      ctx.report(
        entry.keyNode,
        `params '${other}' and '${entry.key}' of node '${id}' both become PARAM_${upper}`,
      );
      continue;
    }
    seen.set(upper, entry.key);
    if (!isScalar(entry.value) || isEmpty(entry.value)) {
      ctx.report(
        ctx.valuePos(entry),
        `param '${entry.key}' must be a string, number or boolean, found ${describe(entry.value)}`,
      );
      continue;
    }
    out[entry.key] = scalarText(entry.value);
  }
  return out;
}

/** `PARAM_<KEY>` environment of params. */
export function paramEnv(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [`PARAM_${k.toUpperCase()}`, v]),
  );
}

interface InnerScope {
  id: string;
  header: Header;
  bindings: Map<string, YamlNode | null>;
  innerIds: Set<string>;
  moduleDir: string;
  scope: Scope;
  params: Record<string, string>;
}

/** Rewrites one inner node of a module in place (see the module comment). */
function rewriteInner(ctx: Ctx, inner: YAMLMap, s: InnerScope): void {
  const idScalar = ctx.deref(findPair(ctx, inner, "id")?.value);
  if (isScalar(idScalar) && !isEmpty(idScalar)) idScalar.value = `${s.id}.${scalarText(idScalar)}`;
  const { map, pairs } = inputPairs(ctx, inner);
  for (const pair of [...pairs]) {
    const source = sourceScalar(ctx, pair.value as YamlNode | null);
    if (!source) continue;
    const raw = source.value as string;
    const slash = raw.indexOf("/");
    const node = slash < 0 ? raw : raw.slice(0, slash);
    if (node === MODULE_INPUT) {
      const port = raw.slice(slash + 1);
      const binding = s.bindings.get(port);
      if (binding !== undefined) {
        bindInput(ctx, pair, source, binding);
      } else {
        const declared = [...s.header.inputs, ...s.header.optional];
        if (!declared.includes(port)) {
          ctx.report(
            source,
            `'${raw}' is not an input of module '${s.header.name}'` +
              (didYouMean(port, declared) ||
                ` (declare it in 'inputs' or 'inputs_optional' of the header)`),
          );
        }
        // An optional port nobody wired (or a required one, reported on the module node).
        map!.items.splice(map!.items.indexOf(pair), 1);
      }
    } else if (s.innerIds.has(node)) {
      source.value = `${s.id}.${raw}`;
    } else if (raw.startsWith("dora/logs/")) {
      const parts = raw.split("/");
      if (parts.length === 4 && s.innerIds.has(parts[3]!)) {
        source.value = `${parts.slice(0, 3).join("/")}/${s.id}.${parts[3]}`;
      }
    }
  }
  const pathScalar = ctx.deref(findPair(ctx, inner, "path")?.value);
  if (isScalar(pathScalar) && typeof pathScalar.value === "string") {
    const rewritten = innerPath(ctx, pathScalar, s);
    if (rewritten !== undefined) pathScalar.value = rewritten;
  }
  const argsNode = ctx.deref(findPair(ctx, inner, "args")?.value);
  const argScalars = isScalar(argsNode) ? [argsNode] : isSeq(argsNode) ? ctx.items(argsNode) : [];
  for (const arg of argScalars) {
    if (isScalar(arg) && !isEmpty(arg)) {
      arg.value = substituteParams(ctx, arg as Scalar, scalarText(arg), s);
    }
  }
}

/** `_mod/<port>` becomes what the module node wired: its source, its options where unset. */
function bindInput(ctx: Ctx, pair: Pair, source: Scalar, binding: YamlNode | null): void {
  const bound = sourceScalar(ctx, binding);
  if (!bound) return;
  source.value = bound.value;
  if (!isMap(binding)) return;
  const options = (binding.items as Pair[]).filter((p) => {
    const key = ctx.deref(p.key as YamlNode);
    return isScalar(key) && INPUT_OPTIONS.includes(scalarText(key));
  });
  if (options.length === 0) return;
  let target = ctx.deref(pair.value as YamlNode | null);
  if (isScalar(target)) {
    // Short form inside: becomes the long form, positioned where `_mod/...` was written.
    const map = ctx.doc.createNode({}) as YAMLMap;
    map.range = target.range;
    const sourcePair = new Pair(new Scalar("source"), source);
    map.items.push(sourcePair);
    pair.value = map;
    target = map;
  }
  if (!isMap(target)) return;
  for (const option of options) {
    const key = scalarText(ctx.deref(option.key as YamlNode) as Scalar);
    if (findPair(ctx, target, key)) continue; // the inner node's own option wins
    const value = ctx.deref(option.value as YamlNode | null);
    if (!isScalar(value)) continue;
    const copy = new Scalar(value.value);
    copy.range = source.range;
    const keyNode = new Scalar(key);
    keyNode.range = source.range;
    target.items.push(new Pair(keyNode, copy));
  }
}

/** An inner node's `path`, relative to the dataflow's folder; undefined to keep it. */
function innerPath(ctx: Ctx, scalar: Scalar, s: InnerScope): string | undefined {
  const path = scalar.value as string;
  if (path === "shell" || path === "dynamic" || isAbsolute(path)) return undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path)) return undefined;
  const beside = join(s.moduleDir, path);
  // A bare name not next to the module is a program on PATH.
  if (
    !path.includes("/") && !/\.(py|ts|tsx|js|mjs)$/i.test(path) && !s.scope.files.isFile(beside)
  ) {
    return undefined;
  }
  const inside = relative(s.scope.base, normalize(beside));
  if (inside.startsWith("..") || isAbsolute(inside)) {
    ctx.report(scalar, `path '${path}' lies outside the dataflow's folder (${s.scope.base})`);
    return normalize(beside); // absolute: no second problem about a missing file
  }
  const rel = relative(s.scope.dir, normalize(beside));
  return rel.includes("/") ? rel : `./${rel}`;
}

/** `${_param.key}`, `$PARAM_KEY` and `${PARAM_KEY}` replaced by the param's value. */
function substituteParams(ctx: Ctx, at: Scalar, text: string, s: InnerScope): string {
  const byUpper = new Map(Object.entries(s.params).map(([k, v]) => [k.toUpperCase(), v]));
  return text
    .replace(/\$\{_param\.([A-Za-z0-9_]+)\}/g, (all, key: string) => {
      if (key in s.params) return s.params[key]!;
      ctx.report(at, `'${all}' names param '${key}', which module node '${s.id}' does not pass`);
      return all;
    })
    .replace(
      /\$\{PARAM_([A-Za-z0-9_]+)\}|\$PARAM_([A-Za-z0-9_]+)/g,
      (all, a?: string, b?: string) => byUpper.get((a ?? b)!) ?? all,
    );
}

/** Which flat node produces each declared output (exactly one direct child must). */
function moduleOutputs(
  ctx: Ctx,
  header: Header,
  items: (YamlNode | null)[],
  nested: Map<YamlNode, ModuleOutputs>,
): ModuleOutputs {
  const out: ModuleOutputs = new Map();
  for (const { id: output, at } of header.outputs) {
    const producers: string[] = [];
    for (const item of items) {
      if (!isMap(item)) continue;
      const innerId = idOf(ctx, item);
      if (innerId === undefined) continue;
      const outputs = nested.get(item);
      if (outputs) {
        const producer = outputs.get(output);
        if (producer) producers.push(producer);
      } else if (!moduleField(ctx, item) && outputsOf(ctx, item).includes(output)) {
        producers.push(innerId);
      }
    }
    if (producers.length === 1) out.set(output, producers[0]!);
    else if (producers.length === 0) {
      ctx.report(
        at,
        `module '${header.name}' declares output '${output}', but no inner node sends it`,
      );
    } else {
      ctx.report(
        at,
        `module output '${output}' is sent by ${producers.join(" and ")}: exactly one inner node ` +
          "may produce it (rename the one that is not exported)",
      );
    }
  }
  return out;
}

function idOf(ctx: Ctx, item: YamlNode | null): string | undefined {
  if (!isMap(item)) return undefined;
  const value = ctx.deref(findPair(ctx, item, "id")?.value);
  return isScalar(value) && !isEmpty(value) ? scalarText(value) : undefined;
}

function outputsOf(ctx: Ctx, item: YAMLMap): string[] {
  const value = ctx.deref(findPair(ctx, item, "outputs")?.value);
  if (!isSeq(value)) return [];
  return (value as YAMLSeq).items.flatMap((o) => {
    const node = ctx.deref(o);
    return isScalar(node) && !isEmpty(node) ? [scalarText(node)] : [];
  });
}

/**
 * `<module node>/<output>` in the inputs of `nodes` becomes `<producing inner node>/<output>`;
 * an output the module does not declare is a problem.
 */
function rewriteModuleRefs(nodes: FlatNode[], maps: Map<string, ModuleOutputs>): void {
  if (maps.size === 0) return;
  for (const node of nodes) {
    for (const pair of inputPairs(node.ctx, node.item).pairs) {
      const source = sourceScalar(node.ctx, pair.value as YamlNode | null);
      if (!source) continue;
      const raw = source.value as string;
      const slash = raw.indexOf("/");
      const map = slash < 0 ? undefined : maps.get(raw.slice(0, slash));
      if (!map) continue;
      const output = raw.slice(slash + 1);
      const producer = map.get(output);
      if (producer) source.value = `${producer}/${output}`;
      else {
        const known = [...map.keys()];
        node.ctx.report(
          source,
          `module node '${raw.slice(0, slash)}' has no output '${output}'` +
            (didYouMean(output, known) ||
              (known.length ? ` (its outputs: ${known.join(", ")})` : " (it declares none)")),
        );
      }
    }
  }
}
