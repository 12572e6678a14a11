/**
 * The one import point for Mermaid, used only by the tests: they render the text of
 * `dora graph --mermaid` with Mermaid itself in a browser, as GitHub would. Its browser build
 * is taken as text, to be loaded into the page.
 *
 * Test-only, so imported by its full npm: specifier rather than through deno.json "imports":
 * `deno compile` embeds every package of the imports map in the binary.
 */
// deno-lint-ignore no-import-prefix
import script from "npm:mermaid@12.3.0/dist/mermaid.min.js" with { type: "text" };

/** `mermaid.min.js`: defines the global `mermaid`. */
export const mermaidScript: string = script;
