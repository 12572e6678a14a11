/**
 * `dora graph FILE [--mermaid | --html FILE | --open]`: the dataflow as a picture. `--mermaid`
 * prints Mermaid text; otherwise a self-contained HTML page is written (to `--html FILE`,
 * `-` for stdout, else next to the YAML as `<name>.html`, as dora does) and `--open` opens it.
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { countProblems, formatProblems, parseDataflow } from "../descriptor/mod.ts";
import { DoraError, errorMessage, UsageError } from "../errors.ts";
import { graphOf } from "../graph/model.ts";

/** Options of `dora graph`. */
export interface GraphOptions {
  mermaid?: boolean;
  html?: string;
  open?: boolean;
}

/** Runs `dora graph`. */
export async function graph(file: string, opts: GraphOptions): Promise<number> {
  if (opts.mermaid && (opts.html !== undefined || opts.open)) {
    throw new UsageError("--mermaid prints text: it cannot be combined with --html or --open");
  }
  if (opts.html === "-" && opts.open) {
    throw new UsageError("--html - prints the page: it cannot be combined with --open");
  }
  if (opts.html === "") throw new UsageError("--html needs a file name (or - for stdout)");
  const { dataflow, problems } = await parseDataflow(file);
  if (!dataflow) {
    console.error(formatProblems(problems));
    console.error(`${countProblems(problems.length)} found`);
    return 1;
  }
  const model = graphOf(dataflow.nodes);
  if (opts.mermaid) {
    const { toMermaid } = await import("../graph/mermaid.ts");
    await Deno.stdout.write(new TextEncoder().encode(toMermaid(model)));
    return 0;
  }
  const { graphHtml } = await import("../graph/html.ts");
  const page = graphHtml(model, dataflow.file);
  if (opts.html === "-") {
    await Deno.stdout.write(new TextEncoder().encode(page));
    return 0;
  }
  const target = opts.html !== undefined
    ? resolve(opts.html)
    : join(dirname(dataflow.file), `${basename(dataflow.file, extname(dataflow.file))}.html`);
  try {
    await Deno.writeTextFile(target, page);
  } catch (err) {
    throw new DoraError(`Cannot write ${target}: ${errorMessage(err)}`, [
      opts.html === undefined ? "Choose another file with --html FILE" : "Check the folder exists",
    ]);
  }
  const url = pathToFileURL(target).href;
  console.log("View graph by opening the following in your browser:");
  console.log(`  ${url}`);
  if (opts.open) {
    const { openInBrowser } = await import("../output/browser.ts");
    await openInBrowser(url);
  }
  return 0;
}
