import assert from "node:assert/strict";
import { parseType, typeMismatch } from "./type_compat.ts";

Deno.test("parseType splits a URN into its base and parameters", () => {
  assert.deepEqual(parseType("std/media/v1/Image"), {
    base: "std/media/v1/Image",
    params: new Map(),
  });
  assert.deepEqual(
    parseType(" std/media/v1/AudioFrame[sample_type=f32, channels = 2] "),
    {
      base: "std/media/v1/AudioFrame",
      params: new Map([["sample_type", "f32"], ["channels", "2"]]),
    },
  );
  for (const bad of ["", "a b", "x[", "x[]", "x[k]", "x[=v]", "x[k=]", "x]"]) {
    assert.equal(parseType(bad), undefined, bad);
  }
});

Deno.test("typeMismatch: the same type, and parameters only where both sides give them", () => {
  assert.equal(typeMismatch("std/media/v1/Image", "std/media/v1/Image"), undefined);
  const f32 = "std/media/v1/AudioFrame[sample_type=f32]";
  assert.equal(typeMismatch(f32, "std/media/v1/AudioFrame"), undefined);
  assert.equal(typeMismatch("std/media/v1/AudioFrame", f32), undefined);
  assert.equal(typeMismatch(f32, "std/media/v1/AudioFrame[sample_type=f32,rate=16000]"), undefined);
  assert.equal(
    typeMismatch(f32, "std/media/v1/AudioFrame[sample_type=i16]"),
    "parameter 'sample_type' differs (f32 vs i16)",
  );
});

Deno.test("typeMismatch: built-in widening, chained, never narrowing", () => {
  assert.equal(typeMismatch("std/core/v1/Float32", "std/core/v1/Float64"), undefined);
  assert.equal(typeMismatch("std/core/v1/UInt8", "std/core/v1/UInt64"), undefined);
  assert.ok(typeMismatch("std/core/v1/Float64", "std/core/v1/Float32"));
  assert.ok(typeMismatch("std/core/v1/Int64", "std/core/v1/Int32"));
  assert.ok(typeMismatch("std/media/v1/Image", "std/core/v1/Float64"));
});

Deno.test("typeMismatch: anything flows into Bytes", () => {
  assert.equal(typeMismatch("std/media/v1/Image", "std/core/v1/Bytes"), undefined);
});

Deno.test("typeMismatch: type_rules add conversions, up to three steps in a chain", () => {
  const rules = [
    { from: "my/v1/A", to: "my/v1/B" },
    { from: "my/v1/B", to: "my/v1/C" },
    { from: "my/v1/C", to: "my/v1/D" },
    { from: "my/v1/D", to: "my/v1/E" },
  ];
  assert.ok(typeMismatch("my/v1/A", "my/v1/B"));
  assert.equal(typeMismatch("my/v1/A", "my/v1/B", rules), undefined);
  assert.equal(typeMismatch("my/v1/A", "my/v1/D", rules), undefined);
  assert.ok(typeMismatch("my/v1/A", "my/v1/E", rules), "four steps is too far");
  assert.ok(typeMismatch("my/v1/B", "my/v1/A", rules), "rules have a direction");
});
