/**
 * Runtime parameters of a dataflow's nodes (`dora param`): JSON values by node and key, kept
 * with the dataflow (the daemon's registry, or a `dora run`'s memory) and delivered to a
 * running node as PARAM_UPDATE events. The limits are dora's. Pure.
 */
import type { JsonValue } from "../../node/ts/values.ts";

/** Node → key → value. */
export type ParamTable = Record<string, Record<string, JsonValue>>;

/** A key may have at most this many UTF-8 bytes. */
export const MAX_KEY_BYTES = 256;
/** A value may have at most this many bytes of JSON. */
export const MAX_VALUE_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/** What is wrong with a key, if anything. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "a parameter key cannot be empty";
  if (encoder.encode(key).length > MAX_KEY_BYTES) {
    return `a parameter key may have at most ${MAX_KEY_BYTES} bytes`;
  }
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(key)) return "a parameter key cannot hold control characters";
  return undefined;
}

/** The value's JSON text, or what is wrong with it. */
export function valueJson(value: unknown): { json: string } | { problem: string } {
  if (value === undefined) return { problem: "the request has no 'value'" };
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return { problem: "the value is not JSON" };
  }
  if (encoder.encode(json).length > MAX_VALUE_BYTES) {
    return { problem: `a parameter value may have at most ${MAX_VALUE_BYTES} bytes of JSON` };
  }
  return { json };
}

/** The body of a PARAM_UPDATE event (docs/protocol.md): `{"key", "value"}` or a deletion. */
export function paramUpdateBody(key: string, value: JsonValue | undefined): string {
  return JSON.stringify(value === undefined ? { key, deleted: true } : { key, value });
}
