/**
 * The text of `dora graph --mermaid` for every example, rendered by Mermaid itself in headless
 * Chromium (as GitHub renders it in Markdown): it parses, and the drawing names every node and
 * input.
 */
import assert from "node:assert/strict";
import { chromium } from "../deps/playwright.ts";
import { mermaidScript } from "../deps/mermaid.ts";
import { dora, makeHome, ROOT } from "./helpers.ts";
import { findProgram, ignoreWithout } from "./tools.ts";

const CHROMIUM = findProgram("chromium");

const EXAMPLES = [
  {
    file: "examples/robot/dataflow.yml",
    nodes: ["camera", "detector", "visualizer", "millis/33"],
    edges: ["tick", "image", "bbox"],
  },
  {
    file: "examples/benchmark/dataflow.yml",
    nodes: ["ping", "pong"],
    edges: ["pong (queue 1000)", "ping (queue 100000)"],
  },
  {
    file: "examples/benchmark/dataflow_python.yml",
    nodes: ["ping", "pong"],
    edges: ["pong (queue 1000)", "ping (queue 100000)"],
  },
];

Deno.test({
  name: "graph --mermaid of the examples renders in Mermaid with every node and input",
  ignore: ignoreWithout("chromium", CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const home = await makeHome();
    const context = await chromium.launchPersistentContext(`${home.dir}/chromium`, {
      executablePath: CHROMIUM!,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      await page.setContent("<!doctype html><body></body>");
      await page.addScriptTag({ content: mermaidScript });
      for (const example of EXAMPLES) {
        const res = await dora(["graph", `${ROOT}/${example.file}`, "--mermaid"], {
          env: home.env,
        });
        assert.equal(res.code, 0, res.stderr);
        const drawn = await page.evaluate(async (text) => {
          // The page's globals (a browser's, not Deno's).
          // deno-lint-ignore no-explicit-any
          const { mermaid, DOMParser } = globalThis as any;
          mermaid.initialize({ startOnLoad: false });
          try {
            const { svg } = await mermaid.render(`g${Math.random().toString(36).slice(2)}`, text);
            const box = new DOMParser().parseFromString(svg, "image/svg+xml");
            const texts = (selector: string) =>
              [...box.querySelectorAll(selector)].map((e) =>
                (e as { textContent: string | null }).textContent?.trim() ?? ""
              );
            return {
              nodes: texts(".nodeLabel"),
              edges: texts(".edgeLabel").filter(Boolean),
              bold: box.querySelectorAll(".nodeLabel strong, .nodeLabel b").length,
            };
          } catch (err) {
            return { error: String(err) };
          }
        }, res.stdout);
        assert.ok(!("error" in drawn), `${example.file}: ${JSON.stringify(drawn)}`);
        const ok = drawn as { nodes: string[]; edges: string[]; bold: number };
        for (const node of example.nodes) {
          assert.ok(ok.nodes.includes(node), `${node}: ${ok.nodes}`);
        }
        for (const edge of example.edges) {
          assert.ok(ok.edges.includes(edge), `${edge}: ${ok.edges}`);
        }
        assert.ok(
          !ok.nodes.some((n) => n.includes("**")),
          "ids are drawn bold, not with asterisks",
        );
        assert.ok(ok.bold >= 2, `bold ids: ${ok.bold}`);
      }
    } finally {
      await context.close();
      await home.cleanup();
    }
  },
});
