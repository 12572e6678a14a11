import assert from "node:assert/strict";
import { problemsOf, withScratch } from "./_test_helpers.ts";

const STUBS = { "a.py": "print(1)\n", "b.py": "print(2)\n" };

/** Asserts the exact printed problems of `yaml`. */
async function expectProblems(yaml: string, expected: string[], files = STUBS) {
  assert.deepEqual(await problemsOf(yaml, files), expected);
}

Deno.test("problems: YAML syntax errors carry their position", async () => {
  await expectProblems("nodes:\n  - id: a\n\tpath: a.py\n", [
    "dataflow.yml:3:1: YAML syntax error: tabs are not allowed as indentation",
  ]);
  await expectProblems("nodes: [\n  {id: a, path: a.py}\n", [
    "dataflow.yml:3:1: YAML syntax error: flow sequence in block collection must be " +
    "sufficiently indented and end with a ]",
  ]);
  await expectProblems("nodes:\n  - id: a\n    path: a.py\n    id: b\n", [
    "dataflow.yml:4:5: duplicate key 'id'",
  ]);
  await expectProblems('nodes:\n  - {id: a, path: a.py, "id": b}\n', [
    "dataflow.yml:2:25: duplicate key 'id'",
  ]);
  await expectProblems("nodes:\n  - id: a\n    path: a.py\n    env: {X: 1, X: 2}\n", [
    "dataflow.yml:4:17: duplicate key 'X'",
  ]);
  await expectProblems("nodes: []\n---\nnodes: []\n", [
    "dataflow.yml:2:1: the file holds more than one YAML document ('---'); " +
    "a dataflow is one document",
  ]);
});

Deno.test("problems: files that are empty, not YAML or not a mapping", async () => {
  const empty = "dataflow.yml:1:1: the file is empty: expected a mapping with a 'nodes' list";
  await expectProblems("", [empty]);
  await expectProblems("\n  \n", [empty]);
  await expectProblems("# only a comment\n", [empty]);
  await expectProblems("hello world\n", [
    "dataflow.yml:1:1: not a dataflow: expected a mapping with a 'nodes' list at the top " +
    "level, found a string",
  ]);
  await expectProblems("- id: a\n  path: a.py\n", [
    "dataflow.yml:1:1: not a dataflow: expected a mapping with a 'nodes' list at the top " +
    "level, found a list",
  ]);
  await withScratch("", {}, async (s) => {
    await Deno.writeFile(s.file, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0, 1]));
    assert.deepEqual(await s.problems(), [
      "dataflow.yml:1:1: not a YAML file: it is not UTF-8 text (binary data?)",
    ]);
    await Deno.writeTextFile(s.file, "nodes:\0\n");
    assert.deepEqual(await s.problems(), [
      "dataflow.yml:1:1: not a YAML file: it contains binary data (NUL bytes)",
    ]);
  });
});

Deno.test("problems: the nodes list", async () => {
  await expectProblems("communication: {}\n", [
    "dataflow.yml:1:1: missing 'nodes': a dataflow needs a list of nodes",
  ]);
  await expectProblems("nodes:\n  id: a\n", [
    "dataflow.yml:2:3: 'nodes' must be a list of nodes, found a mapping",
  ]);
  await expectProblems("nodes: []\n", [
    "dataflow.yml:1:8: 'nodes' is empty: a dataflow needs at least one node",
  ]);
  await expectProblems("nodes:\n  - a.py\n  -\n", [
    "dataflow.yml:2:5: each node must be a mapping with an 'id', found a string",
    "dataflow.yml:3:4: each node must be a mapping with an 'id', found an empty value",
  ]);
});

Deno.test("problems: unknown keys everywhere, with a hint when one is close", async () => {
  await expectProblems(
    `node:
  - id: a
nodes:
  - id: a
    path: a.py
    input:
      x: dora/timer/millis/5
    outputs: [o]
    restart: always
    frobnicate: 1
  - id: b
    path: b.py
    inputs:
      x: {source: a/o, queue: 3}
  - id: c
    custom:
      path: a.py
`,
    [
      "dataflow.yml:1:1: unknown key 'node' at the top level (did you mean 'nodes'?)",
      "dataflow.yml:6:5: unknown key 'input' in node 'a' (did you mean 'inputs'?)",
      "dataflow.yml:9:5: unknown key 'restart' in node 'a' (did you mean 'restart_policy'?)",
      "dataflow.yml:10:5: unknown key 'frobnicate' in node 'a'",
      "dataflow.yml:14:24: unknown key 'queue' in input 'x' of node 'b' " +
      "(did you mean 'queue_size'?)",
      "dataflow.yml:17:7: unknown key 'path' in 'custom' of node 'c'",
      "dataflow.yml:17:7: 'custom' of node 'c' has no 'source'",
    ],
  );
});

Deno.test("problems: ids — missing, malformed, reserved, duplicate", async () => {
  await expectProblems(
    `nodes:
  - path: a.py
  - id: has space
    path: a.py
  - id: a/b
    path: a.py
  - id: dora
    path: a.py
  - id: cam
    path: a.py
  - id: cam
    path: b.py
`,
    [
      "dataflow.yml:2:5: node 1 has no 'id'",
      "dataflow.yml:3:9: invalid node id 'has space': use only letters, digits, '_', '.' and '-'",
      "dataflow.yml:5:9: invalid node id 'a/b': use only letters, digits, '_', '.' and '-'",
      "dataflow.yml:7:9: node id 'dora' is reserved (used for timers)",
      "dataflow.yml:11:9: duplicate node id 'cam' (first defined at line 9)",
    ],
  );
});

Deno.test("problems: wrong value types name the expected type", async () => {
  await expectProblems(
    `nodes:
  - id: a
    path: [a.py]
    args: {x: 1}
    env: [A, B]
    build: [make]
    outputs: image
    inputs: [a/image]
    restart_policy: 3
    cpu_limit: two
  - id: b
    path: b.py
    env:
      EMPTY:
      NESTED: {x: 1}
    args: [ok, [nested]]
    outputs: [ok, {bad: 1}, "bad id"]
    inputs:
      one:
      two: {queue_size: 2}
      three: {source: b/ok, queue_size: 0}
      four: {source: b/ok, queue_size: "2"}
    memory_limit: lots
    send_stdout_as: [x]
`,
    [
      "dataflow.yml:3:11: 'path' must be a string, found a list",
      "dataflow.yml:4:11: 'args' must be a string or a list of strings, found a mapping",
      "dataflow.yml:5:10: 'env' of node 'a' must be a mapping of variable names to values, " +
      "found a list",
      "dataflow.yml:6:12: 'build' must be a string, found a list",
      "dataflow.yml:7:14: 'outputs' of node 'a' must be a list of output ids, found a string",
      "dataflow.yml:8:13: 'inputs' of node 'a' must be a mapping of input ids to sources, " +
      "found a list",
      "dataflow.yml:9:21: invalid restart_policy '3': expected never, on-failure or always",
      "dataflow.yml:10:16: 'cpu_limit' must be a number, found a string",
      "dataflow.yml:14:7: environment variable 'EMPTY' must be a string, number or boolean " +
      "(or {__dora_env: VARIABLE}), found an empty value",
      "dataflow.yml:15:15: environment variable 'NESTED' must be a string, number or boolean " +
      "(or {__dora_env: VARIABLE}), found a mapping",
      "dataflow.yml:16:16: each of 'args' must be a string, found a list",
      "dataflow.yml:17:19: an output id must be a string, found a mapping",
      "dataflow.yml:17:29: invalid output id 'bad id': use only letters, digits, '_', '.' and '-'",
      "dataflow.yml:19:7: input 'one' of node 'b' must be '<node>/<output>', a timer or a " +
      "mapping with 'source', found an empty value",
      "dataflow.yml:20:12: input 'two' of node 'b' has no 'source' (e.g. source: camera/image)",
      "dataflow.yml:21:41: 'queue_size' must be a positive integer, found 0",
      "dataflow.yml:22:40: 'queue_size' of input 'four' of node 'b' must be a number, " +
      "found a string",
      "dataflow.yml:23:19: invalid memory_limit 'lots': expected a size like 512M or 4G, " +
      "or a number of bytes",
      "dataflow.yml:24:21: 'send_stdout_as' must be a string, found a list",
    ],
  );
});

Deno.test("problems: inputs that name a missing node or output", async () => {
  await expectProblems(
    `nodes:
  - id: camera
    path: a.py
    outputs: [image, depth]
  - id: silent
    path: a.py
  - id: plot
    path: b.py
    inputs:
      a: camra/image
      b: camera/imag
      c: camera/points
      d: silent/anything
      e: {source: ghost/x}
`,
    [
      "dataflow.yml:10:10: input 'a' comes from node 'camra', which does not exist " +
      "(did you mean 'camera'?)",
      "dataflow.yml:11:10: input 'b' comes from output 'imag' of node 'camera', which has no " +
      "such output (did you mean 'image'?)",
      "dataflow.yml:12:10: input 'c' comes from output 'points' of node 'camera', which has no " +
      "such output (its outputs: image, depth)",
      "dataflow.yml:13:10: input 'd' comes from output 'anything' of node 'silent', which has " +
      "no such output (node 'silent' declares no outputs)",
      "dataflow.yml:14:19: input 'e' comes from node 'ghost', which does not exist",
    ],
  );
});

Deno.test("problems: malformed, zero and unknown timers; malformed sources", async () => {
  const forms = "expected dora/timer/secs/N, dora/timer/millis/N or dora/timer/hz/N, " +
    "with N a positive number";
  await expectProblems(
    `nodes:
  - id: a
    path: a.py
    inputs:
      zero: dora/timer/millis/0
      hz0: dora/timer/hz/0
      word: dora/timer/millis/fast
      unit: dora/timer/minutes/1
      other: dora/metrics
      bare: camera
`,
    [
      "dataflow.yml:5:13: invalid timer 'dora/timer/millis/0': N must be greater than 0",
      "dataflow.yml:6:12: invalid timer 'dora/timer/hz/0': N must be greater than 0",
      `dataflow.yml:7:13: invalid timer 'dora/timer/millis/fast': ${forms}`,
      `dataflow.yml:8:13: invalid timer 'dora/timer/minutes/1': ${forms}`,
      "dataflow.yml:9:14: unknown dora input 'dora/metrics': the built-in inputs are timers " +
      "(dora/timer/secs/N, dora/timer/millis/N or dora/timer/hz/N) and logs (dora/logs, " +
      "dora/logs/<level> or dora/logs/<level>/<node>)",
      "dataflow.yml:10:13: invalid input source 'camera': expected '<node>/<output>' or a " +
      "timer like 'dora/timer/millis/100'",
    ],
  );
});

Deno.test("problems: restart_policy, duplicate outputs, bad args quoting", async () => {
  await expectProblems(
    `nodes:
  - id: a
    path: a.py
    args: --name "unfinished
    outputs: [x, y, x]
    restart_policy: on_failure
    send_stdout_as: stdout
`,
    [
      "dataflow.yml:4:11: 'args': unterminated double quote",
      "dataflow.yml:5:21: duplicate output 'x' in node 'a' (first listed at line 5)",
      "dataflow.yml:6:21: invalid restart_policy 'on_failure': expected never, on-failure or " +
      "always (did you mean 'on-failure'?)",
    ],
  );
});

Deno.test("problems: every problem of a file comes out at once, sorted by position", async () => {
  const lines = await problemsOf(
    `nodes:
  - id: a
    path: missing.py
    inputs:
      t: dora/timer/secs/0
  - id: a
    path: a.py
    outputz: [x]
`,
    STUBS,
  );
  assert.deepEqual(lines, [
    "dataflow.yml:3:11: source file not found: 'missing.py' (no file at missing.py)",
    "dataflow.yml:5:10: invalid timer 'dora/timer/secs/0': N must be greater than 0",
    "dataflow.yml:6:9: duplicate node id 'a' (first defined at line 2)",
    "dataflow.yml:8:5: unknown key 'outputz' in node 'a' (did you mean 'outputs'?)",
  ]);
});
