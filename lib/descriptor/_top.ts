/**
 * The top level of a dataflow file: its dora 1.0 keys (`health_check_interval`,
 * `exit_when_nodes_finish`, `type_rules`, ...), the `env` and `deploy` every node inherits, and
 * its nodes, module nodes expanded, each read into a draft. Pure, apart from module files read
 * through `ParseOptions.moduleFiles`.
 */
import { isMap, isScalar } from "../../deps/yaml.ts";
import { readDeploy, readEnv } from "./_fields.ts";
import { expandModules, type FlatNode, type ModuleFiles, paramEnv } from "./_modules.ts";
import { type NodeDefaults, type NodeDraft, readNode } from "./_node.ts";
import { applySchema, readSeconds } from "./_settings.ts";
import { type Ctx, describe, type Field, isEmpty } from "./_yaml.ts";
import { keysAt } from "./schema.ts";
import type { TypeRule } from "./type_compat.ts";

const TOP_KEYS = keysAt("dataflow");

/** How module files are found (see `ParseOptions`). */
export interface TopOptions {
  moduleFiles?: ModuleFiles;
  moduleBase?: string;
}

/** What the top level of the file says, with every node read. */
export interface TopLevel {
  drafts: NodeDraft[];
  flat: FlatNode[];
  moduleIds: Set<string>;
  healthCheckIntervalMs?: number;
  exitWhenNodesFinish?: boolean;
  typeRules: TypeRule[];
}

export function readTopLevel(
  ctx: Ctx,
  vars: Record<string, string | undefined>,
  dir: string,
  opts: TopOptions,
): TopLevel {
  const out: TopLevel = { drafts: [], flat: [], moduleIds: new Set(), typeRules: [] };
  const root = ctx.deref(ctx.doc.contents);
  if (isEmpty(root)) {
    ctx.report(root, "the file is empty: expected a mapping with a 'nodes' list");
    return out;
  }
  if (!isMap(root)) {
    ctx.report(
      root,
      `not a dataflow: expected a mapping with a 'nodes' list at the top level, ` +
        `found ${describe(root)}`,
    );
    return out;
  }
  const top = root;
  const header = top.items.find((pair) => isScalar(pair.key) && pair.key.value === "module");
  if (header) {
    ctx.report(
      header.key as Field["keyNode"],
      "this is a module file (it has a 'module:' header), not a dataflow: check it with " +
        "'dora expand --module FILE', or use it from a dataflow node with 'module: FILE'",
    );
    return out;
  }
  const fields = ctx.fields(top, TOP_KEYS, "at the top level");
  applySchema(ctx, fields, "dataflow");
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
  const interval = fields.get("health_check_interval");
  if (interval && !isEmpty(interval.value)) {
    out.healthCheckIntervalMs = readSeconds(ctx, interval);
  }
  const exitWhen = fields.get("exit_when_nodes_finish");
  if (exitWhen && !isEmpty(exitWhen.value)) out.exitWhenNodesFinish = readBoolean(ctx, exitWhen);
  const strict = fields.get("strict_types");
  if (strict && !isEmpty(strict.value)) readBoolean(ctx, strict);
  const rules = fields.get("type_rules");
  if (rules && !isEmpty(rules.value)) out.typeRules = readTypeRules(ctx, rules);
  const nodes = fields.get("nodes");
  if (!nodes) {
    ctx.report(top, "missing 'nodes': a dataflow needs a list of nodes");
    return out;
  }
  const seq = ctx.list(nodes, "'nodes'", "a list of nodes");
  if (!seq) return out;
  const items = ctx.items(seq);
  if (items.length === 0) {
    ctx.report(ctx.valuePos(nodes), "'nodes' is empty: a dataflow needs at least one node");
  }
  const expanded = expandModules(ctx, items, {
    dataflowDir: dir,
    vars,
    files: opts.moduleFiles,
    base: opts.moduleBase,
  });
  out.flat = expanded.nodes;
  out.moduleIds = expanded.moduleIds;
  for (const node of out.flat) {
    const params = paramEnv(node.params);
    const draft = readNode(node.ctx, node.item, node.index, {
      ...defaults,
      env: { ...defaults.env, ...node.moduleEnv },
      vars: { ...vars, ...params },
    });
    if (!draft) continue;
    Object.assign(draft.env, params);
    if (node.buildBefore.length > 0) draft.build = [...node.buildBefore, ...draft.build];
    out.drafts.push(draft);
  }
  return out;
}

/** `true` or `false`. */
function readBoolean(ctx: Ctx, field: Field): boolean | undefined {
  const { value } = field;
  if (isScalar(value) && typeof value.value === "boolean") return value.value;
  ctx.report(ctx.valuePos(field), `'${field.key}' must be true or false, found ${describe(value)}`);
  return undefined;
}

/** `type_rules`: a list of `{from, to}` type URNs. */
function readTypeRules(ctx: Ctx, field: Field): TypeRule[] {
  const seq = ctx.list(field, "'type_rules'", "a list of {from, to} rules");
  const rules: TypeRule[] = [];
  for (const item of seq ? ctx.items(seq) : []) {
    if (!isMap(item)) {
      ctx.report(
        item ?? seq,
        `a type rule must be a mapping with 'from' and 'to', found ${describe(item)}`,
      );
      continue;
    }
    const fields = ctx.fields(item, ["from", "to"], "in a type rule");
    const from = fields.get("from");
    const to = fields.get("to");
    if (!from || !to) {
      ctx.report(item, "a type rule needs both 'from' and 'to'");
      continue;
    }
    const a = ctx.string(from);
    const b = ctx.string(to);
    if (a !== undefined && b !== undefined) rules.push({ from: a, to: b });
  }
  return rules;
}
