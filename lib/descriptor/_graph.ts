/**
 * Rules that span nodes: unique ids, every input naming an existing node and output, and
 * `send_stdout_as` naming one of the node's outputs. Pure.
 */
import type { NodeDraft } from "./_node.ts";
import type { Ctx } from "./_yaml.ts";
import { didYouMean } from "./suggest.ts";

/** Reports duplicate ids, dangling inputs and a stray `send_stdout_as`; marks those drafts. */
export function checkGraph(ctx: Ctx, drafts: NodeDraft[]): void {
  const byId = new Map<string, NodeDraft>();
  for (const draft of drafts) {
    if (draft.id === undefined) continue;
    const first = byId.get(draft.id);
    if (first) {
      ctx.report(
        draft.idAt,
        `duplicate node id '${draft.id}' (first defined at line ${first.idAt.line})`,
      );
      draft.ok = false;
      continue;
    }
    byId.set(draft.id, draft);
  }
  const ids = [...byId.keys()];
  for (const draft of drafts) {
    for (const input of draft.inputs) {
      if (input.source.kind !== "node") continue;
      const { node, output } = input.source;
      const from = byId.get(node);
      if (!from) {
        ctx.report(
          input.at,
          `input '${input.id}' comes from node '${node}', which does not exist` +
            didYouMean(node, ids),
        );
        draft.ok = false;
      } else if (!from.referable.has(output)) {
        const outputs = [...from.referable];
        const hint = didYouMean(output, outputs) ||
          (outputs.length === 0
            ? ` (node '${node}' declares no outputs)`
            : ` (its outputs: ${outputs.join(", ")})`);
        ctx.report(
          input.at,
          `input '${input.id}' comes from output '${output}' of node '${node}', ` +
            `which has no such output${hint}`,
        );
        draft.ok = false;
      }
    }
    const send = draft.sendStdoutAs;
    if (send && !draft.outputs.some((o) => o.id === send.value)) {
      ctx.report(
        send.at,
        `send_stdout_as '${send.value}' is not one of this node's outputs (add it to 'outputs')`,
      );
      draft.ok = false;
    }
  }
}
