/**
 * Parsing of an input's source string: `<node>/<output>`, a `dora/timer/...` timer or the
 * `dora/logs[/<level>[/<node>]]` log subscription. Pure.
 */
import { LOG_LEVELS, parseLogLevel } from "../logs/levels.ts";
import type { InputSource } from "./types.ts";

/** A parsed source, or the reason it is invalid (a message fragment about `raw`). */
export type ParsedSource = { ok: true; source: InputSource } | { ok: false; error: string };

const TIMER_UNITS: Record<string, (n: number) => number> = {
  secs: (n) => n * 1000,
  millis: (n) => n,
  hz: (n) => 1000 / n,
};
const TIMER_FORMS = "dora/timer/secs/N, dora/timer/millis/N or dora/timer/hz/N";
const LOG_FORMS = "dora/logs, dora/logs/<level> or dora/logs/<level>/<node>";

/** Parses `raw`; a node source is split at its first `/` (the output keeps any later ones). */
export function parseInputSource(raw: string): ParsedSource {
  if (raw === "dora" || raw.startsWith("dora/")) return parseDoraSource(raw);
  const slash = raw.indexOf("/");
  const node = slash < 0 ? "" : raw.slice(0, slash);
  const output = slash < 0 ? "" : raw.slice(slash + 1);
  if (node === "" || output === "") {
    return {
      ok: false,
      error: `invalid input source '${raw}': expected '<node>/<output>' ` +
        `or a timer like 'dora/timer/millis/100'`,
    };
  }
  return { ok: true, source: { kind: "node", node, output } };
}

function parseDoraSource(raw: string): ParsedSource {
  const parts = raw.split("/");
  if (parts[1] === "logs") return parseLogsSource(raw, parts);
  if (parts[1] !== "timer") {
    return {
      ok: false,
      error: `unknown dora input '${raw}': the built-in inputs are timers (${TIMER_FORMS}) ` +
        `and logs (${LOG_FORMS})`,
    };
  }
  const toMs = TIMER_UNITS[parts[2] ?? ""];
  const text = parts[3] ?? "";
  if (parts.length !== 4 || !toMs || !/^\d+(\.\d+)?$/.test(text)) {
    return {
      ok: false,
      error: `invalid timer '${raw}': expected ${TIMER_FORMS}, with N a positive number`,
    };
  }
  const n = Number(text);
  if (n === 0) return { ok: false, error: `invalid timer '${raw}': N must be greater than 0` };
  return { ok: true, source: { kind: "timer", intervalMs: toMs(n) } };
}

function parseLogsSource(raw: string, parts: string[]): ParsedSource {
  if (parts.length > 4 || parts.slice(2).some((p) => p === "")) {
    return { ok: false, error: `invalid log input '${raw}': expected ${LOG_FORMS}` };
  }
  const source: InputSource = { kind: "logs" };
  if (parts[2] !== undefined) {
    const level = parseLogLevel(parts[2]);
    if (!level) {
      return {
        ok: false,
        error: `invalid log level '${parts[2]}' in '${raw}': expected one of ${
          LOG_LEVELS.join(", ")
        }`,
      };
    }
    source.minLevel = level;
  }
  if (parts[3] !== undefined) source.node = parts[3];
  return { ok: true, source };
}
