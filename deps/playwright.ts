/**
 * The one import point for playwright-core, which drives a real browser in the end-to-end
 * tests of the dashboard (Debian's chromium; playwright-core never downloads a browser).
 *
 * Test-only, so imported by its full npm: specifier rather than through deno.json "imports":
 * `deno compile` embeds every package of the imports map in the binary.
 */
export { chromium } from "npm:playwright-core@1.65.1";
export type { BrowserContext, Page } from "npm:playwright-core@1.65.1";
