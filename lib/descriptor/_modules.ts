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
import { dirname } from "node:path";
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type YAMLMap,
  type YamlNode,
} from "../../deps/yaml.ts";
import { checkId, readBuild, readEnv, readInputs } from "./_fields.ts";
import {
  type Header,
  loadModule,
  type ModuleFiles,
  type ModuleScope,
  realModuleFiles,
} from "./_module_file.ts";
import { paramEnv, readParams, rewriteInner } from "./_module_rewrite.ts";
import {
  findPair,
  idOf,
  inputPairs,
  moduleField,
  outputsOf,
  sourceScalar,
} from "./_module_tree.ts";
import { type Ctx, type Field, isEmpty, scalarText } from "./_yaml.ts";
import { keysAt, moduleNodeKeys } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

export { MAX_MODULE_BYTES, type ModuleFiles, realModuleFiles } from "./_module_file.ts";
export { MODULE_INPUT, paramEnv } from "./_module_rewrite.ts";

/**
 * The flat dataflow as plain data: the file's own keys, its nodes replaced by the expanded ones
 * (what `dora expand` prints, and what nodes get as `dataflow_descriptor()`).
 */
export function flatDescriptor(doc: Document, nodes: FlatNode[]): Record<string, unknown> {
  const root = (doc.toJS() ?? {}) as Record<string, unknown>;
  root.nodes = nodes.map((node) => {
    const item = (node.item?.toJS(node.ctx.doc) ?? {}) as Record<string, unknown>;
    if (node.modules.length === 0) return item;
    const env = {
      ...node.moduleEnv,
      ...(item.env as Record<string, unknown> | undefined),
      ...paramEnv(node.params),
    };
    if (Object.keys(env).length > 0) item.env = env;
    if (node.buildBefore.length > 0) {
      const own = typeof item.build === "string" ? [item.build.trimEnd()] : [];
      item.build = [...node.buildBefore, ...own].join("\n");
    }
    return item;
  });
  return root;
}

/** Deepest nesting of modules. */
export const MAX_MODULE_DEPTH = 8;

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

interface Scope extends ModuleScope {
  opts: ExpandOptions;
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
    if (moduleNodeKeys().includes(key)) continue;
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
