/**
 * `dora expand`: a dataflow with its `module:` nodes replaced by the nodes of their module
 * files, as YAML (the flat file the daemon runs), and the check of a module file on its own.
 * Expansion itself is _modules.ts; this turns its result back into YAML.
 */
import { basename, dirname, join, resolve } from "node:path";
import { parseDocument, stringify } from "../../deps/yaml.ts";
import { flatDescriptor } from "./_modules.ts";
import { parseDataflow, parseDataflowBytes, type ParseOptions, type ParseResult } from "./mod.ts";

/** The expanded dataflow as YAML, or the problems that prevent it. */
export interface ExpandResult extends ParseResult {
  yaml?: string;
}

/** Expands the modules of the dataflow in `file`. */
export async function expandDataflow(file: string, opts: ParseOptions = {}): Promise<ExpandResult> {
  const result = await parseDataflow(file, opts);
  if (!result.expanded) return result;
  return { ...result, yaml: flatYaml(result) };
}

/** The flat file: the dataflow's own keys, its nodes replaced by the expanded ones. */
function flatYaml(result: ParseResult): string {
  const { doc, nodes } = result.expanded!;
  return stringify(flatDescriptor(doc, nodes), { lineWidth: 0 });
}

/**
 * Checks a module file on its own (`dora expand --module`): its header, its nodes, that every
 * `_mod/<port>` is declared and every declared output has one producer, nested modules too.
 * Each input port is wired to a stand-in node, so only the module's own problems remain.
 */
export async function checkModuleFile(file: string, opts: ParseOptions = {}): Promise<ParseResult> {
  const absolute = resolve(Deno.cwd(), file);
  let text: string;
  try {
    text = await Deno.readTextFile(absolute);
  } catch {
    return await parseDataflow(file, opts); // the same "cannot read" error
  }
  const ports = new Set<string>();
  const header = (parseDocument(text).toJS() as { module?: Record<string, unknown> } | null)
    ?.module;
  for (const key of ["inputs", "inputs_optional"]) {
    const list = header?.[key];
    if (Array.isArray(list)) {
      for (const port of list) if (typeof port === "string") ports.add(port);
    }
  }
  // Params are the parent's business: every `${_param.x}` the module uses gets a stand-in.
  const params = [
    ...new Set([...text.matchAll(/\$\{_param\.([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!)),
  ];
  const wiring = [...ports].map((p) => `      ${JSON.stringify(p)}: __module_input__/${p}`);
  const synthetic = [
    "nodes:",
    "  - id: __module_input__",
    "    path: shell",
    "    args: 'true'",
    `    outputs: ${JSON.stringify([...ports])}`,
    "  - id: module",
    `    module: ${JSON.stringify(basename(absolute))}`,
    ...(wiring.length ? ["    inputs:", ...wiring] : []),
    ...(params.length ? ["    params:", ...params.map((p) => `      ${p}: "${p}"`)] : []),
    "",
  ].join("\n");
  const label = join(dirname(file), "(module check)");
  return await parseDataflowBytes(
    label,
    join(dirname(absolute), "__module_check__.yml"),
    new TextEncoder().encode(synthetic),
    { moduleBase: "/", ...opts },
  );
}
