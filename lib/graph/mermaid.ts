/**
 * `dora graph --mermaid`: the graph as Mermaid flowchart text, shaped like dora's own (a
 * trapezoid for source nodes, an inverted one for sinks, timers in a `dora` / `timer`
 * subgraph, edges labelled with the output and input names; node ids in bold, written as a
 * Markdown string so that Mermaid 10+ draws them bold instead of showing the asterisks). Ids Mermaid could misread
 * (keywords, dashes, dots, slashes) are replaced by safe ones; the labels keep the real names.
 */
import { type DataflowGraph, edgeLabel } from "./model.ts";

const KEYWORDS = new Set([
  "end",
  "graph",
  "flowchart",
  "subgraph",
  "style",
  "class",
  "classdef",
  "click",
  "linkstyle",
  "default",
  "direction",
  "call",
  "href",
]);

/** Text inside a quoted Mermaid label: quotes and markup characters as entities. */
function labelText(text: string): string {
  return text.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`);
}

/**
 * Makes one id per graph element that Mermaid reads as a plain id: `key` tells elements
 * apart, `name` is what the id is made from (`camera`, `dora/timer/millis/33`).
 */
function idMaker(): (key: string, name?: string) => string {
  const given = new Map<string, string>();
  const used = new Set<string>();
  return (key, name = key) => {
    const known = given.get(key);
    if (known) return known;
    const plain = name.replace(/[^A-Za-z0-9_]/g, "_");
    let id = /^[A-Za-z]/.test(plain) && !KEYWORDS.has(plain.toLowerCase()) ? plain : `n_${plain}`;
    while (used.has(id)) id += "_";
    used.add(id);
    given.set(key, id);
    return id;
  };
}

/** The Mermaid text, ending with a newline. */
export function toMermaid(graph: DataflowGraph): string {
  const id = idMaker();
  const lines = ["flowchart TB"];
  for (const node of graph.nodes) id(node.id);
  for (const node of graph.nodes) {
    // A Markdown string (in backticks): Mermaid draws the id in bold.
    const label = `"\`**${labelText(node.id)}**\`"`;
    const shape = node.role === "source"
      ? `[\\${label}/]`
      : node.role === "sink"
      ? `[/${label}\\]`
      : `[${label}]`;
    lines.push(`  ${id(node.id)}${shape}`);
  }
  if (graph.timers.length > 0) {
    lines.push("subgraph ___dora___ [dora]", "  subgraph ___timer_timer___ [timer]");
    for (const timer of graph.timers) {
      lines.push(`    ${id(`timer ${timer.id}`, timer.id)}[\\"${labelText(timer.label)}"/]`);
    }
    lines.push("  end", "end");
  }
  for (const edge of graph.edges) {
    const from = edge.output === null ? id(`timer ${edge.from}`, edge.from) : id(edge.from);
    lines.push(`  ${from} -- "${labelText(edgeLabel(edge))}" --> ${id(edge.to)}`);
  }
  return lines.join("\n") + "\n";
}
