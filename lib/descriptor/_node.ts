/**
 * Reading one entry of `nodes:` into a draft: every field type-checked, unknown keys reported,
 * the older `custom:` form folded into the flat one, `operator(s):` read by _operators.ts.
 * Cross-node rules (unique ids, input sources) and file-system checks come later. Pure.
 */
import { isMap, isScalar, type YAMLMap, type YamlNode } from "../../deps/yaml.ts";
import {
  checkId,
  type InputDraft,
  type OutputDraft,
  readArgs,
  readBuild,
  readDeploy,
  readEnv,
  readInputs,
  readLimits,
  readOutputs,
  readRestartPolicy,
} from "./_fields.ts";
import { type OperatorDraft, readOperators } from "./_operators.ts";
import { applySchema, readSettings, type SettingsDraft } from "./_settings.ts";
import { checkUnsupportedSources } from "./_sources.ts";
import { type Ctx, describe, type Field, scalarText } from "./_yaml.ts";
import { keysAt } from "./schema.ts";
import type { Position, ResourceLimits, RestartPolicy } from "./types.ts";

const NODE_KEYS = keysAt("node");
const CUSTOM_KEYS = ["source", "args", "envs", "build", "send_stdout_as", "inputs", "outputs"];

/** A node as read from the file; `ok` is false once any of its own problems was reported. */
export interface NodeDraft {
  id?: string;
  /** Start of the node's mapping. */
  position: Position;
  idAt: Position;
  /** `path` (or `custom.source`) as written, with its position. */
  path?: { value: string; at: Position };
  args: string[];
  /** The `args` string unsplit, for `path: shell`; undefined when args was a list or absent. */
  argsLine?: string;
  argsAt?: Position;
  env: Record<string, string>;
  build: string[];
  inputs: InputDraft[];
  outputs: OutputDraft[];
  /** Output names other nodes may use as `<this node>/<name>`. */
  referable: Set<string>;
  restartPolicy?: RestartPolicy;
  sendStdoutAs?: { value: string; at: Position };
  deploy?: { machine?: string };
  limits?: ResourceLimits;
  /** dora 1.0's other node settings (restarts, logs, types...). */
  settings: SettingsDraft;
  /** `git:` was given: `path` then lives in a clone that does not exist here. */
  fromGit: boolean;
  /** The file the node is written in (a module's nodes live in the module file). */
  ctx: Ctx;
  /** `operator:` / `operators:`: one node process per operator. */
  operators?: OperatorDraft[];
  ok: boolean;
}

/** What every node inherits from the top level. */
export interface NodeDefaults {
  env: Record<string, string>;
  deploy?: { machine?: string };
  vars: Record<string, string | undefined>;
}

/** Reads the `index`-th node. */
export function readNode(
  ctx: Ctx,
  item: YamlNode | null,
  index: number,
  defaults: NodeDefaults,
): NodeDraft | undefined {
  if (!isMap(item)) {
    ctx.report(item, `each node must be a mapping with an 'id', found ${describe(item)}`);
    return undefined;
  }
  const before = ctx.problems.length;
  const position = ctx.pos(item);
  const idText = peekId(ctx, item);
  const owner = idText === undefined ? `node ${index + 1}` : `node '${idText}'`;
  const fields = ctx.fields(item, NODE_KEYS, `in ${owner}`);
  const draft: NodeDraft = {
    position,
    idAt: position,
    args: [],
    env: { ...defaults.env },
    build: [],
    inputs: [],
    outputs: [],
    referable: new Set(),
    deploy: defaults.deploy,
    settings: { outputKeys: [] },
    fromGit: fields.has("git"),
    ctx,
    ok: true,
  };
  applySchema(ctx, fields, "node");

  const id = fields.get("id");
  if (!id) ctx.report(item, `${owner} has no 'id'`);
  else {
    const text = ctx.string(id, "'id'");
    draft.idAt = ctx.valuePos(id);
    if (text === "dora") ctx.report(draft.idAt, "node id 'dora' is reserved (used for timers)");
    else if (text !== undefined && checkId(ctx, text, draft.idAt, "node id")) draft.id = text;
  }
  for (const key of ["name", "description"]) {
    const field = fields.get(key);
    if (field) ctx.string(field);
  }

  readCommon(ctx, fields, draft, owner, defaults);
  const custom = fields.get("custom");
  if (custom) readCustom(ctx, custom, fields, draft, owner, defaults);
  checkUnsupportedSources(ctx, fields);
  const operators = readOperators(ctx, fields, owner, draft.id);
  if (operators) {
    draft.operators = operators.operators;
    draft.inputs.push(...operators.inputs);
    for (const name of operators.referable) draft.referable.add(name);
    if (fields.has("operators")) {
      for (const key of ["send_stdout_as", "send_logs_as"]) {
        const field = fields.get(key);
        if (!field) continue;
        ctx.report(
          field.keyNode,
          `'${key}' of a node with 'operators' has no single process to take it from (each ` +
            "operator runs as its own): set it on the operator whose output it is",
        );
      }
    }
  }
  draft.settings = readSettings(ctx, fields);
  if (draft.settings.sendLogsAs) draft.referable.add(draft.settings.sendLogsAs.value);
  const params = fields.get("params");
  if (params) {
    ctx.report(params.keyNode, "'params' only applies to a module node (one with 'module:')");
  }

  const restart = fields.get("restart_policy");
  if (restart) draft.restartPolicy = readRestartPolicy(ctx, restart);
  const deploy = fields.get("deploy") ?? fields.get("_unstable_deploy");
  if (fields.has("deploy") && fields.has("_unstable_deploy")) {
    ctx.report(
      fields.get("_unstable_deploy")!.keyNode,
      "use either 'deploy' or '_unstable_deploy'",
    );
  }
  if (deploy) draft.deploy = readDeploy(ctx, deploy);
  draft.limits = readLimits(ctx, fields.get("cpu_limit"), fields.get("memory_limit"));

  const operatorKey = fields.get("operator") ?? fields.get("operators");
  const otherSource = fields.has("hub") || fields.has("ros2"); // reported as not supported
  if (!fields.has("path") && !operatorKey && !custom && !otherSource) {
    ctx.report(item, `${owner} has no 'path': say which program runs it`);
  }
  draft.ok = ctx.problems.length === before;
  return draft;
}

/** The node's id, if it is a plain scalar, so messages can name the node early. */
function peekId(ctx: Ctx, map: YAMLMap): string | undefined {
  for (const pair of map.items) {
    const key = ctx.deref(pair.key);
    const value = ctx.deref(pair.value);
    if (isScalar(key) && key.value === "id" && isScalar(value) && value.value !== null) {
      return scalarText(value);
    }
  }
  return undefined;
}

/** Fields shared by the flat form and `custom:`. */
function readCommon(
  ctx: Ctx,
  fields: Map<string, Field>,
  draft: NodeDraft,
  owner: string,
  defaults: NodeDefaults,
  envKey = "env",
): void {
  const path = fields.get("path") ?? fields.get("source");
  if (path) {
    const text = ctx.string(path);
    if (text !== undefined) draft.path = { value: text, at: ctx.valuePos(path) };
  }
  const args = fields.get("args");
  if (args) {
    draft.args = readArgs(ctx, args) ?? [];
    draft.argsAt = ctx.valuePos(args);
    if (isScalar(args.value) && args.value.value !== null) draft.argsLine = scalarText(args.value);
  }
  const env = fields.get(envKey);
  if (env) Object.assign(draft.env, readEnv(ctx, env, owner, defaults.vars));
  const build = fields.get("build");
  if (build) draft.build = readBuild(ctx, build);
  const inputs = fields.get("inputs");
  if (inputs) draft.inputs = readInputs(ctx, inputs, owner);
  const outputs = fields.get("outputs");
  if (outputs) {
    draft.outputs = readOutputs(ctx, outputs, owner);
    draft.referable = new Set(draft.outputs.map((o) => o.id));
  }
  const send = fields.get("send_stdout_as");
  if (send) {
    const text = ctx.string(send);
    if (text !== undefined) draft.sendStdoutAs = { value: text, at: ctx.valuePos(send) };
  }
  if (draft.sendStdoutAs) draft.referable.add(draft.sendStdoutAs.value);
}

/** The older `custom: {source, args, envs, inputs, outputs, ...}` form. */
function readCustom(
  ctx: Ctx,
  custom: Field,
  outer: Map<string, Field>,
  draft: NodeDraft,
  owner: string,
  defaults: NodeDefaults,
): void {
  const map = ctx.map(custom, "'custom'");
  if (!map) return;
  const inner = ctx.fields(map, CUSTOM_KEYS, `in 'custom' of ${owner}`);
  const clashes = ["path", "args", "build", "inputs", "outputs", "send_stdout_as"]
    .filter((key) => outer.has(key) && inner.has(key === "path" ? "source" : key));
  for (const key of clashes) {
    ctx.report(outer.get(key)!.keyNode, `'${key}' is given both here and inside 'custom'`);
  }
  for (const key of ["operator", "operators"]) {
    const field = outer.get(key);
    if (field) ctx.report(field.keyNode, `use either 'custom' or '${key}', not both`);
  }
  if (!inner.has("source")) ctx.report(map, `'custom' of ${owner} has no 'source'`);
  readCommon(ctx, inner, draft, owner, defaults, "envs");
}
