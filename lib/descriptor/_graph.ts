/**
 * Rules that span nodes: unique ids, every input naming an existing node and output,
 * per-output settings naming the node's outputs, type
 * annotations naming existing ports, and connected types matching. Pure.
 */
import type { NodeDraft } from "./_node.ts";
import { didYouMean } from "./suggest.ts";
import { parseType, TIMER_TYPE, typeMismatch, type TypeRule } from "./type_compat.ts";

/** Reports duplicate ids, dangling inputs and stray output names; marks those drafts. */
export function checkGraph(
  drafts: NodeDraft[],
  rules: readonly TypeRule[] = [],
  /** Ids of expanded module nodes: a reference to one was already checked by the expansion. */
  moduleIds: ReadonlySet<string> = new Set(),
): void {
  const byId = new Map<string, NodeDraft>();
  for (const draft of drafts) {
    if (draft.id === undefined) continue;
    const first = byId.get(draft.id);
    if (first) {
      const where = first.ctx === draft.ctx
        ? `line ${first.idAt.line}`
        : `${first.ctx.file}:${first.idAt.line}`;
      draft.ctx.report(draft.idAt, `duplicate node id '${draft.id}' (first defined at ${where})`);
      draft.ok = false;
      continue;
    }
    byId.set(draft.id, draft);
  }
  const ids = [...byId.keys()];
  for (const draft of drafts) {
    const report = (at: { line: number; col: number }, message: string) => {
      draft.ctx.report(at, message);
      draft.ok = false;
    };
    for (const input of draft.inputs) {
      if (input.source.kind === "logs") {
        const node = input.source.node;
        if (node !== undefined && !byId.has(node)) {
          report(
            input.at,
            `input '${input.id}' listens to the logs of node '${node}', which does not exist` +
              didYouMean(node, ids),
          );
        }
        continue;
      }
      if (input.source.kind !== "node") continue;
      const { node, output } = input.source;
      const from = byId.get(node);
      if (!from && moduleIds.has(node)) {
        draft.ok = false;
      } else if (!from) {
        report(
          input.at,
          `input '${input.id}' comes from node '${node}', which does not exist` +
            didYouMean(node, ids),
        );
      } else if (!from.referable.has(output)) {
        const outputs = [...from.referable];
        const hint = didYouMean(output, outputs) ||
          (outputs.length === 0
            ? ` (node '${node}' declares no outputs)`
            : ` (its outputs: ${outputs.join(", ")})`);
        report(
          input.at,
          `input '${input.id}' comes from output '${output}' of node '${node}', ` +
            `which has no such output${hint}`,
        );
      }
    }
    // `send_stdout_as` and `send_logs_as` name outputs of their own (dora does not require
    // them in `outputs`), so they count as outputs here.
    const outputs = [...draft.referable];
    const own = (where: string, name: string, at: { line: number; col: number }) => {
      if (outputs.includes(name)) return;
      report(
        at,
        `output '${name}' (in ${where}) is not one of this node's outputs (add it to 'outputs')`,
      );
    };
    const settings = draft.settings;
    for (const key of settings.outputKeys) own(key.where, key.value, key.at);
    for (const [name, type] of settings.outputTypes ?? []) {
      own("output_types", name, type.at);
      if (!parseType(type.value)) report(type.at, `invalid type URN '${type.value}'`);
    }
    const inputIds = draft.inputs.map((i) => i.id);
    for (const [name, type] of settings.inputTypes ?? []) {
      if (!parseType(type.value)) report(type.at, `invalid type URN '${type.value}'`);
      if (inputIds.includes(name)) continue;
      report(
        type.at,
        `input_types names input '${name}', which this node does not have` +
          didYouMean(name, inputIds),
      );
    }
  }
  checkTypes(drafts, byId, rules);
}

/** Connected ports whose annotated types cannot flow into each other. */
function checkTypes(
  drafts: NodeDraft[],
  byId: Map<string, NodeDraft>,
  rules: readonly TypeRule[],
): void {
  for (const draft of drafts) {
    const expected = draft.settings.inputTypes;
    if (!expected || expected.size === 0) continue;
    for (const input of draft.inputs) {
      const want = expected.get(input.id);
      if (!want) continue;
      let have: string | undefined;
      let what: string;
      if (input.source.kind === "timer") {
        have = TIMER_TYPE;
        what = `the timer ${input.raw}`;
      } else if (input.source.kind === "node") {
        have = byId.get(input.source.node)?.settings.outputTypes?.get(input.source.output)?.value;
        what = input.raw;
      } else continue;
      if (!have) continue;
      const why = typeMismatch(have, want.value, rules);
      if (!why) continue;
      draft.ctx.report(
        input.at,
        `type mismatch on input '${input.id}': ${what} sends ${have}, but input_types expects ` +
          `${want.value} (${why})`,
      );
      draft.ok = false;
    }
  }
}
