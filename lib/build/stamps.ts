/**
 * Where `dora build` keeps what it knows between runs, under the dora home:
 * - `build/<16 hex of the dataflow path's SHA-256>.json`: per node, the digest of its build
 *   inputs at its last successful build (see inputs.ts);
 * - `logs/build/<folder name>-<8 hex>/<node>.log`: the output of the node's last build.
 * A missing or unreadable stamp file only means everything is built again.
 */
import { basename } from "node:path";
import { doraHome, ensureDoraHome } from "../config.ts";
import type { Dataflow } from "../descriptor/types.ts";
import { sha256 } from "./inputs.ts";

/** One node's record: the digest of its inputs when it last built successfully. */
export interface NodeStamp {
  inputs: string;
  /** ISO time of that build. */
  builtAt: string;
}

/** The stamp file of one dataflow. */
export interface Stamps {
  version: 1;
  /** The dataflow file, absolute (for people reading the folder). */
  dataflow: string;
  nodes: Record<string, NodeStamp>;
}

/** The stamp file of a dataflow file (absolute path). */
export async function stampPath(dataflowFile: string): Promise<string> {
  return `${doraHome()}/build/${(await sha256(dataflowFile)).slice(0, 16)}.json`;
}

/** The folder holding the dataflow's build logs, created (mode 700). */
export async function buildLogDir(dataflow: Dataflow): Promise<string> {
  const name = basename(dataflow.dir).replace(/[^A-Za-z0-9_.-]/g, "_") || "root";
  const sub = `logs/build/${name}-${(await sha256(dataflow.file)).slice(0, 8)}`;
  await ensureDoraHome("logs", "logs/build", sub);
  return `${doraHome()}/${sub}`;
}

/** Reads the stamps, or an empty set when there are none or the file is not ours. */
export async function readStamps(path: string, dataflowFile: string): Promise<Stamps> {
  const empty: Stamps = { version: 1, dataflow: dataflowFile, nodes: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch {
    return empty;
  }
  if (typeof parsed !== "object" || parsed === null) return empty;
  const { version, nodes } = parsed as Partial<Stamps>;
  if (version !== 1 || typeof nodes !== "object" || nodes === null) return empty;
  const valid: Record<string, NodeStamp> = {};
  for (const [id, stamp] of Object.entries(nodes)) {
    if (typeof stamp?.inputs === "string" && typeof stamp.builtAt === "string") valid[id] = stamp;
  }
  return { version: 1, dataflow: dataflowFile, nodes: valid };
}

/** Writes the stamps atomically: a temp file in the same folder, then a rename. */
export async function writeStamps(path: string, stamps: Stamps): Promise<void> {
  await ensureDoraHome("build");
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temp, JSON.stringify(stamps, null, 2) + "\n", { mode: 0o600 });
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
}
