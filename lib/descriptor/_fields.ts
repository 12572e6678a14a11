/**
 * Readers for the value types that several places of a dataflow share: inputs, outputs, env,
 * args, build, deploy, limits. Each reports its problems through `Ctx` and returns what it could
 * read. Pure.
 */
import { isMap, isScalar, isSeq } from "../../deps/yaml.ts";
import { parseSize } from "../output/format.ts";
import { type Ctx, describe, type Field, isEmpty, scalarText } from "./_yaml.ts";
import { expandVars } from "./env_expand.ts";
import { parseInputSource } from "./input_source.ts";
import { splitShellWords } from "./shell_words.ts";
import type {
  InputSource,
  InputSpec,
  Position,
  QueuePolicy,
  ResourceLimits,
  RestartPolicy,
} from "./types.ts";
import { keysAt } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

/** Node ids: letters, digits, `_`, `.`, `-`. */
export const ID_PATTERN = /^[A-Za-z0-9_.\-]+$/;
/** Input and output ids follow the same rule as node ids. */
export const DATA_ID_PATTERN = ID_PATTERN;
const ID_RULE = "use only letters, digits, '_', '.' and '-'";

/** Default input queue length (dora 1.0's; stated explicitly so nobody loses data unknowingly). */
export const DEFAULT_QUEUE_SIZE = 10;

const INPUT_KEYS = keysAt("input");
const DEPLOY_KEYS = keysAt("deploy");
const QUEUE_POLICIES: readonly QueuePolicy[] = ["drop_oldest", "backpressure"];
const RESTART_POLICIES: Record<string, RestartPolicy> = {
  never: "never",
  no: "never",
  "on-failure": "on-failure",
  always: "always",
};

/** An input as read from the file, before the graph is checked. */
export interface InputDraft {
  id: string;
  raw: string;
  source: InputSource;
  queueSize: number;
  queuePolicy?: QueuePolicy;
  timeoutMs?: number;
  /** Position of the source string (for "no such node/output" problems). */
  at: Position;
}

/** An output id with where it was listed. */
export interface OutputDraft {
  id: string;
  at: Position;
}

/** Checks an id against ID_PATTERN; `what` is e.g. "node id" or "output id". */
export function checkId(ctx: Ctx, id: string, at: Position, what: string): boolean {
  if (ID_PATTERN.test(id)) return true;
  ctx.report(at, `invalid ${what} '${id}': ${ID_RULE}`);
  return false;
}

/** `inputs:` — a mapping of input id to `node/output`, a timer, or `{source, queue_size}`. */
export function readInputs(ctx: Ctx, field: Field, owner: string): InputDraft[] {
  if (isEmpty(field.value)) return [];
  const map = ctx.map(field, `'inputs' of ${owner}`, "a mapping of input ids to sources");
  if (!map) return [];
  const out: InputDraft[] = [];
  for (const entry of ctx.entries(map, `in 'inputs' of ${owner}`)) {
    const idOk = checkId(ctx, entry.key, ctx.pos(entry.keyNode), "input id");
    const input = readInput(ctx, entry, owner);
    if (idOk && input) out.push(input);
  }
  return out;
}

/** The resolved inputs of a node (or operator) from their drafts. */
export function inputSpecs(drafts: InputDraft[]): Record<string, InputSpec> {
  const inputs: Record<string, InputSpec> = {};
  for (const input of drafts) {
    const spec: InputSpec = { raw: input.raw, source: input.source, queueSize: input.queueSize };
    if (input.queuePolicy) spec.queuePolicy = input.queuePolicy;
    if (input.timeoutMs !== undefined) spec.timeoutMs = input.timeoutMs;
    inputs[input.id] = spec;
  }
  return inputs;
}

function readInput(ctx: Ctx, entry: Field, owner: string): InputDraft | undefined {
  const label = `input '${entry.key}' of ${owner}`;
  let sourceField: Field = entry;
  let queueSize = DEFAULT_QUEUE_SIZE;
  let queuePolicy: QueuePolicy | undefined;
  let timeoutMs: number | undefined;
  let ok = true;
  if (isMap(entry.value)) {
    const fields = ctx.fields(entry.value, INPUT_KEYS, `in ${label}`);
    const source = fields.get("source");
    if (!source) {
      ctx.report(entry.value, `${label} has no 'source' (e.g. source: camera/image)`);
      return undefined;
    }
    sourceField = source;
    const queue = fields.get("queue_size");
    if (queue) {
      const n = ctx.number(queue, `'queue_size' of ${label}`);
      if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
        ctx.report(ctx.valuePos(queue), `'queue_size' must be a positive integer, found ${n}`);
        ok = false;
      } else if (n === undefined) ok = false;
      else queueSize = n;
    }
    const timeout = fields.get("input_timeout");
    if (timeout) {
      const n = ctx.number(timeout, `'input_timeout' of ${label}`);
      if (n === undefined || !(n > 0)) {
        if (n !== undefined) {
          ctx.report(ctx.valuePos(timeout), `'input_timeout' must be positive, found ${n}`);
        }
        ok = false;
      } else timeoutMs = n * 1000;
    }
    const policy = fields.get("queue_policy");
    if (policy && !isEmpty(policy.value)) {
      const text = ctx.string(policy, `'queue_policy' of ${label}`);
      if (text !== undefined && (QUEUE_POLICIES as readonly string[]).includes(text)) {
        queuePolicy = text as QueuePolicy;
      } else if (text !== undefined) {
        ctx.report(
          ctx.valuePos(policy),
          `invalid queue_policy '${text}': expected drop_oldest or backpressure` +
            didYouMean(text, QUEUE_POLICIES),
        );
        ok = false;
      } else ok = false;
    }
  } else if (!isScalar(entry.value) || isEmpty(entry.value)) {
    ctx.report(
      ctx.valuePos(entry),
      `${label} must be '<node>/<output>', a timer or a mapping with 'source', ` +
        `found ${describe(entry.value)}`,
    );
    return undefined;
  }
  const raw = ctx.string(sourceField, `the source of ${label}`);
  if (raw === undefined) return undefined;
  const at = ctx.valuePos(sourceField);
  const parsed = parseInputSource(raw);
  if (!parsed.ok) {
    ctx.report(at, parsed.error);
    return undefined;
  }
  if (!ok) return undefined;
  const input: InputDraft = { id: entry.key, raw, source: parsed.source, queueSize, at };
  if (queuePolicy) input.queuePolicy = queuePolicy;
  if (timeoutMs !== undefined) input.timeoutMs = timeoutMs;
  return input;
}

/** `outputs:` — a list of unique output ids. */
export function readOutputs(ctx: Ctx, field: Field, owner: string): OutputDraft[] {
  if (isEmpty(field.value)) return [];
  const seq = ctx.list(field, `'outputs' of ${owner}`, "a list of output ids");
  if (!seq) return [];
  const out: OutputDraft[] = [];
  for (const item of ctx.items(seq)) {
    if (!isScalar(item) || isEmpty(item)) {
      ctx.report(item ?? seq, `an output id must be a string, found ${describe(item)}`);
      continue;
    }
    const id = scalarText(item);
    const at = ctx.pos(item);
    if (!checkId(ctx, id, at, "output id")) continue;
    const first = out.find((o) => o.id === id);
    if (first) {
      ctx.report(
        at,
        `duplicate output '${id}' in ${owner} (first listed at line ${first.at.line})`,
      );
      continue;
    }
    out.push({ id, at });
  }
  return out;
}

/**
 * `env:` — scalars stringified as written, `$VAR`/`${VAR}` expanded from `vars`;
 * `{__dora_env: NAME}` is the value of NAME in `vars` (empty when unset, like `$NAME`).
 */
export function readEnv(
  ctx: Ctx,
  field: Field,
  owner: string,
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (isEmpty(field.value)) return out;
  const map = ctx.map(field, `'${field.key}' of ${owner}`, "a mapping of variable names to values");
  if (!map) return out;
  for (const entry of ctx.entries(map, `in '${field.key}' of ${owner}`)) {
    if (entry.key === "" || entry.key.includes("=") || entry.key.includes("\0")) {
      ctx.report(entry.keyNode, `invalid environment variable name '${entry.key}'`);
      continue;
    }
    const fromHost = isMap(entry.value) ? ctx.entries(entry.value, "") : [];
    if (fromHost.length === 1 && fromHost[0]!.key === "__dora_env") {
      // `{__dora_env: NAME}`: the value of NAME in the environment the dataflow starts from.
      const name = ctx.string(fromHost[0]!);
      if (name !== undefined) out[entry.key] = vars[name] ?? "";
      continue;
    }
    if (!isScalar(entry.value) || isEmpty(entry.value)) {
      ctx.report(
        ctx.valuePos(entry),
        `environment variable '${entry.key}' must be a string, number or boolean ` +
          `(or {__dora_env: VARIABLE}), found ${describe(entry.value)}`,
      );
      continue;
    }
    out[entry.key] = expandVars(scalarText(entry.value), vars);
  }
  return out;
}

/** `args:` — a string split like a POSIX shell, or a list of scalars. */
export function readArgs(ctx: Ctx, field: Field): string[] | undefined {
  const { value } = field;
  if (isScalar(value) && !isEmpty(value)) {
    const split = splitShellWords(scalarText(value));
    if (split.ok) return split.words;
    ctx.report(value, `'args': ${split.error}`);
    return undefined;
  }
  if (isSeq(value)) {
    const out: string[] = [];
    let ok = true;
    for (const item of ctx.items(value)) {
      if (isScalar(item) && !isEmpty(item)) out.push(scalarText(item));
      else {
        ctx.report(item ?? value, `each of 'args' must be a string, found ${describe(item)}`);
        ok = false;
      }
    }
    return ok ? out : undefined;
  }
  ctx.report(
    ctx.valuePos(field),
    `'args' must be a string or a list of strings, found ${describe(value)}`,
  );
  return undefined;
}

/** `build:` — one command per line; blank lines dropped. */
export function readBuild(ctx: Ctx, field: Field): string[] {
  const text = ctx.string(field);
  if (text === undefined) return [];
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
}

/** `restart_policy:` — never (or no), on-failure, always. */
export function readRestartPolicy(ctx: Ctx, field: Field): RestartPolicy | undefined {
  const text = ctx.string(field);
  if (text === undefined) return undefined;
  const policy = RESTART_POLICIES[text];
  if (policy) return policy;
  ctx.report(
    ctx.valuePos(field),
    `invalid restart_policy '${text}': expected never, on-failure or always` +
      didYouMean(text, Object.keys(RESTART_POLICIES)),
  );
  return undefined;
}

/** `deploy:` / `_unstable_deploy:` — `{machine, working_dir}`. */
export function readDeploy(ctx: Ctx, field: Field): { machine?: string } | undefined {
  const map = ctx.map(field);
  if (!map) return undefined;
  const fields = ctx.fields(map, DEPLOY_KEYS, `in '${field.key}'`);
  const out: { machine?: string } = {};
  const machine = fields.get("machine");
  if (machine) {
    const text = ctx.string(machine);
    if (text !== undefined) out.machine = text;
  }
  const workingDir = fields.get("working_dir");
  if (workingDir) ctx.string(workingDir);
  const labels = fields.get("labels");
  if (labels && !isEmpty(labels.value)) {
    const map = ctx.map(labels, "'labels'", "a mapping of label names to values");
    for (const entry of map ? ctx.entries(map, "in 'labels'") : []) ctx.string(entry);
  }
  const distribute = fields.get("distribute");
  if (distribute) {
    const text = ctx.string(distribute);
    const ways = ["local", "scp", "http"];
    if (text !== undefined && !ways.includes(text)) {
      ctx.report(
        ctx.valuePos(distribute),
        `invalid distribute '${text}': expected local, scp or http${didYouMean(text, ways)}`,
      );
    }
  }
  return out;
}

/** `cpu_limit` (CPUs) and `memory_limit` (`4G`, `512M` or bytes). */
export function readLimits(
  ctx: Ctx,
  cpu: Field | undefined,
  memory: Field | undefined,
): ResourceLimits | undefined {
  const limits: ResourceLimits = {};
  if (cpu) {
    const n = ctx.number(cpu);
    if (n !== undefined && n > 0) limits.cpu = n;
    else if (n !== undefined) {
      ctx.report(ctx.valuePos(cpu), `'cpu_limit' must be a positive number of CPUs, found ${n}`);
    }
  }
  if (memory) {
    const value = memory.value;
    const bytes = isScalar(value) && typeof value.value === "number"
      ? value.value
      : isScalar(value) && typeof value.value === "string"
      ? parseSize(value.value)
      : undefined;
    if (bytes !== undefined && Number.isFinite(bytes) && bytes >= 1) {
      limits.memoryBytes = Math.round(bytes);
    } else {
      const shown = isScalar(value) && !isEmpty(value) ? `'${scalarText(value)}'` : describe(value);
      ctx.report(
        ctx.valuePos(memory),
        `invalid memory_limit ${shown}: expected a size like 512M or 4G, or a number of bytes`,
      );
    }
  }
  return Object.keys(limits).length > 0 ? limits : undefined;
}
