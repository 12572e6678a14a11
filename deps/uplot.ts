/**
 * The one import point for uPlot, the dashboard's time-series plots. The page runs in a
 * browser, so what we take is uPlot's browser build (script and stylesheet) as text, to be
 * served by the daemon. Text imports are part of the module graph: `deno compile` embeds them
 * like code, so the compiled binary serves the same bytes offline (no file to find at run time).
 */
import script from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import style from "uplot/dist/uPlot.min.css" with { type: "text" };

/** `uPlot.iife.min.js`: defines the global `uPlot`. */
export const uplotScript: string = script;
/** `uPlot.min.css`. */
export const uplotStyle: string = style;
