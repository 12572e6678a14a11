/**
 * `dora replay FILE.mcap [--speed F] [--loop] [--replace node,...] [--dataflow FILE]`: runs the
 * recorded dataflow in the foreground, as `dora run` does, with source nodes replaced by
 * playback of their recorded outputs (lib/replay/plan.ts says which and why as nodes). The
 * dataflow is the YAML kept in the recording, resolved against the folder it was recorded
 * from (or `--dataflow FILE`). `--record OUT.mcap` records the replayed run (to compare what
 * the other nodes make of the same input); `--output-yaml` writes the rewritten dataflow
 * instead of running it.
 */
import { countProblems, formatProblems, parseDataflowBytes } from "../descriptor/mod.ts";
import type { Dataflow } from "../descriptor/types.ts";
import { DoraError, UsageError } from "../errors.ts";
import { selfCommand } from "../relaunch.ts";
import { resolve } from "node:path";
import type { RunOptions } from "./run.ts";

/** Flags of `dora replay`. */
export interface ReplayFlags extends Omit<RunOptions, "record" | "load" | "recordYaml"> {
  speed?: string;
  loop?: boolean;
  replace?: string;
  dataflow?: string;
  record?: string | boolean;
  outputYaml?: string;
}

/** `--speed`: a factor (0: as fast as possible). */
export function speedFlag(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(
      `Invalid --speed '${text}': expected a number of at least 0 (0: as fast as possible)`,
    );
  }
  return n;
}

/** `--replace a,b`, or undefined. */
function replaceFlag(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new UsageError(`Invalid --replace '${text}': expected node ids`);
  return ids;
}

/** Runs `dora replay`. */
export async function replay(file: string, flags: ReplayFlags): Promise<number> {
  const speed = speedFlag(flags.speed);
  const named = replaceFlag(flags.replace);
  const { openRecording, dataflowMetadata } = await import("../record/read.ts");
  const path = resolve(file);
  const recording = await openRecording(path);
  let recorded;
  let start: bigint | undefined;
  const meta = dataflowMetadata(recording);
  try {
    recorded = new Map<string, Map<string, number>>();
    for (const channel of recording.channels.values()) {
      const node = channel.metadata.get("dora.node");
      const output = channel.metadata.get("dora.output");
      if (node === undefined || output === undefined) continue;
      const outputs = recorded.get(node) ?? new Map<string, number>();
      outputs.set(output, 0);
      recorded.set(node, outputs);
    }
    start = recording.timeRange?.start;
    if (start === undefined) {
      for await (const m of recording.messages()) {
        if (start === undefined || m.logTime < start) start = m.logTime;
      }
    }
  } finally {
    recording.close();
  }
  if (!recording.complete) {
    console.error(
      `Warning: ${file} is incomplete (its recorder was stopped before it finished); ` +
        "replaying what it holds",
    );
  }
  const { dataflow, yaml } = await recordedDataflow(file, meta, flags.dataflow);
  const { nodesToReplace, replayDataflow } = await import("../replay/plan.ts");
  const replace = nodesToReplace(dataflow, recorded, named);
  const command = (node: string) =>
    selfCommand([
      "_playback",
      path,
      "--node",
      node,
      "--speed",
      String(speed),
      ...(start !== undefined ? ["--start", String(start)] : []),
      ...(flags.loop ? ["--loop"] : []),
    ]);
  const replayed = replayDataflow(dataflow, recorded, replace, command);
  if (flags.outputYaml !== undefined) {
    await writeYaml(flags.outputYaml, replayed);
    console.error(`Wrote the replayed dataflow to ${flags.outputYaml} (not run)`);
    return 0;
  }
  console.error(
    `Replaying ${file} (${meta.get("name") ?? "recording"}): ${replace.join(", ")} played back` +
      (speed === 1 ? "" : speed === 0 ? " as fast as possible" : ` at ${speed}x`) +
      (flags.loop ? ", looping" : ""),
  );
  const { run } = await import("./run.ts");
  const { speed: _s, loop: _l, replace: _r, dataflow: _d, outputYaml: _o, ...runFlags } = flags;
  return await run(dataflow.file, {
    ...runFlags,
    load: () => Promise.resolve(replayed),
    recordYaml: yaml,
  });
}

/** The dataflow to replay: `--dataflow FILE`, or the recording's YAML in its own folder. */
async function recordedDataflow(
  file: string,
  meta: Map<string, string>,
  override: string | undefined,
): Promise<{ dataflow: Dataflow; yaml?: string }> {
  let label: string;
  let absolute: string;
  let bytes: Uint8Array;
  if (override !== undefined) {
    label = override;
    absolute = resolve(override);
    try {
      bytes = await Deno.readFile(absolute);
    } catch (err) {
      throw new DoraError(`Cannot read --dataflow ${override}: ${(err as Error).message}`);
    }
  } else {
    const yaml = meta.get("yaml");
    const original = meta.get("file");
    if (yaml === undefined || original === undefined) {
      throw new DoraError(`${file} holds no dataflow YAML`, [
        "Name the dataflow to run with --dataflow FILE",
      ]);
    }
    label = `${original} (as recorded)`;
    absolute = original;
    bytes = new TextEncoder().encode(yaml);
  }
  const { dataflow, problems } = await parseDataflowBytes(label, absolute, bytes);
  if (!dataflow) {
    throw new DoraError(`Invalid dataflow ${label} (${countProblems(problems.length)}):`, [
      ...formatProblems(problems).split("\n"),
      ...(override === undefined ? ["Run another version of it with --dataflow FILE"] : []),
    ]);
  }
  return { dataflow, yaml: new TextDecoder().decode(bytes) };
}

/** `--output-yaml`: the replayed dataflow as dora YAML (nodes with path, args, inputs, outputs). */
async function writeYaml(path: string, dataflow: Dataflow): Promise<void> {
  const { stringify } = await import("../../deps/yaml.ts");
  const nodes = dataflow.nodes.map((n) => ({
    id: n.id,
    path: n.kind === "executable" ? n.program : n.path,
    ...(n.args.length ? { args: n.args } : {}),
    ...(Object.keys(n.env).length ? { env: n.env } : {}),
    ...(Object.keys(n.inputs).length
      ? { inputs: Object.fromEntries(Object.entries(n.inputs).map(([id, i]) => [id, i.raw])) }
      : {}),
    ...(n.outputs.length ? { outputs: n.outputs } : {}),
  }));
  await Deno.writeTextFile(path, stringify({ nodes }));
}
