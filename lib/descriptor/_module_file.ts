/**
 * Loading a module file for expansion: where it may be (relative, inside the dataflow's folder,
 * no cycles, at most 1 MB), its YAML, and its header (`name`, `inputs`, `inputs_optional`,
 * `outputs`) checked with positions in the module file. File access goes through
 * `ModuleFiles`.
 */
import { dirname, isAbsolute, join, normalize, relative } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, type YamlNode } from "../../deps/yaml.ts";
import { checkId, readBuild } from "./_fields.ts";
import { Ctx, describe, type Field, isEmpty, scalarText } from "./_yaml.ts";
import { keysAt } from "./schema.ts";

/** Largest module file. */
export const MAX_MODULE_BYTES = 1024 * 1024;

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

/** Where module files may be and which are being expanded (shared by one expansion). */
export interface ModuleScope {
  files: ModuleFiles;
  /** The folder module files must lie inside (canonical; normally the dataflow's). */
  base: string;
  /** The dataflow's folder, canonical: inner paths become relative to it. */
  dir: string;
  /** Module files being expanded (cycle check). */
  seen: Set<string>;
}

export interface Header {
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
export function loadModule(
  parent: Ctx,
  field: Field,
  path: string,
  dir: string,
  scope: ModuleScope,
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
