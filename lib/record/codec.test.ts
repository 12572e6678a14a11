import assert from "node:assert/strict";
import { encodeVector, loadArrow, type Vector } from "../../node/ts/arrow.ts";
import { encodeValue, Kind } from "../../node/ts/values.ts";
import { arrowSchemaData, decodeMessage, encodeArrowMessage, encodeJsonMessage } from "./codec.ts";

const enc = new TextEncoder();
const message = (kind: number, payload: Uint8Array) => ({
  node: "n",
  output: "o",
  kind,
  timestampNs: 1,
  routedMs: 1,
  payload,
  params: enc.encode('{"frame":7,"at":{"datetime":"2024-01-15T10:30:00.123Z"}}'),
});

Deno.test("codec: every kind through an arrow-ipc message comes back as the same wire value", async () => {
  const arrow = await loadArrow();
  const struct = arrow.vectorFromArray(
    [{ x: 1.5, label: "cup" }, { x: null, label: null }],
    new arrow.Struct([
      new arrow.Field("x", new arrow.Float64(), true),
      new arrow.Field("label", new arrow.Utf8(), true),
    ]),
  );
  const wire = [
    encodeValue(new Uint8Array([1, 2, 3])),
    encodeValue("text"),
    encodeValue({ json: [1, 2] }),
    encodeValue(new Uint8ClampedArray([9])),
    encodeValue(new Float32Array([0.25, 4])),
    encodeValue(new BigUint64Array([2n ** 63n])),
    encodeVector(arrow, struct as Vector),
  ];
  for (const { kind, bytes } of wire) {
    const encoded = encodeArrowMessage(arrow, message(kind, bytes));
    assert.equal(encoded.channel.topic, "n/o");
    const schema = arrow.tableFromIPC(arrowSchemaData(arrow, encoded.data)).schema;
    assert.equal(
      schema.fields[0]!.metadata.get("dora.kind"),
      encoded.channel.metadata.get("dora.kind"),
    );
    const back = decodeMessage(arrow, "arrow-ipc", undefined, encoded.data);
    assert.equal(back.kind, kind);
    assert.equal(back.parameters.frame, 7);
    assert.ok(back.parameters.at instanceof Date);
    if (kind === Kind.ARROW) {
      assert.deepEqual((back.value as Vector).toJSON(), struct.toJSON());
    } else {
      assert.deepEqual(encodeValue(back.value), { kind, bytes }, `kind ${kind}`);
    }
  }
});

Deno.test("codec: json messages of Arrow data are rows; replaying them is refused", async () => {
  const arrow = await loadArrow();
  const { kind, bytes } = encodeVector(arrow, arrow.vectorFromArray(["a", null]) as Vector);
  const encoded = encodeJsonMessage(message(kind, bytes), arrow);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(encoded.data)).value, ["a", null]);
  assert.throws(() => decodeMessage(arrow, "json", "arrow", encoded.data), /--encoding arrow/);
  assert.throws(() => decodeMessage(arrow, "cdr", "bytes", encoded.data), /not one dora records/);
});
