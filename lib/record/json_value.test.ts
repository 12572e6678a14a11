import assert from "node:assert/strict";
import { encodeValue, Kind } from "../../node/ts/values.ts";
import { jsonMessage, jsonSchemaFor, valueFromJson } from "./json_value.ts";

const enc = new TextEncoder();

Deno.test("json values: each fast kind as Foxglove-readable JSON and back", () => {
  const values: unknown[] = [
    new Uint8Array([0, 255, 7]),
    "héllo",
    { a: [1, null, "x"] },
    new Float32Array([1.5, -0.1, 3]),
    new BigInt64Array([1n, -(2n ** 60n)]),
    new Uint8ClampedArray([1, 2]),
  ];
  for (const value of values) {
    const { kind, bytes } = encodeValue(value);
    const message = jsonMessage(kind, bytes, enc.encode('{"frame":3}'), undefined);
    assert.deepEqual(message.parameters, { frame: 3 });
    const json = JSON.parse(JSON.stringify(message));
    const back = valueFromJson(kind, json.value);
    assert.deepEqual(encodeValue(back), { kind, bytes }, `kind ${kind}`);
  }
  const bytes = jsonMessage(Kind.BYTES, new Uint8Array([1, 2, 3]), new Uint8Array(), undefined);
  assert.equal(bytes.value, "AQID");
  const big = jsonMessage(
    Kind.INT64,
    new Uint8Array(new BigInt64Array([5n, 2n ** 60n]).buffer),
    new Uint8Array(),
    undefined,
  );
  assert.deepEqual(big.value, [5, "1152921504606846976"]);
  const nan = jsonMessage(
    Kind.FLOAT64,
    new Uint8Array(new Float64Array([NaN, 1]).buffer),
    new Uint8Array(),
    undefined,
  );
  assert.deepEqual(nan.value, [null, 1]);
});

Deno.test("json values: schemas are JSON Schema objects named by kind", () => {
  const { schemaName, schema } = jsonSchemaFor(Kind.BYTES);
  assert.equal(schemaName, "dora/bytes");
  assert.deepEqual((schema as { properties: { value: unknown } }).properties.value, {
    type: "string",
    contentEncoding: "base64",
  });
  assert.throws(() => valueFromJson(Kind.ARROW, []), /--encoding arrow/);
});
