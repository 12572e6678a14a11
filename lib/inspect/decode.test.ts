// deno-lint-ignore-file no-regex-spaces
import assert from "node:assert/strict";
import {
  MAX_ITEMS,
  messageJson,
  messageLine,
  showValue,
  summarizeJson,
  type TapMessageEvent,
  typeLabel,
} from "./decode.ts";

const bytesOf = (view: ArrayBufferView) =>
  new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

Deno.test("decode: numbers, texts, JSON and arrays, summarised past a size", () => {
  const small = new Float32Array([1.5, 2, -3]);
  assert.deepEqual(showValue("float32", bytesOf(small), 12), {
    value: [1.5, 2, -3],
    text: "[1.5, 2, -3]",
  });
  const big = Int16Array.from({ length: 100 }, (_, i) => i);
  const shown = showValue("int16", bytesOf(big), 200);
  assert.deepEqual(shown.value, { length: 100, head: [...Array(MAX_ITEMS).keys()] });
  assert.match(shown.text, /^\[0, 1, 2, .*, 15, … 84 more\]$/);
  // A prefix of a large payload (the tap's limit) still says how long the array is.
  const prefix = showValue("float64", bytesOf(new Float64Array([7, 8])), 8 * 1000);
  assert.deepEqual(prefix.value, { length: 1000, head: [7, 8] });
  const big64 = showValue("uint64", bytesOf(new BigUint64Array([2n ** 60n, 3n])), 16);
  assert.deepEqual(big64.value, ["1152921504606846976", 3]);
  assert.deepEqual(showValue("text", new TextEncoder().encode("héllo"), 6).value, "héllo");
  const long = "x".repeat(300);
  assert.equal(
    showValue("text", new TextEncoder().encode(long), 300).value,
    `${"x".repeat(200)}… 100 more chars`,
  );
  const json = new TextEncoder().encode(JSON.stringify({ a: [...Array(20).keys()], b: "ok" }));
  assert.deepEqual(showValue("json", json, json.length).value, {
    a: [...Array(16).keys(), "… 4 more"],
    b: "ok",
  });
  assert.match(
    showValue("json", json.subarray(0, 5), json.length).text,
    /larger than the tap's limit/,
  );
  assert.equal(showValue("json", new Uint8Array(0), 0).value, null);
  assert.match(showValue("bytes", new Uint8Array([0, 1, 255]), 3).text, /^<3 bytes> 00 01 ff$/);
  assert.equal(
    showValue("arrow", new Uint8Array(4), 4096).text,
    "<Arrow IPC, 4096 bytes, larger than the tap's limit>",
  );
  // Before apache-arrow is loaded a whole Arrow value is only summarised.
  assert.equal(showValue("arrow", new Uint8Array(8), 8).text, "<Arrow IPC, 8 bytes>");
  assert.deepEqual(summarizeJson([[[[["deep"]]]]]), [[[["[… 1 items]"]]]]);
  assert.equal(typeLabel("float32", 20), "float32[5]");
  assert.equal(typeLabel("bytes", 3072), "bytes[3072]");
  assert.equal(typeLabel("json", 10), "json");
});

Deno.test("decode: a message as a line and as JSON, raw or decoded", () => {
  const event: TapMessageEvent = {
    type: "message",
    node: "detector",
    output: "bbox",
    seq: 4,
    timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    routed_at: Date.UTC(2026, 0, 2, 3, 4, 5, 679),
    kind: "float32",
    size: 8,
    shm: false,
    parameters: { frame: 3, label: "box" },
    data: bytesOf(new Float32Array([1, 2])).toBase64(),
    truncated: false,
    dropped: 0,
  };
  assert.match(
    messageLine(event, false),
    /^\d\d:\d\d:05\.678  detector\/bbox  #4  float32\[2\]  frame=3 label=box  \[1, 2\]$/,
  );
  assert.match(
    messageLine(event, true),
    /float32\[2\]  frame=3 label=box  00 00 80 3f 00 00 00 40$/,
  );
  const json = messageJson(event, false, "uuid-1");
  assert.equal(json.time, "2026-01-02T03:04:05.678Z");
  assert.deepEqual(json.value, [1, 2]);
  assert.equal(json.topic, "detector/bbox");
  const raw = messageJson(event, true, "uuid-1");
  assert.equal(raw.data, event.data);
  assert.equal("value" in raw, false);
});

Deno.test("decode: Arrow values, once apache-arrow is loaded", async () => {
  const { loadArrow, encodeVector } = await import("../../node/ts/arrow.ts");
  const arrow = await loadArrow();
  const encoded = encodeVector(
    arrow,
    arrow.vectorFromArray(["cup", null, "box"], new arrow.Utf8()),
  );
  assert.equal(encoded.kind, 0x20);
  const shown = showValue("arrow", encoded.bytes, encoded.bytes.length);
  assert.equal(shown.text, 'Utf8[3] ["cup", null, "box"]');
  assert.deepEqual(shown.value, { arrow: "Utf8", length: 3, rows: ["cup", null, "box"] });
  const cut = showValue("arrow", encoded.bytes.subarray(0, 10), encoded.bytes.length);
  assert.match(cut.text, /^<Arrow IPC, \d+ bytes, larger than the tap's limit>$/);
});
