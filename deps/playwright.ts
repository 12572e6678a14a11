/**
 * The one import point for playwright-core, which drives a real browser in the end-to-end
 * tests of the dashboard (Debian's chromium; playwright-core never downloads a browser).
 */
export { chromium } from "playwright-core";
export type { BrowserContext, Page } from "playwright-core";
