/**
 * The page's files, served from memory. They are imported as text, so they belong to the
 * module graph: `deno run` reads them from the checkout, `deno compile` embeds them in the
 * binary, and both serve the same bytes (no path to look up at run time, nothing fetched).
 */
import { uplotScript, uplotStyle } from "../../deps/uplot.ts";
import { GRAPH_CSS } from "../graph/svg.ts";
import index from "./page/index.html" with { type: "text" };
import app from "./page/app.js" with { type: "text" };
import state from "./page/state.js" with { type: "text" };
import view from "./page/view.js" with { type: "text" };
import format from "./page/format.js" with { type: "text" };
import style from "./page/style.css" with { type: "text" };

/** A served file. */
export interface Asset {
  type: string;
  body: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** The page itself, at `/dashboard/`. */
export const PAGE: Asset = { type: "text/html; charset=utf-8", body: index };

/** Files under `/dashboard/assets/`. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["app.js", { type: JS, body: app }],
  ["state.js", { type: JS, body: state }],
  ["view.js", { type: JS, body: view }],
  ["format.js", { type: JS, body: format }],
  ["style.css", { type: CSS, body: style }],
  ["graph.css", { type: CSS, body: GRAPH_CSS }],
  ["uplot.js", { type: JS, body: uplotScript }],
  ["uplot.css", { type: CSS, body: uplotStyle }],
]);
