/**
 * Operator nodes (`operator:` and `operators:`): reading them into drafts, and turning each
 * Python operator into a node process of its own (`NodeSpec.operator`). Pure.
 *
 * Addressing, as in dora: the outputs of a single `operator:` are `<node>/<output>`; those of
 * `operators:` are `<node>/<operator>/<output>`. Each operator of `operators:` runs as its own
 * node, with the id `<node>.<operator>` (the id shown by `list` and used for logs); inputs that
 * name `<node>/<operator>/<output>` are routed to it.
 */
import { isMap, type YAMLMap } from "../../deps/yaml.ts";
import {
  checkId,
  type InputDraft,
  inputSpecs,
  type OutputDraft,
  readBuild,
  readInputs,
  readOutputs,
} from "./_fields.ts";
import { type FileProbe, resolveProgram } from "./_program.ts";
import { applySchema, readSettings, type SettingsDraft } from "./_settings.ts";
import { type Ctx, describe, type Field } from "./_yaml.ts";
import { keysAt } from "./schema.ts";
import type { NodeSpec, Position } from "./types.ts";

const OPERATOR_KEYS = keysAt("operator");
const PYTHON_SOURCE_KEYS = ["source", "conda_env"];
const OPERATOR_SOURCES = ["python", "shared-library", "shared_library", "wasm"];

/** An operator as read from the file. */
export interface OperatorDraft {
  /** The operator's id; a single `operator:` without one gets the node's id. */
  id: string;
  idAt: Position;
  /** `true` for `operator:`, `false` for an entry of `operators:`. */
  single: boolean;
  /** The Python file, as written. */
  source?: { value: string; at: Position };
  condaEnv?: string;
  inputs: InputDraft[];
  outputs: OutputDraft[];
  build: string[];
  sendStdoutAs?: { value: string; at: Position };
  /** dora 1.0's operator settings: its own logs (`send_logs_as`, `min_log_level`, ...). */
  settings: SettingsDraft;
}

/** The outputs others may name: `outputs`, plus `send_stdout_as`/`send_logs_as` (as for nodes). */
function ownOutputs(op: OperatorDraft): string[] {
  const names = new Set(op.outputs.map((o) => o.id));
  if (op.sendStdoutAs) names.add(op.sendStdoutAs.value);
  if (op.settings.sendLogsAs) names.add(op.settings.sendLogsAs.value);
  return [...names];
}

/** What the node draft learns from its `operator(s):`. */
export interface OperatorsRead {
  operators: OperatorDraft[];
  /** Every operator input (to check their sources like any node's). */
  inputs: InputDraft[];
  /** Output names other nodes may use as `<this node>/<name>`. */
  referable: string[];
}

/**
 * Reads `operator:` / `operators:` of a node whose id is `nodeId` (undefined when the id is
 * invalid). Shared-library and WebAssembly operators are reported as not supported (the schema
 * table's `operator` keys say so).
 */
export function readOperators(
  ctx: Ctx,
  fields: Map<string, Field>,
  owner: string,
  nodeId: string | undefined,
): OperatorsRead | undefined {
  const single = fields.get("operator");
  const many = fields.get("operators");
  const key = single ?? many;
  if (!key) return undefined;
  if (single && many) ctx.report(many.keyNode, "use either 'operator' or 'operators', not both");
  if (fields.has("path")) {
    ctx.report(fields.get("path")!.keyNode, `use either 'path' or '${key.key}', not both`);
  }
  const out: OperatorsRead = { operators: [], inputs: [], referable: [] };
  if (single) {
    const map = ctx.map(single, "'operator'");
    const op = map && readOperator(ctx, map, `the operator of ${owner}`, nodeId, true);
    if (op) {
      out.operators.push(op);
      out.inputs.push(...op.inputs);
      out.referable.push(...ownOutputs(op));
    }
    return out;
  }
  const seq = ctx.list(many!, "'operators'", "a list of operators");
  const seen = new Map<string, Position>();
  for (const item of seq ? ctx.items(seq) : []) {
    if (!isMap(item)) {
      ctx.report(item ?? seq, `each operator must be a mapping, found ${describe(item)}`);
      continue;
    }
    const op = readOperator(ctx, item, `an operator of ${owner}`, undefined, false);
    if (!op) continue;
    const first = seen.get(op.id);
    if (first) {
      ctx.report(op.idAt, `duplicate operator id '${op.id}' (first defined at line ${first.line})`);
      continue;
    }
    seen.set(op.id, op.idAt);
    out.operators.push(op);
    out.inputs.push(...op.inputs);
    out.referable.push(...ownOutputs(op).map((name) => `${op.id}/${name}`));
  }
  return out;
}

function readOperator(
  ctx: Ctx,
  map: YAMLMap,
  owner: string,
  defaultId: string | undefined,
  single: boolean,
): OperatorDraft | undefined {
  const fields = ctx.fields(map, OPERATOR_KEYS, `in ${owner}`);
  applySchema(ctx, fields, "operator");
  let id = defaultId;
  let idAt = ctx.pos(map);
  const idField = fields.get("id");
  if (idField) {
    const text = ctx.string(idField, "'id'");
    idAt = ctx.valuePos(idField);
    id = text !== undefined && checkId(ctx, text, idAt, "operator id") ? text : undefined;
  } else if (!single) ctx.report(map, `${owner} has no 'id'`);
  const label = idField && id ? `operator '${id}'` : owner;
  const op: OperatorDraft = {
    id: id ?? "",
    idAt,
    single,
    inputs: [],
    outputs: [],
    build: [],
    settings: { outputKeys: [] },
  };
  const sources = OPERATOR_SOURCES.flatMap((key) => fields.get(key) ?? []);
  if (sources.length === 0) ctx.report(map, `${label} needs 'python: <file.py>'`);
  else if (sources.length > 1) {
    ctx.report(sources[1]!.keyNode, `give only one of 'python', 'shared-library' and 'wasm'`);
  }
  const source = sources[0];
  if (source?.key === "python") readPythonSource(ctx, source, label, op);
  else if (source) ctx.string(source); // not supported: applySchema said so
  for (const key of ["name", "description"]) {
    const field = fields.get(key);
    if (field) ctx.string(field);
  }
  const build = fields.get("build");
  if (build) op.build = readBuild(ctx, build);
  const inputs = fields.get("inputs");
  if (inputs) op.inputs = readInputs(ctx, inputs, label);
  const outputs = fields.get("outputs");
  if (outputs) op.outputs = readOutputs(ctx, outputs, label);
  const send = fields.get("send_stdout_as");
  if (send) {
    const text = ctx.string(send);
    if (text !== undefined) op.sendStdoutAs = { value: text, at: ctx.valuePos(send) };
  }
  op.settings = readSettings(ctx, fields);
  const own = ownOutputs(op);
  for (const key of op.settings.outputKeys) {
    if (own.includes(key.value)) continue;
    ctx.report(
      key.at,
      `output '${key.value}' (in ${key.where}) is not one of this operator's outputs (add it ` +
        "to 'outputs')",
    );
  }
  // With problems the operator still joins the graph check (its inputs name real outputs?);
  // the node is not resolved into processes (its draft is not ok).
  return id !== undefined ? op : undefined;
}

/** `python: file.py` or `python: {source: file.py, conda_env: env}`. */
function readPythonSource(ctx: Ctx, field: Field, label: string, op: OperatorDraft): void {
  if (!isMap(field.value)) {
    const text = ctx.string(field);
    if (text !== undefined) op.source = { value: text, at: ctx.valuePos(field) };
    return;
  }
  const python = ctx.fields(field.value, PYTHON_SOURCE_KEYS, `in 'python' of ${label}`);
  const source = python.get("source");
  if (!source) ctx.report(field.value, `'python' of ${label} has no 'source'`);
  else {
    const text = ctx.string(source);
    if (text !== undefined) op.source = { value: text, at: ctx.valuePos(source) };
  }
  const conda = python.get("conda_env");
  if (conda) op.condaEnv = ctx.string(conda);
}

/** What every operator process inherits from its node. */
export interface OperatorNodeBase {
  id: string;
  env: Record<string, string>;
  build: string[];
  position: Position;
  /** The node's own `send_stdout_as` (only a single `operator:` node may have one). */
  sendStdoutAs?: string;
}

/**
 * The node processes of an operator node: one per operator. Problems (a missing file, an id
 * clash) are reported; the specs of the operators that resolved are returned.
 */
export function resolveOperators(
  ctx: Ctx,
  node: OperatorNodeBase,
  operators: OperatorDraft[],
  dir: string,
  probe: FileProbe,
  takenIds: Set<string>,
): NodeSpec[] {
  const specs: NodeSpec[] = [];
  operators.forEach((op, index) => {
    if (!op.source) return;
    const build = index === 0 ? [...node.build, ...op.build] : op.build;
    if (!op.source.value.toLowerCase().endsWith(".py")) {
      return ctx.report(
        op.source.at,
        `'python' must name a Python file (.py), found '${op.source.value}'`,
      );
    }
    const resolved = resolveProgram(op.source.value, dir, build.length > 0, probe);
    if (!resolved.ok) return ctx.report(op.source.at, resolved.error);
    const id = op.single ? node.id : operatorNodeId(node.id, op.id);
    if (!op.single && takenIds.has(id)) {
      return ctx.report(
        op.idAt,
        `operator '${op.id}' of node '${node.id}' runs as node '${id}', which is also the id ` +
          "of another node: rename one of them",
      );
    }
    const inputs = inputSpecs(op.inputs);
    const spec: NodeSpec = {
      id,
      path: op.source.value,
      kind: "python",
      program: resolved.program,
      args: [],
      env: node.env,
      build,
      inputs,
      outputs: op.outputs.map((o) => o.id),
      operator: { node: node.id, id: op.id, source: resolved.program },
      position: node.position,
    };
    if (op.condaEnv !== undefined) spec.operator!.condaEnv = op.condaEnv;
    const sendStdoutAs = op.sendStdoutAs?.value ?? node.sendStdoutAs;
    if (sendStdoutAs) spec.sendStdoutAs = sendStdoutAs;
    // The operator's own log settings; the node's (applied by the caller) fill in the rest.
    if (op.settings.logs) spec.logs = op.settings.logs;
    specs.push(spec);
  });
  return specs;
}

/** The node id an operator of `operators:` runs as. */
export function operatorNodeId(node: string, operator: string): string {
  return `${node}.${operator}`;
}

/**
 * Points inputs that read `<node>/<operator>/<output>` of an `operators:` node at the process
 * of that operator (`<node>.<operator>`, output `<output>`).
 */
export function routeOperatorOutputs(specs: NodeSpec[], multiOperatorNodes: Set<string>): void {
  if (multiOperatorNodes.size === 0) return;
  for (const spec of specs) {
    for (const input of Object.values(spec.inputs)) {
      const source = input.source;
      if (source.kind !== "node" || !multiOperatorNodes.has(source.node)) continue;
      const slash = source.output.indexOf("/");
      if (slash < 0) continue;
      input.source = {
        kind: "node",
        node: operatorNodeId(source.node, source.output.slice(0, slash)),
        output: source.output.slice(slash + 1),
      };
    }
  }
}
