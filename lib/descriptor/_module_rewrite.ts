/**
 * Rewriting one module's inner nodes in place: ids prefixed with the module node's id,
 * `_mod/<port>` replaced by what the module node wires to it (its options filling in the inner
 * node's), sibling references prefixed, paths made relative to the dataflow's folder, and
 * params substituted in `args`. Pure.
 */
import { isAbsolute, join, normalize, relative } from "node:path";
import {
  isMap,
  isScalar,
  isSeq,
  Pair,
  Scalar,
  type YAMLMap,
  type YamlNode,
} from "../../deps/yaml.ts";
import type { Header, ModuleScope } from "./_module_file.ts";
import { findPair, inputPairs, sourceScalar } from "./_module_tree.ts";
import { type Ctx, describe, type Field, isEmpty, scalarText } from "./_yaml.ts";
import { didYouMean } from "./suggest.ts";

/** The node id inner nodes use for the module's inputs: `_mod/<port>`. */
export const MODULE_INPUT = "_mod";
const INPUT_OPTIONS = ["queue_size", "queue_policy", "input_timeout"];

/** `params:` — names of letters, digits and `_`, unique ignoring case; values as strings. */
export function readParams(ctx: Ctx, field: Field | undefined, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!field || isEmpty(field.value)) return out;
  const map = ctx.map(field, "'params'", "a mapping of parameter names to values");
  if (!map) return out;
  const seen = new Map<string, string>();
  for (const entry of ctx.entries(map, "in 'params'")) {
    if (!/^[A-Za-z0-9_]+$/.test(entry.key)) {
      ctx.report(entry.keyNode, `invalid param name '${entry.key}': use letters, digits and '_'`);
      continue;
    }
    const upper = entry.key.toUpperCase();
    const other = seen.get(upper);
    if (other !== undefined) {
      ctx.report(
        entry.keyNode,
        `params '${other}' and '${entry.key}' of node '${id}' both become PARAM_${upper}`,
      );
      continue;
    }
    seen.set(upper, entry.key);
    if (!isScalar(entry.value) || isEmpty(entry.value)) {
      ctx.report(
        ctx.valuePos(entry),
        `param '${entry.key}' must be a string, number or boolean, found ${describe(entry.value)}`,
      );
      continue;
    }
    out[entry.key] = scalarText(entry.value);
  }
  return out;
}

/** `PARAM_<KEY>` environment of params. */
export function paramEnv(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [`PARAM_${k.toUpperCase()}`, v]),
  );
}

export interface InnerScope {
  id: string;
  header: Header;
  bindings: Map<string, YamlNode | null>;
  innerIds: Set<string>;
  moduleDir: string;
  scope: ModuleScope;
  params: Record<string, string>;
}

/** Rewrites one inner node of a module in place (see the module comment). */
export function rewriteInner(ctx: Ctx, inner: YAMLMap, s: InnerScope): void {
  const idScalar = ctx.deref(findPair(ctx, inner, "id")?.value);
  if (isScalar(idScalar) && !isEmpty(idScalar)) idScalar.value = `${s.id}.${scalarText(idScalar)}`;
  const { map, pairs } = inputPairs(ctx, inner);
  for (const pair of [...pairs]) {
    const source = sourceScalar(ctx, pair.value as YamlNode | null);
    if (!source) continue;
    const raw = source.value as string;
    const slash = raw.indexOf("/");
    const node = slash < 0 ? raw : raw.slice(0, slash);
    if (node === MODULE_INPUT) {
      const port = raw.slice(slash + 1);
      const binding = s.bindings.get(port);
      if (binding !== undefined) {
        bindInput(ctx, pair, source, binding);
      } else {
        const declared = [...s.header.inputs, ...s.header.optional];
        if (!declared.includes(port)) {
          ctx.report(
            source,
            `'${raw}' is not an input of module '${s.header.name}'` +
              (didYouMean(port, declared) ||
                ` (declare it in 'inputs' or 'inputs_optional' of the header)`),
          );
        }
        // An optional port nobody wired (or a required one, reported on the module node).
        map!.items.splice(map!.items.indexOf(pair), 1);
      }
    } else if (s.innerIds.has(node)) {
      source.value = `${s.id}.${raw}`;
    } else if (raw.startsWith("dora/logs/")) {
      const parts = raw.split("/");
      if (parts.length === 4 && s.innerIds.has(parts[3]!)) {
        source.value = `${parts.slice(0, 3).join("/")}/${s.id}.${parts[3]}`;
      }
    }
  }
  const pathScalar = ctx.deref(findPair(ctx, inner, "path")?.value);
  if (isScalar(pathScalar) && typeof pathScalar.value === "string") {
    const rewritten = innerPath(ctx, pathScalar, s);
    if (rewritten !== undefined) pathScalar.value = rewritten;
  }
  const argsNode = ctx.deref(findPair(ctx, inner, "args")?.value);
  const argScalars = isScalar(argsNode) ? [argsNode] : isSeq(argsNode) ? ctx.items(argsNode) : [];
  for (const arg of argScalars) {
    if (isScalar(arg) && !isEmpty(arg)) {
      arg.value = substituteParams(ctx, arg as Scalar, scalarText(arg), s);
    }
  }
}

/** `_mod/<port>` becomes what the module node wired: its source, its options where unset. */
function bindInput(ctx: Ctx, pair: Pair, source: Scalar, binding: YamlNode | null): void {
  const bound = sourceScalar(ctx, binding);
  if (!bound) return;
  source.value = bound.value;
  if (!isMap(binding)) return;
  const options = (binding.items as Pair[]).filter((p) => {
    const key = ctx.deref(p.key as YamlNode);
    return isScalar(key) && INPUT_OPTIONS.includes(scalarText(key));
  });
  if (options.length === 0) return;
  let target = ctx.deref(pair.value as YamlNode | null);
  if (isScalar(target)) {
    // Short form inside: becomes the long form, positioned where `_mod/...` was written.
    const map = ctx.doc.createNode({}) as YAMLMap;
    map.range = target.range;
    const sourcePair = new Pair(new Scalar("source"), source);
    map.items.push(sourcePair);
    pair.value = map;
    target = map;
  }
  if (!isMap(target)) return;
  for (const option of options) {
    const key = scalarText(ctx.deref(option.key as YamlNode) as Scalar);
    if (findPair(ctx, target, key)) continue; // the inner node's own option wins
    const value = ctx.deref(option.value as YamlNode | null);
    if (!isScalar(value)) continue;
    const copy = new Scalar(value.value);
    copy.range = source.range;
    const keyNode = new Scalar(key);
    keyNode.range = source.range;
    target.items.push(new Pair(keyNode, copy));
  }
}

/** An inner node's `path`, relative to the dataflow's folder; undefined to keep it. */
function innerPath(ctx: Ctx, scalar: Scalar, s: InnerScope): string | undefined {
  const path = scalar.value as string;
  if (path === "shell" || path === "dynamic" || isAbsolute(path)) return undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path)) return undefined;
  const beside = join(s.moduleDir, path);
  // A bare name not next to the module is a program on PATH.
  if (
    !path.includes("/") && !/\.(py|ts|tsx|js|mjs)$/i.test(path) && !s.scope.files.isFile(beside)
  ) {
    return undefined;
  }
  const inside = relative(s.scope.base, normalize(beside));
  if (inside.startsWith("..") || isAbsolute(inside)) {
    ctx.report(scalar, `path '${path}' lies outside the dataflow's folder (${s.scope.base})`);
    return normalize(beside); // absolute: no second problem about a missing file
  }
  const rel = relative(s.scope.dir, normalize(beside));
  return rel.includes("/") ? rel : `./${rel}`;
}

/** `${_param.key}`, `$PARAM_KEY` and `${PARAM_KEY}` replaced by the param's value. */
function substituteParams(ctx: Ctx, at: Scalar, text: string, s: InnerScope): string {
  const byUpper = new Map(Object.entries(s.params).map(([k, v]) => [k.toUpperCase(), v]));
  return text
    .replace(/\$\{_param\.([A-Za-z0-9_]+)\}/g, (all, key: string) => {
      if (key in s.params) return s.params[key]!;
      ctx.report(at, `'${all}' names param '${key}', which module node '${s.id}' does not pass`);
      return all;
    })
    .replace(
      /\$\{PARAM_([A-Za-z0-9_]+)\}|\$PARAM_([A-Za-z0-9_]+)/g,
      (all, a?: string, b?: string) => byUpper.get((a ?? b)!) ?? all,
    );
}
