/**
 * Whether a value of one type URN may flow into an input expecting another, by dora 1.0's
 * rules: the same base type (parameters, where both sides give one, must agree), anything into
 * `std/core/v1/Bytes`, dora's built-in widenings (UInt8 → UInt32 → UInt64, Int32 → Int64,
 * Float32 → Float64) and the dataflow's own `type_rules`, chained up to three steps. Types are
 * not looked up in dora's standard type library: any well-formed URN is accepted. Pure.
 */

/** A `type_rules` entry: values of `from` may flow into inputs of `to`. */
export interface TypeRule {
  from: string;
  to: string;
}

/** A type URN split into its base and `[key=value,...]` parameters. */
export interface ParsedType {
  base: string;
  params: Map<string, string>;
}

/** The type of a timer input, as dora types it. */
export const TIMER_TYPE = "std/core/v1/UInt64";

const BYTES = "std/core/v1/Bytes";
const WIDENING: readonly TypeRule[] = [
  { from: "std/core/v1/UInt8", to: "std/core/v1/UInt32" },
  { from: "std/core/v1/UInt32", to: "std/core/v1/UInt64" },
  { from: "std/core/v1/Int32", to: "std/core/v1/Int64" },
  { from: "std/core/v1/Float32", to: "std/core/v1/Float64" },
];
const MAX_STEPS = 3;

/** Parses `std/media/v1/AudioFrame[sample_type=f32,channels=2]`; undefined when malformed. */
export function parseType(urn: string): ParsedType | undefined {
  const text = urn.trim();
  const open = text.indexOf("[");
  const base = (open < 0 ? text : text.slice(0, open)).trim();
  if (base === "" || /\s|\]/.test(base)) return undefined;
  const params = new Map<string, string>();
  if (open >= 0) {
    if (!text.endsWith("]")) return undefined;
    const inner = text.slice(open + 1, -1).trim();
    if (inner === "") return undefined;
    for (const pair of inner.split(",")) {
      const eq = pair.indexOf("=");
      const key = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (eq < 0 || key === "" || value === "") return undefined;
      params.set(key, value);
    }
  }
  return { base, params };
}

/**
 * Why a `from` value cannot go into a `to` input, or undefined when it can. Malformed URNs
 * are reported by the caller (see `parseType`).
 */
export function typeMismatch(
  from: string,
  to: string,
  rules: readonly TypeRule[] = [],
): string | undefined {
  const source = parseType(from);
  const target = parseType(to);
  if (!source || !target) return undefined;
  if (target.base === BYTES) return undefined;
  if (source.base === target.base) {
    for (const [key, value] of source.params) {
      const other = target.params.get(key);
      if (other !== undefined && other !== value) {
        return `parameter '${key}' differs (${value} vs ${other})`;
      }
    }
    return undefined;
  }
  if (reachable(source.base, target.base, [...WIDENING, ...rules])) return undefined;
  return "no built-in widening or type_rules entry converts one into the other";
}

/** Breadth-first search over conversion rules, at most `MAX_STEPS` long. */
function reachable(from: string, to: string, rules: readonly TypeRule[]): boolean {
  let frontier = [from];
  const seen = new Set(frontier);
  for (let step = 0; step < MAX_STEPS && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const type of frontier) {
      for (const rule of rules) {
        const ruleFrom = parseType(rule.from)?.base ?? rule.from;
        const ruleTo = parseType(rule.to)?.base ?? rule.to;
        if (ruleFrom !== type || seen.has(ruleTo)) continue;
        if (ruleTo === to) return true;
        seen.add(ruleTo);
        next.push(ruleTo);
      }
    }
    frontier = next;
  }
  return false;
}
