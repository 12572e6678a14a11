/** `dora check` end to end: the real CLI on fixture dataflows, valid and broken in every way. */
import assert from "node:assert/strict";
import { type CliResult, dora, FIXTURES, makeHome, type TestHome } from "./helpers.ts";

const DIR = `${FIXTURES}/descriptor`;
const BAD = `${DIR}/bad`;

/** Stack traces or runtime noise that must never reach a user. */
function assertNoTrace(result: CliResult): void {
  for (const text of [result.stdout, result.stderr]) {
    assert.doesNotMatch(text, /\n\s+at |Stack backtrace|Uncaught|DORA_DEBUG/, text);
  }
}

/**
 * The Deno cache this test process uses. A temp HOME would otherwise move the spawned CLI's
 * cache to `$HOME/.cache/deno`, so every run would download its npm packages again.
 */
function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  return xdg ? `${xdg}/deno` : `${Deno.env.get("HOME")}/.cache/deno`;
}

async function withHome(fn: (home: TestHome) => Promise<void>): Promise<void> {
  const home = await makeHome({ DENO_DIR: denoDir() });
  try {
    await fn(home);
  } finally {
    await home.cleanup();
  }
}

/** Runs `dora check <file>` from `cwd` and expects exit 1 with exactly these problem lines. */
async function expectProblems(home: TestHome, file: string, lines: string[], cwd = BAD) {
  const result = await dora(["check", file], { env: home.env, cwd });
  assertNoTrace(result);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  const count = `${lines.length} problem${lines.length === 1 ? "" : "s"} found`;
  assert.equal(result.stderr, [...lines, count, ""].join("\n"));
}

Deno.test("check: a valid dataflow prints one summary line and exits 0", async () => {
  await withHome(async (home) => {
    const byDefault = await dora(["check"], { env: home.env, cwd: `${DIR}/valid` });
    assertNoTrace(byDefault);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.equal(byDefault.stdout, "✓ dataflow.yml is valid: 3 nodes (camera, detector, plot)\n");
    assert.equal(byDefault.stderr, "");

    const named = await dora(["check", "descriptor/valid/dataflow.yml"], {
      env: home.env,
      cwd: FIXTURES,
    });
    assert.equal(named.code, 0, named.stderr);
    assert.equal(
      named.stdout,
      "✓ descriptor/valid/dataflow.yml is valid: 3 nodes (camera, detector, plot)\n",
    );
  });
});

Deno.test("check: the summary stays one line for many nodes", async () => {
  await withHome(async (home) => {
    const ids = Array.from({ length: 10 }, (_, i) => `n${i + 1}`);
    const yaml = "nodes:\n" + ids.map((id) => `  - id: ${id}\n    path: dynamic\n`).join("");
    await Deno.writeTextFile(`${home.dir}/dataflow.yml`, yaml);
    const result = await dora(["check"], { env: home.env, cwd: home.dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      "✓ dataflow.yml is valid: 10 nodes (n1, n2, n3, n4, n5, n6, n7, n8 and 2 more)\n",
    );
  });
});

Deno.test("check: dora-rs example dataflows are accepted", async () => {
  await withHome(async (home) => {
    const cases: [string, string][] = [
      ["python-dataflow/dataflow.yml", "3 nodes (camera, object-detection, plot)"],
      ["python-dataflow/dataflow_dynamic.yml", "2 nodes (camera, plot)"],
      ["python-dataflow-0.3/dataflow.yml", "3 nodes (webcam, object_detection, plot)"],
      ["rust-dataflow/dataflow.yml", "3 nodes (rust-node, rust-status-node, rust-sink)"],
      ["benchmark/dataflow.yml", "2 nodes (rust-node, rust-sink)"],
    ];
    for (const [file, summary] of cases) {
      const result = await dora(["check", file], { env: home.env, cwd: `${DIR}/examples` });
      assertNoTrace(result);
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      assert.equal(result.stdout, `✓ ${file} is valid: ${summary}\n`);
    }
  });
});

Deno.test("check: YAML syntax errors, empty files and non-YAML files", async () => {
  await withHome(async (home) => {
    await expectProblems(home, "syntax.yml", [
      "syntax.yml:6:3: YAML syntax error: flow sequence in block collection must be " +
      "sufficiently indented and end with a ]",
    ]);
    await expectProblems(home, "empty.yml", [
      "empty.yml:1:1: the file is empty: expected a mapping with a 'nodes' list",
    ]);
    await expectProblems(home, "not-yaml.txt", [
      "not-yaml.txt:1:1: not a dataflow: expected a mapping with a 'nodes' list at the top " +
      "level, found a string",
    ]);
    const binary = `${home.dir}/image.yml`;
    await Deno.writeFile(binary, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0xff]));
    await expectProblems(home, binary, [
      `${binary}:1:1: not a YAML file: it is not UTF-8 text (binary data?)`,
    ]);
  });
});

Deno.test("check: wrong types and unknown keys (with a hint)", async () => {
  await withHome(async (home) => {
    await expectProblems(home, "types.yml", [
      "types.yml:5:11: 'args' must be a string or a list of strings, found a mapping",
      "types.yml:6:10: 'env' of node 'camera' must be a mapping of variable names to values, " +
      "found a list",
      "types.yml:7:14: 'outputs' of node 'camera' must be a list of output ids, found a string",
      "types.yml:9:56: 'queue_size' must be a positive integer, found 0",
    ]);
    await expectProblems(home, "unknown-key.yml", [
      "unknown-key.yml:4:5: unknown key 'ouputs' in node 'camera' (did you mean 'outputs'?)",
      "unknown-key.yml:5:5: unknown key 'input' in node 'camera' (did you mean 'inputs'?)",
    ]);
  });
});

Deno.test("check: duplicate, malformed and reserved ids; inputs from missing nodes/outputs", async () => {
  await withHome(async (home) => {
    await expectProblems(home, "ids.yml", [
      "ids.yml:5:9: duplicate node id 'camera' (first defined at line 2)",
      "ids.yml:7:9: invalid node id 'front camera': use only letters, digits, '_', '.' and '-'",
      "ids.yml:9:9: node id 'dora' is reserved (used for timers)",
    ]);
    await expectProblems(home, "inputs.yml", [
      "inputs.yml:8:14: input 'image' comes from node 'camra', which does not exist " +
      "(did you mean 'camera'?)",
      "inputs.yml:9:14: input 'depth' comes from output 'depth' of node 'camera', which has no " +
      "such output (its outputs: image)",
    ]);
  });
});

Deno.test("check: malformed and zero timers", async () => {
  await withHome(async (home) => {
    const forms = "expected dora/timer/secs/N, dora/timer/millis/N or dora/timer/hz/N, " +
      "with N a positive number";
    await expectProblems(home, "timers.yml", [
      "timers.yml:5:13: invalid timer 'dora/timer/millis/0': N must be greater than 0",
      `timers.yml:6:13: invalid timer 'dora/timer/seconds/5': ${forms}`,
      `timers.yml:7:12: invalid timer 'dora/timer/hz/many': ${forms}`,
    ]);
  });
});

Deno.test("check: a missing source file or program", async () => {
  await withHome(async (home) => {
    await expectProblems(home, "missing-source.yml", [
      `missing-source.yml:3:11: source file not found: './cameraa.py' ` +
      `(no file at ${BAD}/cameraa.py)`,
      "missing-source.yml:5:11: executable 'surely-not-an-installed-program' not found: it is " +
      "neither on PATH nor next to the dataflow",
    ]);
  });
});

Deno.test("check: a missing file is a clear error with exit 1", async () => {
  await withHome(async (home) => {
    const named = await dora(["check", "nope.yml"], { env: home.env, cwd: home.dir });
    assertNoTrace(named);
    assert.equal(named.code, 1);
    assert.equal(named.stdout, "");
    assert.equal(
      named.stderr,
      "Error: Cannot read dataflow file 'nope.yml': No such file\n" +
        `Looked for ${home.dir}/nope.yml (a relative path starts at the current directory).\n`,
    );

    const byDefault = await dora(["check"], { env: home.env, cwd: home.dir });
    assert.equal(byDefault.code, 1);
    assert.match(
      byDefault.stderr,
      /^Error: Cannot read dataflow file 'dataflow.yml': No such file\n/,
    );

    const folder = await dora(["check", "."], { env: home.env, cwd: home.dir });
    assert.equal(folder.code, 1);
    assert.equal(folder.stderr, "Error: Cannot read dataflow file '.': it is a directory\n");
  });
});

Deno.test("check: usage errors exit 2", async () => {
  await withHome(async (home) => {
    const result = await dora(["check", "--no-such-flag"], { env: home.env, cwd: BAD });
    assertNoTrace(result);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--no-such-flag'/);
  });
});
