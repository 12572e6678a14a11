/**
 * Which nodes a replay replaces, and the dataflow it then runs: each replaced node becomes a
 * playback node (this program's hidden `_playback` command) that sends the node's recorded
 * outputs with their recorded timing, through the node protocol like any node. Pure.
 *
 * Why a node process and not injection: a playback node takes part in the startup barrier
 * (its consumers start with it), and when it has sent everything it exits like the recorded
 * node did, so its consumers get INPUT_CLOSED and the dataflow ends as the recorded run did;
 * it works the same under `dora run`, the daemon, or any transport the node libraries speak.
 */
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";
import { DoraError, UsageError } from "../errors.ts";

/** Recorded messages per node and output. */
export type RecordedOutputs = Map<string, Map<string, number>>;

/** A node's inputs from other nodes (timers do not count). */
function dataInputs(node: NodeSpec): string[] {
  return Object.entries(node.inputs)
    .filter(([, input]) => input.source.kind !== "timer")
    .map(([id]) => id);
}

/**
 * The nodes to replace: those named (`--replace`), or every node with recorded outputs and no
 * inputs but timers. Throws a `UsageError` for an unknown node, a `DoraError` for a node
 * without recorded outputs or when nothing qualifies.
 */
export function nodesToReplace(
  dataflow: Dataflow,
  recorded: RecordedOutputs,
  named: string[] | undefined,
): string[] {
  const ids = dataflow.nodes.map((n) => n.id);
  if (named !== undefined) {
    for (const id of named) {
      if (!ids.includes(id)) {
        throw new UsageError(`--replace: the dataflow has no node '${id}'`, [
          `Its nodes: ${ids.join(", ")}`,
        ]);
      }
      if (!recorded.has(id)) {
        throw new DoraError(`--replace: node '${id}' has no recorded outputs`, [
          `Recorded: ${describeRecorded(recorded)}`,
        ]);
      }
    }
    return [...new Set(named)];
  }
  const sources = dataflow.nodes
    .filter((n) => recorded.has(n.id) && dataInputs(n).length === 0)
    .map((n) => n.id);
  if (sources.length === 0) {
    throw new DoraError("Nothing to replace: no source node (no inputs but timers) was recorded", [
      `Recorded: ${describeRecorded(recorded)}`,
      "Name the nodes to play back with --replace node,...",
    ]);
  }
  return sources;
}

function describeRecorded(recorded: RecordedOutputs): string {
  const topics = [...recorded].flatMap(([node, outputs]) =>
    [...outputs.keys()].map((o) => `${node}/${o}`)
  );
  return topics.join(", ") || "nothing";
}

/** How to start a playback node (from lib/relaunch.ts's `selfCommand`). */
export type PlaybackCommand = (nodeId: string) => { command: string; args: string[] };

/** The dataflow with `replace`d nodes played back; the others unchanged. */
export function replayDataflow(
  dataflow: Dataflow,
  recorded: RecordedOutputs,
  replace: string[],
  command: PlaybackCommand,
): Dataflow {
  const nodes = dataflow.nodes.map((node): NodeSpec => {
    if (!replace.includes(node.id)) return node;
    const cmd = command(node.id);
    const outputs = [...node.outputs];
    for (const output of recorded.get(node.id)?.keys() ?? []) {
      if (!outputs.includes(output)) outputs.push(output);
    }
    return {
      id: node.id,
      path: cmd.command,
      kind: "executable",
      program: cmd.command,
      args: cmd.args,
      env: node.env,
      build: [],
      inputs: {},
      outputs,
      restartPolicy: "never",
      position: node.position,
      ...(node.limits ? { limits: node.limits } : {}),
      ...(node.cpuAffinity ? { cpuAffinity: node.cpuAffinity } : {}),
    };
  });
  return { ...dataflow, nodes };
}
