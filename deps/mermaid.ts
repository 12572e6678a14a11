/**
 * The one import point for Mermaid, used only by the tests: they render the text of
 * `dora graph --mermaid` with Mermaid itself in a browser, as GitHub would. Its browser build
 * is taken as text, to be loaded into the page.
 */
import script from "mermaid/dist/mermaid.min.js" with { type: "text" };

/** `mermaid.min.js`: defines the global `mermaid`. */
export const mermaidScript: string = script;
