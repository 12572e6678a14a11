import assert from "node:assert/strict";
import { keyInfo, keysAt, SCHEMA, schemaMarkdown } from "./schema.ts";

const REFERENCE = new URL("../../tests/fixtures/reference/dora-schema.json", import.meta.url);
const README = new URL("../../README.md", import.meta.url);

interface JsonSchema {
  properties: Record<string, unknown>;
  $defs: Record<
    string,
    { properties?: Record<string, unknown>; anyOf?: unknown[]; oneOf?: unknown[] }
  >;
}

Deno.test("schema: every key of dora 1.0's JSON schema is in the table, in its place", async () => {
  const schema = JSON.parse(await Deno.readTextFile(REFERENCE)) as JsonSchema;
  const longInput = (schema.$defs.Input!.anyOf as { properties?: Record<string, unknown> }[])
    .find((form) => form.properties)!;
  // An operator's keys, and its source (`python` or `shared-library`, one of them).
  const operator = schema.$defs.OperatorDefinition!;
  const operatorKeys = [
    ...Object.keys(operator.properties!),
    ...(operator.oneOf as { properties: Record<string, unknown> }[])
      .flatMap((form) => Object.keys(form.properties)),
  ];
  const places: [string, string[], string[]][] = [
    ["dataflow", Object.keys(schema.properties), keysAt("dataflow")],
    ["node", Object.keys(schema.$defs.Node!.properties!), keysAt("node")],
    ["operator", operatorKeys, keysAt("operator")],
    ["input", Object.keys(longInput.properties!), keysAt("input")],
  ];
  for (const [place, reference, ours] of places) {
    assert.deepEqual(reference.filter((k) => !ours.includes(k)), [], `${place} keys missing`);
  }
  // The YAML spec documents a few keys the JSON schema leaves to `additionalProperties`.
  for (const key of ["deploy", "debug"]) assert.ok(keyInfo("dataflow", key), key);
  for (const key of ["deploy", "cpu_limit", "memory_limit"]) assert.ok(keyInfo("node", key), key);
  for (const key of ["machine", "working_dir", "labels", "distribute"]) {
    assert.ok(keyInfo("deploy", key), key);
  }
});

Deno.test("schema: each key is listed once per place, with what a reader needs", () => {
  const seen = new Set<string>();
  for (const info of SCHEMA) {
    const id = `${info.place}/${info.key}`;
    assert.ok(!seen.has(id), `${id} twice`);
    seen.add(id);
    assert.ok(info.meaning.length > 0, id);
    if (info.status === "unsupported") assert.ok(info.note, `${id}: what to do instead`);
    if (info.status === "elsewhere") assert.ok(info.handler, `${id}: who reads it`);
  }
  assert.ok(keyInfo("node", "cpu_limit")?.ours);
  assert.equal(keyInfo("node", "nope"), undefined);
});

Deno.test("schema: the README's table is the one the table makes", async () => {
  const readme = await Deno.readTextFile(README);
  const begin = readme.indexOf("<!-- schema:begin -->");
  const end = readme.indexOf("<!-- schema:end -->");
  assert.ok(begin >= 0 && end > begin, "README has the schema markers");
  // deno fmt aligns the columns: compare cell by cell.
  const cells = (text: string) =>
    text.split("\n").filter((l) => l.startsWith("|") && !/^\|[\s|:-]+\|$/.test(l))
      .map((l) => l.split("|").map((c) => c.trim()).join("|"));
  assert.deepEqual(cells(readme.slice(begin, end)), cells(schemaMarkdown()));
});
