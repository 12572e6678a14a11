/**
 * `dora graph --html`: one self-contained HTML file (styles and the drawing inlined, no
 * script, nothing fetched), so it opens offline and can be mailed or attached to an issue.
 * The Mermaid text is included below the picture, ready to paste into Markdown.
 */
import { layoutGraph } from "./layout.ts";
import { toMermaid } from "./mermaid.ts";
import type { DataflowGraph } from "./model.ts";
import { escapeXml, GRAPH_CSS, renderSvg } from "./svg.ts";

const PAGE_CSS = `
body { margin: 0; padding: 24px 32px; font: 14px system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.file { color: #52606d; font: 12px ui-monospace, monospace; margin-bottom: 20px; }
.picture { overflow: auto; border: 1px solid #e4e7eb; border-radius: 8px; padding: 12px; }
.legend { color: #52606d; font-size: 12px; margin: 10px 0 20px; }
.legend span { display: inline-block; margin-right: 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin-right: 4px; border: 1.5px solid; }
details { margin-top: 8px; } summary { cursor: pointer; color: #3d6fd9; }
pre { background: #f5f7fa; padding: 12px; border-radius: 6px; overflow: auto; font-size: 12px; }
`;

/** The page for the dataflow in `file` (shown as its title). */
export function graphHtml(graph: DataflowGraph, file: string): string {
  const name = file.split("/").pop() ?? file;
  const svg = renderSvg(graph, layoutGraph(graph));
  const counts = `${graph.nodes.length} node${graph.nodes.length === 1 ? "" : "s"}, ` +
    `${graph.edges.length} input${graph.edges.length === 1 ? "" : "s"}, ` +
    `${graph.timers.length} timer${graph.timers.length === 1 ? "" : "s"}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(name)} · dora graph</title>
<style>${PAGE_CSS}${GRAPH_CSS}</style>
</head>
<body>
<h1>${escapeXml(name)}</h1>
<div class="file">${escapeXml(file)} · ${counts}</div>
<div class="picture">
${svg}
</div>
<div class="legend">
<span><i class="swatch" style="background:#eafaf1;border-color:#2f9e64"></i>source (no inputs)</span>
<span><i class="swatch" style="background:#eef4ff;border-color:#3d6fd9"></i>node</span>
<span><i class="swatch" style="background:#fff6e8;border-color:#d08a1c"></i>sink (no outputs)</span>
<span>edges: <code>output as input</code>, queue size when not 10; dashed: timers</span>
</div>
<details>
<summary>Mermaid text (for Markdown)</summary>
<pre>${escapeXml(toMermaid(graph))}</pre>
</details>
</body>
</html>
`;
}
