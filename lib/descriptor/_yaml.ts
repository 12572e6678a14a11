/**
 * Walking the YAML syntax tree while collecting problems with their positions. Every reader
 * reports what is wrong and returns `undefined`, so validation goes on and all problems of a
 * file come out at once. Pure.
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type YAMLMap,
  type YamlNode,
  type YAMLSeq,
} from "../../deps/yaml.ts";
import type { Position, Problem } from "./types.ts";
import { didYouMean } from "./suggest.ts";

/** A scalar with its text, as produced by the npm `yaml` parser. */
interface ScalarLike {
  value: unknown;
  source?: string;
  range?: [number, number, number] | null;
}

/** One `key: value` entry of a mapping. */
export interface Field {
  key: string;
  keyNode: YamlNode;
  /** The value with aliases resolved; `null` when the value is empty. */
  value: YamlNode | null;
}

/** Where the problems and notes of one check go (shared by a dataflow and its modules). */
export interface Findings {
  problems: Problem[];
  /** Things worth knowing that are not errors (e.g. a key that has no effect here). */
  notes: Problem[];
}

/** Problem collector bound to one file. */
export class Ctx {
  readonly problems: Problem[];
  readonly notes: Problem[];

  constructor(
    /** The file name printed in problems (as the user gave it). */
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
    findings: Findings = { problems: [], notes: [] },
  ) {
    this.problems = findings.problems;
    this.notes = findings.notes;
  }

  /** The shared sinks, for a Ctx of another file (a module) reporting into the same check. */
  get findings(): Findings {
    return { problems: this.problems, notes: this.notes };
  }

  /** Records a note (not an error) at a node or a position. */
  note(at: YamlNode | Position | null | undefined, message: string): void {
    const where = at && "line" in at ? at : this.pos(at as YamlNode | null | undefined);
    this.notes.push({ file: this.file, line: where.line, col: where.col, message });
  }

  /** 1-based position of a node's first character (1:1 when unknown). */
  pos(node: YamlNode | null | undefined): Position {
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 1, col: 1 };
    return this.lines.linePos(offset);
  }

  /** Records a problem at a node or a position. */
  report(at: YamlNode | Position | null | undefined, message: string): void {
    const where = at && "line" in at ? at : this.pos(at as YamlNode | null | undefined);
    this.problems.push({ file: this.file, line: where.line, col: where.col, message });
  }

  /** The node an alias (`*name`) points at; other nodes unchanged. */
  deref(node: unknown): YamlNode | null {
    if (node === null || node === undefined) return null;
    if (isAliasNode(node)) return (node.resolve(this.doc) as YamlNode | undefined) ?? null;
    return node as YamlNode;
  }

  /** Where to point for a field's value: the key when the value is empty. */
  valuePos(field: Field): Position {
    return isEmpty(field.value) ? this.pos(field.keyNode) : this.pos(field.value);
  }

  /**
   * The entries of `map`, keyed by name. Keys that are not in `allowed` are reported with a
   * "did you mean" hint (`where` completes "unknown key 'x' ..."); non-scalar keys too.
   */
  fields(map: YAMLMap, allowed: readonly string[], where: string): Map<string, Field> {
    const out = new Map<string, Field>();
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        this.report(keyNode ?? map, `keys must be plain names ${where}`);
        continue;
      }
      const key = scalarText(keyNode);
      if (!allowed.includes(key)) {
        this.report(keyNode, `unknown key '${key}' ${where}${didYouMean(key, allowed)}`);
        continue;
      }
      out.set(key, { key, keyNode, value: this.deref(pair.value) });
    }
    return out;
  }

  /** Every entry of a mapping whose keys are user-chosen names (inputs, env). */
  entries(map: YAMLMap, where: string): Field[] {
    const out: Field[] = [];
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        this.report(keyNode ?? map, `keys must be plain names ${where}`);
        continue;
      }
      out.push({ key: scalarText(keyNode), keyNode, value: this.deref(pair.value) });
    }
    return out;
  }

  /** A string-like scalar (numbers and booleans count, as written); reports anything else. */
  string(field: Field, label = `'${field.key}'`): string | undefined {
    const { value } = field;
    if (isScalar(value) && !isEmpty(value)) return scalarText(value);
    this.report(this.valuePos(field), `${label} must be a string, found ${describe(value)}`);
    return undefined;
  }

  /** A number scalar; reports anything else. */
  number(field: Field, label = `'${field.key}'`): number | undefined {
    const { value } = field;
    if (isScalar(value) && typeof value.value === "number") return value.value;
    this.report(this.valuePos(field), `${label} must be a number, found ${describe(value)}`);
    return undefined;
  }

  /** A mapping; reports anything else. */
  map(field: Field, label = `'${field.key}'`, expected = "a mapping"): YAMLMap | undefined {
    if (isMap(field.value)) return field.value;
    this.report(
      this.valuePos(field),
      `${label} must be ${expected}, found ${describe(field.value)}`,
    );
    return undefined;
  }

  /** A list; reports anything else. */
  list(field: Field, label = `'${field.key}'`, expected = "a list"): YAMLSeq | undefined {
    if (isSeq(field.value)) return field.value;
    this.report(
      this.valuePos(field),
      `${label} must be ${expected}, found ${describe(field.value)}`,
    );
    return undefined;
  }

  /** The items of a list, aliases resolved. */
  items(seq: YAMLSeq): (YamlNode | null)[] {
    return seq.items.map((item) => this.deref(item));
  }
}

/**
 * Whether `node` is an alias (`*name`). deps/yaml.ts does not re-export the parser's `isAlias`,
 * so this recognises the one node type that has a `resolve` method.
 */
function isAliasNode(node: unknown): node is { resolve(doc: Document): unknown } {
  return typeof node === "object" && node !== null &&
    typeof (node as { resolve?: unknown }).resolve === "function";
}

/** The text of a scalar: strings as they are, numbers and booleans as written in the file. */
export function scalarText(node: ScalarLike): string {
  if (typeof node.value === "string") return node.value;
  if (node.source !== undefined && node.source !== "") return node.source;
  return String(node.value);
}

/** True for a missing value or an empty/`null`/`~` scalar. */
export function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** "a string", "a list", ... for messages about wrong types. */
export function describe(node: unknown): string {
  if (isEmpty(node)) return "an empty value";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    switch (typeof node.value) {
      case "string":
        return "a string";
      case "number":
      case "bigint":
        return "a number";
      case "boolean":
        return "a boolean";
    }
  }
  return "an unsupported YAML value";
}
