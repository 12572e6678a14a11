/**
 * Every example dataflow of dora 1.0's reference documents (tests/fixtures/reference, made by
 * scripts/reference_examples.ts) is accepted by the checker, or each of its problems names a
 * feature dora for Deno does not support. Programs and Python operator files the examples name
 * are stubbed in a copy of the folder; everything else is the examples as dora documents them.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { parseDocument } from "../deps/yaml.ts";
import { formatProblems, parseDataflow } from "../lib/descriptor/mod.ts";
import { dora, FIXTURES, makeHome } from "./helpers.ts";

const DIR = `${FIXTURES}/reference`;
/** What a problem about a feature we do not support says. */
const NAMED = /not supported by dora for Deno/;
/**
 * Examples dora itself cannot run either, and the problem that says so: snippets that leave out
 * which program a node runs, and one block that shows an accepted and a rejected file together.
 */
const INCOMPLETE = [
  /^[\w.-]+\.yml:\d+:\d+: node '[\w.-]+' has no 'path': say which program runs it$/,
  /^logging-6\.yml:\d+:\d+: duplicate key 'nodes'$/,
];

/** Creates a stub for every program a node of `file` (and of the modules it uses) names. */
async function stubPrograms(dir: string, file: string, seen = new Set<string>()): Promise<void> {
  if (seen.has(file)) return;
  seen.add(file);
  let root: { nodes?: Record<string, unknown>[] };
  try {
    root = parseDocument(await Deno.readTextFile(file)).toJS() ?? {};
  } catch {
    return;
  }
  for (const node of Array.isArray(root.nodes) ? root.nodes : []) {
    const path = node?.path;
    if (typeof path === "string" && !["shell", "dynamic"].includes(path) && !path.includes("://")) {
      await stub(dirname(file), path, "#!/bin/sh\n");
    }
    // Python operators: `python: file.py` or `python: {source: file.py}`.
    const operators = [node?.operator, ...(Array.isArray(node?.operators) ? node.operators : [])];
    for (const op of operators as ({ python?: unknown } | undefined)[]) {
      const python = op?.python;
      const source = typeof python === "string"
        ? python
        : (python as { source?: unknown } | undefined)?.source;
      if (typeof source === "string") await stub(dirname(file), source, "class Operator: pass\n");
    }
    if (typeof node?.module === "string") {
      await stubPrograms(dir, join(dirname(file), node.module), seen);
    }
  }
}

async function stub(dir: string, path: string, text: string): Promise<void> {
  if (path.startsWith("/")) return;
  const target = join(dir, path);
  await Deno.mkdir(dirname(target), { recursive: true });
  await Deno.writeTextFile(target, text, { mode: 0o755 });
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(join(from, entry.name), join(to, entry.name));
    else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

async function withCopy<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "dora-reference-" });
  try {
    await copyDir(DIR, dir);
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const examples = [...Deno.readDirSync(DIR)]
  .filter((e) => e.isFile && e.name.endsWith(".yml") && !e.name.endsWith(".module.yml"))
  .map((e) => e.name).sort();

Deno.test("reference: every example dataflow is accepted, or its problems name the feature", async () => {
  assert.ok(examples.length >= 50, `only ${examples.length} examples`);
  const outcome = await withCopy(async (dir) => {
    const results: { name: string; problems: string[]; valid: boolean }[] = [];
    for (const name of examples) {
      const file = join(dir, name);
      await stubPrograms(dir, file);
      const { dataflow, problems } = await parseDataflow(file, { env: { PATH: "/usr/bin:/bin" } });
      results.push({
        name,
        valid: dataflow !== undefined,
        problems: formatProblems(problems).split("\n").filter(Boolean)
          .map((line) => line.replaceAll(`${dir}/`, "")),
      });
    }
    return results;
  });
  const unexplained = outcome.flatMap((r) =>
    r.problems.filter((p) => !NAMED.test(p) && !INCOMPLETE.some((re) => re.test(p)))
  );
  assert.deepEqual(unexplained, [], "problems that do not name an unsupported feature");
  for (const r of outcome) {
    assert.ok(r.valid || r.problems.length > 0, r.name);
  }
  // Most of dora's examples run here as they are.
  const valid = outcome.filter((r) => r.valid).length;
  assert.ok(valid >= outcome.length * 0.7, `${valid} of ${outcome.length} valid`);
});

Deno.test("reference: dora check on examples with a module, with types, with every key", async () => {
  const home = await makeHome();
  try {
    await withCopy(async (dir) => {
      for (
        const name of ["modules-1.yml", "yaml-spec-10.yml", "cli-1.yml", "fault-tolerance-3.yml"]
      ) {
        await stubPrograms(dir, join(dir, name));
        const result = await dora(["check", name], { env: home.env, cwd: dir });
        assert.equal(result.code, 0, `${name}: ${result.stderr}`);
        assert.match(result.stdout, new RegExp(`^✓ ${name} is valid: `));
      }
    });
  } finally {
    await home.cleanup();
  }
});
