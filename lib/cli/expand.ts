/**
 * `dora expand FILE [--module]`: prints the dataflow with its modules expanded (the flat YAML
 * that runs), or with `--module` checks a module file on its own. Problems go to stderr as with
 * `check`, exit 1.
 */
import { countProblems, formatProblems } from "../descriptor/mod.ts";
import { checkModuleFile, expandDataflow, type ExpandResult } from "../descriptor/expand.ts";
import { CHECK, colorEnabled, paint } from "../output/format.ts";

/** Options of `dora expand`. */
export interface ExpandOptions {
  module?: boolean;
}

/** Runs `dora expand`. */
export async function expand(file: string, opts: ExpandOptions = {}): Promise<number> {
  const result: ExpandResult = opts.module
    ? await checkModuleFile(file)
    : await expandDataflow(file);
  if (result.notes.length > 0) console.error(formatProblems(result.notes, "note: "));
  if (result.problems.length > 0 || (!opts.module && result.yaml === undefined)) {
    console.error(formatProblems(result.problems));
    console.error(`${countProblems(result.problems.length)} found`);
    return 1;
  }
  if (opts.module) {
    console.log(`${paint(CHECK, 32, colorEnabled())} ${file} is a valid module`);
    return 0;
  }
  await Deno.stdout.write(new TextEncoder().encode(result.yaml!));
  return 0;
}
