/**
 * Reading (and rewriting in place) the YAML trees of dataflow and module files for module
 * expansion: the entries of a node mapping that wiring cares about. Pure.
 */
import {
  isMap,
  isScalar,
  isSeq,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YamlNode,
} from "../../deps/yaml.ts";
import { type Ctx, type Field, isEmpty, scalarText } from "./_yaml.ts";

/** The `module` entry of a node mapping, if it has one. */
export function moduleField(ctx: Ctx, item: YamlNode | null): Field | undefined {
  if (!isMap(item)) return undefined;
  const pair = findPair(ctx, item, "module");
  if (!pair) return undefined;
  return { key: "module", keyNode: pair.key as YamlNode, value: ctx.deref(pair.value) };
}

export function findPair(ctx: Ctx, map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => {
    const k = ctx.deref(pair.key);
    return isScalar(k) && k.value === key;
  }) as Pair | undefined;
}

/** The source scalar of an input value (short form, or `source:` of the long form). */
export function sourceScalar(ctx: Ctx, value: YamlNode | null): Scalar | undefined {
  const node = ctx.deref(value);
  if (isScalar(node) && typeof node.value === "string") return node as Scalar;
  if (!isMap(node)) return undefined;
  const source = ctx.deref(findPair(ctx, node, "source")?.value);
  return isScalar(source) && typeof source.value === "string" ? source as Scalar : undefined;
}

/** The input pairs of a node mapping (empty when it has none or they are malformed). */
export function inputPairs(ctx: Ctx, item: YamlNode | null): { map?: YAMLMap; pairs: Pair[] } {
  if (!isMap(item)) return { pairs: [] };
  const inputs = ctx.deref(findPair(ctx, item, "inputs")?.value);
  if (!isMap(inputs)) return { pairs: [] };
  return { map: inputs, pairs: inputs.items as Pair[] };
}

export function idOf(ctx: Ctx, item: YamlNode | null): string | undefined {
  if (!isMap(item)) return undefined;
  const value = ctx.deref(findPair(ctx, item, "id")?.value);
  return isScalar(value) && !isEmpty(value) ? scalarText(value) : undefined;
}

export function outputsOf(ctx: Ctx, item: YAMLMap): string[] {
  const value = ctx.deref(findPair(ctx, item, "outputs")?.value);
  if (!isSeq(value)) return [];
  return value.items.flatMap((o) => {
    const node = ctx.deref(o);
    return isScalar(node) && !isEmpty(node) ? [scalarText(node)] : [];
  });
}
