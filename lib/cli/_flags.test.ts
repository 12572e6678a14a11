import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { boolFlagAndFile, parseBool, parseLevelFlag } from "./_flags.ts";

Deno.test("parseBool reads true/false and their usual spellings, refuses the rest", () => {
  assert.equal(parseBool("--x", "TRUE"), true);
  assert.equal(parseBool("--x", "no"), false);
  assert.throws(() => parseBool("--x", "maybe"), UsageError);
});

Deno.test("boolFlagAndFile: --flag, --flag=BOOL and --flag FILE", () => {
  const d = "dataflow.yml";
  assert.deepEqual(boolFlagAndFile("--f", undefined, "a.yml", d), { file: "a.yml" });
  assert.deepEqual(boolFlagAndFile("--f", true, "a.yml", d), { value: true, file: "a.yml" });
  assert.deepEqual(boolFlagAndFile("--f", "false", "a.yml", d), { value: false, file: "a.yml" });
  assert.deepEqual(boolFlagAndFile("--f", "flow.yml", d, d), { value: true, file: "flow.yml" });
  assert.throws(() => boolFlagAndFile("--f", "flow.yml", "a.yml", d), /Invalid --f 'flow.yml'/);
});

Deno.test("parseLevelFlag names the levels and suggests one", () => {
  assert.equal(parseLevelFlag("--level", "Warning"), "warn");
  assert.throws(
    () => parseLevelFlag("--level", "eror"),
    /Invalid --level 'eror': expected one of stdout, trace, debug, info, warn, error \(did you mean 'error'\?\)/,
  );
});
