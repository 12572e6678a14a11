/**
 * The TypeScript library's value rules that need no daemon: how Arrow vectors are sent (fast
 * kinds when lossless), their plain JavaScript form, datetime parameters, and log lines.
 */
import assert from "node:assert/strict";
import { decodeArrow, encodeVector, loadArrow, plainArrow } from "../node/ts/arrow.ts";
import { logLevel, logLine } from "../node/ts/log.ts";
import {
  checkParameters,
  decodeParameters,
  encodeParameters,
  isArrowVector,
  Kind,
} from "../node/ts/values.ts";

const arrow = await loadArrow();
const { Field, Float64, Int32, Int64, List, Struct, Utf8, vectorFromArray } = arrow;

Deno.test("ts values: vectors travel as fast kinds only when that keeps their type", () => {
  const f32 = arrow.makeVector(new Float32Array([1.5, 2]));
  assert.equal(encodeVector(arrow, f32).kind, Kind.FLOAT32);
  const i64 = vectorFromArray([1n, 2n], new Int64());
  assert.equal(encodeVector(arrow, i64).kind, Kind.INT64);
  assert.equal(encodeVector(arrow, vectorFromArray([1n, null], new Int64())).kind, Kind.ARROW);
  const one = encodeVector(arrow, vectorFromArray(["x"], new Utf8()));
  assert.deepEqual([one.kind, new TextDecoder().decode(one.bytes)], [Kind.TEXT, "x"]);
  assert.equal(encodeVector(arrow, vectorFromArray(["x", "y"], new Utf8())).kind, Kind.ARROW);
  assert.equal(encodeVector(arrow, vectorFromArray(["x"])).kind, Kind.ARROW); // dictionary
  const sliced = arrow.makeVector(new Int32Array([1, 2, 3, 4])).slice(1, 3);
  const bytes = encodeVector(arrow, sliced).bytes;
  assert.deepEqual([...new Int32Array(bytes.slice().buffer)], [2, 3]);
});

Deno.test("ts values: Arrow data round-trips with its type; plain form for TypeScript", () => {
  const struct = vectorFromArray(
    [{ x: 1.5, tags: ["a"] }, { x: null, tags: null }],
    new Struct([
      new Field("x", new Float64(), true),
      new Field("tags", new List(new Field("item", new Utf8(), true)), true),
    ]),
  );
  const encoded = encodeVector(arrow, struct);
  assert.equal(encoded.kind, Kind.ARROW);
  const back = decodeArrow(arrow, encoded.bytes);
  assert.equal(String(back.type), String(struct.type));
  assert.deepEqual(plainArrow(arrow, back), [{ x: 1.5, tags: ["a"] }, { x: null, tags: null }]);
  // Numeric columns without nulls stay typed arrays, unsigned bytes as Uint8ClampedArray.
  const table = new arrow.Table({ value: vectorFromArray([1, 2], new Int32()) });
  const ints = decodeArrow(arrow, arrow.tableToIPC(table, "stream"));
  assert.ok(plainArrow(arrow, ints) instanceof Int32Array);
  const u8 = arrow.makeVector(new Uint8Array([7]));
  assert.ok(plainArrow(arrow, u8) instanceof Uint8ClampedArray);
  assert.deepEqual(plainArrow(arrow, vectorFromArray([1n, null], new Int64())), [1n, null]);
  assert.throws(() => decodeArrow(arrow, new Uint8Array([1, 2, 3])), RangeError);
  assert.ok(isArrowVector(struct));
  for (const other of [null, [1], new Float32Array(1), { type: 1 }, "x"]) {
    assert.equal(isArrowVector(other), false);
  }
});

Deno.test("ts values: datetime parameters; the timestamp key is the header's", () => {
  const at = new Date("2024-01-15T10:30:00.123Z");
  checkParameters({ at, n: 1 });
  assert.throws(() => checkParameters({ at: new Date("nope") }), TypeError);
  const bytes = encodeParameters({ at, n: 1, timestamp: 5 });
  assert.equal(
    new TextDecoder().decode(bytes),
    '{"at":{"datetime":"2024-01-15T10:30:00.123Z"},"n":1}',
  );
  assert.deepEqual(decodeParameters(bytes), { at, n: 1 });
  assert.equal(encodeParameters({ timestamp: 5 }).length, 0);
  // Python writes microseconds when a datetime has them.
  const micro = new TextEncoder().encode('{"at":{"datetime":"2024-01-15T10:30:00.123456Z"}}');
  assert.deepEqual(decodeParameters(micro), { at });
  assert.throws(() => decodeParameters(new TextEncoder().encode('{"at":{"x":1}}')), RangeError);
});

Deno.test("ts values: log lines in dora's format", () => {
  const now = new Date("2024-01-15T10:30:00.123Z");
  assert.equal(
    logLine("info", "a\nb", "vision", { n: 1 }, now),
    '{"timestamp":"2024-01-15T10:30:00.123Z","level":"info","message":"a\\nb",' +
      '"target":"vision","fields":{"n":1}}',
  );
  assert.equal(
    logLine("warn", "x", undefined, undefined, now),
    '{"timestamp":"2024-01-15T10:30:00.123Z","level":"warn","message":"x","target":null,"fields":{}}',
  );
  assert.equal(logLevel("WARNING"), "warn");
  assert.equal(logLevel("Trace"), "trace");
  assert.throws(() => logLevel("loud"), RangeError);
});

Deno.test("ts values: the Arrow pin in deps/arrow.ts is deno.json's", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const deps = await Deno.readTextFile(new URL("../deps/arrow.ts", import.meta.url));
  assert.ok(deps.includes(`"${config.imports["apache-arrow"]}"`), deps);
});

/** Modules `entry` imports statically (transitively), from `deno info --json`. */
async function staticGraph(entry: string): Promise<{ all: Set<string>; statics: Set<string> }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const statics = new Set<string>();
  const todo = [...info.roots];
  while (todo.length) {
    const spec = todo.pop()!;
    if (statics.has(spec)) continue;
    statics.add(spec);
    for (const dep of bySpecifier.get(spec)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code) todo.push(dep.code.specifier);
    }
  }
  return { all: new Set(bySpecifier.keys()), statics };
}

Deno.test("ts values: apache-arrow loads only when a node meets an Arrow value", async () => {
  const arrowDeps = new URL("../deps/arrow.ts", import.meta.url).href;
  const node = await staticGraph(new URL("../node/ts/mod.ts", import.meta.url).pathname);
  assert.ok(node.all.has(arrowDeps), "the node library can load it");
  assert.ok(!node.statics.has(arrowDeps), "but does not import it up front");
  // The daemon forwards Arrow data without reading it: not even a lazy import. Only a command
  // that shows values (`dora topic echo`) loads it, lazily.
  const daemon = await staticGraph(new URL("../lib/cli/daemon.ts", import.meta.url).pathname);
  assert.ok(daemon.all.has(new URL("../lib/dataplane/broker.ts", import.meta.url).href));
  assert.ok(![...daemon.all].some((s) => s === arrowDeps || s.includes("apache-arrow")));
  const cli = await staticGraph(new URL("../main.ts", import.meta.url).pathname);
  assert.ok(![...cli.statics].some((s) => s === arrowDeps || s.includes("apache-arrow")));
});
