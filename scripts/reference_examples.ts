/**
 * Copies the YAML examples of dora 1.0's reference documents into test fixtures, run by hand:
 *
 *   deno run -A scripts/reference_examples.ts ../shared/reference/dora-1.0 tests/fixtures/reference
 *
 * Every complete dataflow (a `nodes:` list) and every node snippet (`- id: ...`, wrapped into a
 * `nodes:` list) becomes `<document>-<n>.yml`; module files (`module:` header) become
 * `<document>-<n>.module.yml`. Sources an example reads from but does not define (snippets cut
 * out of a larger file) get a stub producer node, marked as such, so that each file stands on
 * its own. Other snippets (an `inputs:` map alone, daemon configuration) are skipped.
 * tests/reference_examples.test.ts checks that `dora check` accepts each fixture or names what
 * is not supported.
 */
import { basename, join } from "node:path";
import { parseDocument, type YAMLSeq } from "../deps/yaml.ts";

const [from, to] = Deno.args;
if (!from || !to) {
  console.error("usage: reference_examples.ts <reference folder> <fixtures folder>");
  Deno.exit(2);
}

await Deno.mkdir(to, { recursive: true });
for await (const old of Deno.readDir(to)) {
  if (old.name.endsWith(".yml")) await Deno.remove(join(to, old.name));
}

let written = 0;
const docs = [...Deno.readDirSync(from)].filter((e) => e.name.endsWith(".md")).map((e) => e.name)
  .sort();
for (const doc of docs) {
  const text = await Deno.readTextFile(join(from, doc));
  const blocks = [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  blocks.forEach((block, i) => {
    const name = `${basename(doc, ".md")}-${i}`;
    const out = fixture(block);
    if (!out) return;
    Deno.writeTextFileSync(join(to, `${name}${out.module ? ".module" : ""}.yml`), out.text);
    written++;
  });
}
console.log(`${written} fixtures written to ${to}`);

function fixture(block: string): { text: string; module: boolean } | undefined {
  const header =
    `# From dora 1.0's documentation (Apache-2.0, see ../../../../shared/reference).\n`;
  if (/^module:/m.test(block)) return { text: header + block, module: true };
  const ports = [...new Set([...block.matchAll(/_mod\/([\w.-]+)/g)].map((m) => m[1]!))];
  if (ports.length > 0) {
    // The nodes of a module shown without its header.
    const made = `module:\n  name: snippet\n  inputs: [${ports.join(", ")}]\n\n`;
    return {
      text: header + "# Header added: the example shows a module's nodes only.\n" + made + block,
      module: true,
    };
  }
  let yaml = block;
  if (!/^nodes:/m.test(block)) {
    if (!block.trimStart().startsWith("- id:")) return undefined;
    yaml = "nodes:\n" + block.split("\n").map((l) => (l ? `  ${l}` : l)).join("\n");
  }
  const doc = parseDocument(yaml);
  if (doc.errors.length > 0) return { text: header + yaml, module: false };
  const stubs = missingSources(doc.toJS());
  if (stubs.length === 0) return { text: header + yaml, module: false };
  const seq = doc.get("nodes") as YAMLSeq;
  stubs.forEach(([id, outputs], i) => {
    const node = doc.createNode({ id, path: `${id}.py`, outputs });
    if (i === 0) {
      node.commentBefore =
        " Stub producers for sources the example reads from but does not define:";
    }
    seq.add(node);
  });
  return { text: header + String(doc), module: false };
}

/** Nodes read from but not defined, with the outputs read: `[id, outputs]`. */
function missingSources(root: unknown): [string, string[]][] {
  if (!root || typeof root !== "object") return [];
  const nodes = (root as { nodes?: unknown }).nodes;
  if (!Array.isArray(nodes)) return [];
  const defined = new Set(nodes.map((n) => (n as { id?: string })?.id));
  const missing = new Map<string, Set<string>>();
  const visit = (inputs: unknown) => {
    if (!inputs || typeof inputs !== "object") return;
    for (const value of Object.values(inputs as Record<string, unknown>)) {
      const source = typeof value === "string" ? value : (value as { source?: unknown })?.source;
      if (typeof source !== "string" || source.startsWith("dora/") || source.startsWith("_mod/")) {
        continue;
      }
      const slash = source.indexOf("/");
      if (slash < 0) continue;
      const node = source.slice(0, slash);
      if (defined.has(node)) continue;
      if (!missing.has(node)) missing.set(node, new Set());
      missing.get(node)!.add(source.slice(slash + 1));
    }
  };
  for (const node of nodes as Record<string, unknown>[]) {
    visit(node?.inputs);
    const op = node?.operator as { inputs?: unknown } | undefined;
    visit(op?.inputs);
    if (Array.isArray(node?.operators)) {
      for (const o of node.operators as { inputs?: unknown }[]) visit(o?.inputs);
    }
  }
  return [...missing].map(([id, outputs]) => [id, [...outputs]]);
}
