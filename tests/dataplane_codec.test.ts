/**
 * The node protocol's codec against the shared vectors (tests/vectors/frames.json), in
 * TypeScript here and in Python through tests/fixtures/dataplane/test_codec.py.
 */
import assert from "node:assert/strict";
import {
  decodeMessage,
  decodeText,
  Frame,
  FrameBatch,
  parseFrames,
  splitIdentified,
} from "../node/ts/frames.ts";
import {
  checkParameters,
  decodeParameters,
  decodeValue,
  encodeParameters,
  encodeValue,
  Kind,
} from "../node/ts/values.ts";
import { decodeArrow, loadArrow } from "../node/ts/arrow.ts";
import { build, describe } from "./fixtures/dataplane/describe.ts";
import { ROOT } from "./helpers.ts";
import { arrowPython, ignoreWithout } from "./tools.ts";

interface Vector {
  name: string;
  type: keyof typeof Frame;
  frame: string;
  text?: string;
  id?: string;
  kind?: keyof typeof Kind;
  timestamp_ns?: string;
  parameters?: Record<string, unknown>;
  value?: Record<string, unknown>;
  shm?: { name: string; length: number };
  /** false: written by an Arrow library, only decoded (Arrow IPC layouts differ). */
  encode?: boolean;
}

const doc = JSON.parse(await Deno.readTextFile(`${ROOT}/tests/vectors/frames.json`)) as {
  vectors: Vector[];
  invalid: { name: string; frame: string }[];
};
const arrow = await loadArrow();
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));

function joined(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Described parameters as a library's caller gives them (`{"datetime": s}` as a Date). */
function decodedParams(params: Record<string, unknown> | undefined) {
  return params && decodeParameters(new TextEncoder().encode(JSON.stringify(params)));
}

function encode(v: Vector): Uint8Array {
  const batch = new FrameBatch();
  const type = Frame[v.type];
  if (type === Frame.OUTPUT || type === Frame.INPUT) {
    const params = encodeParameters(decodedParams(v.parameters));
    const ts = Number(v.timestamp_ns);
    if (v.shm) {
      batch.message(type, v.id!, Kind[v.kind!], ts, params, new Uint8Array(), v.shm);
    } else {
      const value = encodeValue(build(v.value!));
      assert.equal(value.kind, Kind[v.kind!]);
      batch.message(type, v.id!, value.kind, ts, params, value.bytes);
    }
  } else if (v.text === undefined) batch.empty(type);
  else batch.text(type, v.text);
  return joined(batch.take());
}

function oneFrame(bytes: Uint8Array): { type: number; body: Uint8Array } {
  const frames: { type: number; body: Uint8Array }[] = [];
  const used = parseFrames(bytes, bytes.length, (type, body) => frames.push({ type, body }));
  assert.equal(used, bytes.length);
  assert.equal(frames.length, 1);
  return frames[0]!;
}

/** Everything a receiving library decodes from a frame. */
function decodeFully(bytes: Uint8Array) {
  const { type, body } = oneFrame(bytes);
  if (type !== Frame.OUTPUT && type !== Frame.INPUT) return { type, text: decodeText(body) };
  const { id, message } = splitIdentified(body);
  const m = decodeMessage(message);
  return {
    type,
    id,
    kind: m.kind,
    timestampNs: m.timestampNs,
    parameters: decodeParameters(m.params),
    value: m.shm
      ? undefined
      : m.kind === Kind.ARROW
      ? decodeArrow(arrow, m.payload.slice())
      : decodeValue(m.kind, m.payload.slice()),
    shm: m.shm,
  };
}

/** Parameters as the vectors describe them (a Date as `{"datetime": ISO}`). */
function describedParams(params: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(params).map((
      [k, v],
    ) => [k, v instanceof Date ? { datetime: v.toISOString() } : v]),
  );
}

Deno.test("codec: every frame type has a number of its own and a vector", () => {
  const numbers = Object.values(Frame);
  assert.equal(new Set(numbers).size, numbers.length, "two frame types share a number");
  const covered = new Set(doc.vectors.map((v) => v.type));
  assert.deepEqual(Object.keys(Frame).filter((t) => !covered.has(t as keyof typeof Frame)), []);
});

Deno.test("codec: encoding reproduces every shared vector", () => {
  for (const v of doc.vectors.filter((v) => v.encode !== false)) {
    assert.equal(hex(encode(v)), v.frame, v.name);
  }
});

Deno.test("codec: decoding recovers every shared vector", () => {
  for (const v of doc.vectors) {
    const got = decodeFully(unhex(v.frame));
    assert.equal(got.type, Frame[v.type], v.name);
    if ("text" in got) {
      assert.equal(got.text, v.text ?? "", v.name);
      continue;
    }
    assert.equal(got.id, v.id, v.name);
    assert.equal(got.kind, Kind[v.kind!], v.name);
    assert.equal(BigInt(got.timestampNs), BigInt(v.timestamp_ns!), v.name);
    assert.deepEqual(describedParams(got.parameters), v.parameters, v.name);
    if (v.shm) assert.deepEqual(got.shm, v.shm, v.name);
    else assert.deepEqual(describe(got.value), v.value, v.name);
  }
});

Deno.test("codec: invalid frames are rejected", () => {
  for (const v of doc.invalid) assert.throws(() => decodeFully(unhex(v.frame)), Error, v.name);
});

async function pythonVectors(python: string) {
  const out = await new Deno.Command(python, {
    args: [`${ROOT}/tests/fixtures/dataplane/test_codec.py`],
    env: { PYTHONPATH: `${ROOT}/node/python`, PYTHONDONTWRITEBYTECODE: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /^OK/m);
}

Deno.test("codec: the Python library passes the same vectors (standard library)", () =>
  pythonVectors(Deno.env.get("DORA_TEST_PYTHON") || "python3"));

Deno.test({
  name: "codec: the Python library passes the same vectors (pyarrow)",
  ignore: ignoreWithout("a Python with pyarrow", arrowPython()),
  fn: () => pythonVectors(arrowPython()!),
});

Deno.test("codec: values that JSON would silently change are refused", () => {
  for (const bad of [NaN, Infinity, { x: -Infinity }, [1n], { f: () => 1 }]) {
    assert.throws(() => encodeValue(bad), TypeError);
  }
  assert.equal(encodeValue(undefined).kind, Kind.JSON);
  assert.equal(new TextDecoder().decode(encodeValue(undefined).bytes), "null");
});

Deno.test("codec: typed arrays keep their element type, Uint8Array is bytes", () => {
  assert.equal(encodeValue(new Uint8Array(2)).kind, Kind.BYTES);
  assert.equal(encodeValue(new Uint8ClampedArray(2)).kind, Kind.UINT8);
  assert.equal(encodeValue(new Float32Array(2)).kind, Kind.FLOAT32);
  assert.equal(encodeValue(new BigUint64Array(2)).kind, Kind.UINT64);
  assert.equal(encodeValue(new ArrayBuffer(3)).kind, Kind.BYTES);
  // A view into a larger buffer sends only its own bytes.
  const backing = new Float64Array([1, 2, 3, 4]);
  const part = encodeValue(backing.subarray(1, 3));
  assert.deepEqual([...new Float64Array(part.bytes.slice().buffer)], [2, 3]);
  // Misaligned bytes are copied before viewing them as an array.
  const odd = new Uint8Array(9);
  odd.set(new Uint8Array(new Float64Array([2.5]).buffer), 1);
  assert.deepEqual([...(decodeValue(Kind.FLOAT64, odd.subarray(1)) as Float64Array)], [2.5]);
  assert.throws(() => decodeValue(Kind.INT32, new Uint8Array(3)), RangeError);
});

Deno.test("codec: metadata parameters are bool, number, string or lists of these", () => {
  checkParameters({ a: true, b: 1.5, c: "x", d: [1, "y", false], e: [] });
  for (const bad of [{ a: { b: 1 } }, { a: null }, { a: [[1]] }, { a: NaN }, [1], null]) {
    assert.throws(() => checkParameters(bad), TypeError);
  }
  assert.equal(encodeParameters({}).length, 0);
  assert.deepEqual(decodeParameters(new Uint8Array()), {});
});

Deno.test("codec: frames are coalesced, large payloads are not copied", () => {
  const batch = new FrameBatch();
  batch.empty(Frame.READY);
  batch.text(Frame.RELEASE, "n@1.0");
  const big = new Uint8Array(256 * 1024);
  batch.message(Frame.OUTPUT, "out", Kind.BYTES, 0, new Uint8Array(), big);
  batch.empty(Frame.READY);
  const chunks = batch.take();
  assert.equal(chunks.length, 3);
  assert.ok(chunks.includes(big), "the payload is its own chunk");
  assert.equal(batch.pending, false);
  const all = joined(chunks);
  const seen: number[] = [];
  assert.equal(parseFrames(all, all.length, (t) => seen.push(t)), all.length);
  assert.deepEqual(seen, [Frame.READY, Frame.RELEASE, Frame.OUTPUT, Frame.READY]);
});

Deno.test("codec: a partial frame is left for later and its size reported", () => {
  const frame = unhex(doc.vectors[0]!.frame);
  let needed = 0;
  const used = parseFrames(
    frame.subarray(0, 7),
    7,
    () => assert.fail("no frame yet"),
    (n) => needed = n,
  );
  assert.equal(used, 0);
  assert.equal(needed, frame.length);
});
