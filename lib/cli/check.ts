/** `dora check [FILE]`: validate a dataflow file and report every problem. */
import { CHECK, colorEnabled, paint } from "../output/format.ts";
import { countProblems, formatProblems, parseDataflow } from "../descriptor/mod.ts";

/** Most node ids named in the one-line summary before it says "and N more". */
const SUMMARY_IDS = 8;

/**
 * Prints `✓ FILE is valid: N nodes (a, b, c)` and returns 0, or prints each problem as
 * `file:line:col: message` plus a count on stderr and returns 1. Notes (keys accepted without
 * effect here) go to stderr as `file:line:col: note: ...` either way. An unreadable file throws.
 */
export async function check(file: string): Promise<number> {
  const { dataflow, problems, notes } = await parseDataflow(file);
  if (notes.length > 0) console.error(formatProblems(notes, "note: "));
  if (!dataflow) {
    console.error(formatProblems(problems));
    console.error(`${countProblems(problems.length)} found`);
    return 1;
  }
  const ids = dataflow.nodes.map((n) => n.id);
  const shown = ids.length > SUMMARY_IDS
    ? `${ids.slice(0, SUMMARY_IDS).join(", ")} and ${ids.length - SUMMARY_IDS} more`
    : ids.join(", ");
  const count = `${ids.length} node${ids.length === 1 ? "" : "s"}`;
  console.log(`${paint(CHECK, 32, colorEnabled())} ${file} is valid: ${count} (${shown})`);
  return 0;
}
