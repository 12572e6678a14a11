/** Module expansion: wiring, params, nesting, optional inputs, and every validation rule. */
import assert from "node:assert/strict";
import { problemsOf, withScratch } from "./_test_helpers.ts";
import { checkModuleFile, expandDataflow } from "./expand.ts";
import { formatProblems } from "./mod.ts";

const TRANSFORM = `module:
  name: transform_pipeline
  inputs: [raw_data]
  inputs_optional: [config]
  outputs: [filtered]

build: pip install -r requirements.txt

nodes:
  - id: doubler
    path: doubler.py
    args: --speed \${_param.speed} --mode $PARAM_MODE
    env: { OWN: inner }
    inputs:
      data: _mod/raw_data
      config: _mod/config
    outputs:
      - doubled
  - id: filter
    path: ../tools/filter_even.py
    build: pip install numpy
    inputs:
      data: doubler/doubled
      noisy: dora/logs/warn/doubler
    outputs:
      - filtered
`;

const FILES = {
  "sender.py": "",
  "receiver.py": "",
  "modules/transform.yml": TRANSFORM,
  "modules/doubler.py": "",
  "tools/filter_even.py": "",
};

const DATAFLOW = `env: { TOP: top }
nodes:
  - id: sender
    path: sender.py
    outputs: [value]
  - id: pipeline
    module: modules/transform.yml
    env: { FROM_MODULE_NODE: yes, OWN: outer }
    params: { speed: "2.0", mode: turbo }
    inputs:
      raw_data: { source: sender/value, queue_size: 3 }
  - id: receiver
    path: receiver.py
    inputs:
      filtered: pipeline/filtered
`;

Deno.test("modules: ids prefixed, ports and siblings wired, paths from the module's folder", async () => {
  await withScratch(DATAFLOW, FILES, async (s) => {
    const { dataflow, problems } = await s.parse();
    assert.deepEqual(problems, []);
    const ids = dataflow!.nodes.map((n) => n.id);
    assert.deepEqual(ids, ["sender", "pipeline.doubler", "pipeline.filter", "receiver"]);
    const [, doubler, filter, receiver] = dataflow!.nodes;
    assert.equal(doubler!.program, `${s.dir}/modules/doubler.py`);
    assert.equal(filter!.program, `${s.dir}/tools/filter_even.py`);
    assert.deepEqual(doubler!.inputs, {
      data: {
        raw: "sender/value",
        source: { kind: "node", node: "sender", output: "value" },
        queueSize: 3,
      },
    }, "the optional 'config' port is not wired: its input is dropped");
    assert.equal(filter!.inputs.data!.raw, "pipeline.doubler/doubled");
    assert.deepEqual(filter!.inputs.noisy!.source, {
      kind: "logs",
      minLevel: "warn",
      node: "pipeline.doubler",
    });
    assert.equal(receiver!.inputs.filtered!.raw, "pipeline.filter/filtered");
    // params: in args (both spellings) and as PARAM_* over the node's own env.
    assert.deepEqual(doubler!.args, ["--speed", "2.0", "--mode", "turbo"]);
    assert.deepEqual(doubler!.env, {
      TOP: "top",
      FROM_MODULE_NODE: "yes",
      OWN: "inner",
      PARAM_SPEED: "2.0",
      PARAM_MODE: "turbo",
    });
    // The module's build runs before each inner node's own.
    assert.deepEqual(doubler!.build, ["pip install -r requirements.txt"]);
    assert.deepEqual(filter!.build, ["pip install -r requirements.txt", "pip install numpy"]);
    // Nodes get the flat file (`dataflow_descriptor()`), where each finds its own entry.
    const descriptor = dataflow!.descriptor as { env: unknown; nodes: { id: string }[] };
    assert.deepEqual(descriptor.env, { TOP: "top" });
    assert.deepEqual(descriptor.nodes.map((n) => n.id), ids);
  });
});

Deno.test("modules: dora expand prints the flat dataflow", async () => {
  await withScratch(DATAFLOW, FILES, async (s) => {
    const result = await expandDataflow(s.file, { env: { PATH: "/bin" } });
    assert.deepEqual(result.problems, []);
    assert.equal(
      result.yaml,
      `env:
  TOP: top
nodes:
  - id: sender
    path: sender.py
    outputs:
      - value
  - id: pipeline.doubler
    path: modules/doubler.py
    args: --speed 2.0 --mode turbo
    env:
      FROM_MODULE_NODE: yes
      OWN: inner
      PARAM_SPEED: "2.0"
      PARAM_MODE: turbo
    inputs:
      data:
        source: sender/value
        queue_size: 3
    outputs:
      - doubled
    build: pip install -r requirements.txt
  - id: pipeline.filter
    path: tools/filter_even.py
    build: |-
      pip install -r requirements.txt
      pip install numpy
    inputs:
      data: pipeline.doubler/doubled
      noisy: dora/logs/warn/pipeline.doubler
    outputs:
      - filtered
    env:
      FROM_MODULE_NODE: yes
      OWN: outer
      PARAM_SPEED: "2.0"
      PARAM_MODE: turbo
  - id: receiver
    path: receiver.py
    inputs:
      filtered: pipeline.filter/filtered
`,
    );
  });
});

Deno.test("modules: nested modules get fully qualified ids; only declared outputs are seen", async () => {
  const files = {
    "a.py": "",
    "b.py": "",
    "mods/outer.yml": `module:
  name: outer
  inputs: [data]
  outputs: [result]
nodes:
  - id: inner
    module: inner.yml
    inputs:
      raw: _mod/data
  - id: post
    path: post.py
    inputs:
      data: inner/processed
    outputs: [result]
`,
    "mods/inner.yml": `module:
  name: inner
  inputs: [raw]
  outputs: [processed]
nodes:
  - id: work
    path: work.py
    inputs: { raw: _mod/raw }
    outputs: [processed, private]
`,
    "mods/post.py": "",
    "mods/work.py": "",
  };
  const yaml = `nodes:
  - { id: a, path: a.py, outputs: [out] }
  - id: top
    module: mods/outer.yml
    inputs: { data: a/out }
  - id: b
    path: b.py
    inputs: { r: top/result }
`;
  await withScratch(yaml, files, async (s) => {
    const { dataflow, problems } = await s.parse();
    assert.deepEqual(problems, []);
    const byId = Object.fromEntries(dataflow!.nodes.map((n) => [n.id, n]));
    assert.deepEqual(Object.keys(byId), ["a", "top.inner.work", "top.post", "b"]);
    assert.equal(byId["top.inner.work"]!.inputs.raw!.raw, "a/out");
    assert.equal(byId["top.post"]!.inputs.data!.raw, "top.inner.work/processed");
    assert.equal(byId.b!.inputs.r!.raw, "top.post/result");
  });
  const hidden = await problemsOf(
    yaml.replace("r: top/result", "r: top/private"),
    files,
  );
  assert.deepEqual(hidden, [
    "dataflow.yml:8:18: module node 'top' has no output 'private' (its outputs: result)",
  ]);
});

Deno.test("modules: wiring problems are reported where they are written", async () => {
  const files = {
    "a.py": "",
    "m.yml": `module:
  name: m
  inputs: [x, y]
  outputs: [out, none, twice]
  version: 2
nodes:
  - id: one
    path: one.py
    args: --k \${_param.z}
    inputs: { i: _mod/x, j: _mod/zz }
    outputs: [out, twice]
  - id: two
    path: two.py
    outputs: [twice]
`,
    "one.py": "",
    "two.py": "",
  };
  const problems = await withScratch(
    `nodes:
  - { id: a, path: a.py, outputs: [o] }
  - id: m
    module: m.yml
    path: a.py
    inputs: { x: a/o, w: a/o }
    params: { "bad-key": 1, k: 1, K: 2 }
  - id: c
    module: missing.yml
  - id: d
    module: /abs/m.yml
  - id: e
    module: ../outside.yml
`,
    files,
    async (s) =>
      (await s.problems()).map((line) =>
        line.replace(`${s.dir.replace(/\/[^/]+$/, "")}/`, "PARENT/").replace(s.dir, "DIR")
      ),
  );
  assert.deepEqual(problems, [
    "dataflow.yml:3:5: module node 'm' does not wire input 'y' of module 'm': add " +
    "'y: <node>/<output>' to its inputs",
    "dataflow.yml:5:5: 'path' does not apply to module node 'm': a module node has no program " +
    "of its own (set it on the module's inner nodes)",
    "dataflow.yml:6:23: module 'm' has no input 'w' (did you mean 'x'?)",
    "dataflow.yml:7:15: invalid param name 'bad-key': use letters, digits and '_'",
    "dataflow.yml:7:35: params 'k' and 'K' of node 'm' both become PARAM_K",
    "dataflow.yml:9:13: module file not found: 'missing.yml' (no file at missing.yml)",
    "dataflow.yml:11:13: module path '/abs/m.yml' must be relative (to the file that names it)",
    "dataflow.yml:13:13: module file not found: '../outside.yml' (no file at PARENT/outside.yml)",
    "m.yml:4:18: module 'm' declares output 'none', but no inner node sends it",
    "m.yml:4:24: module output 'twice' is sent by m.one and m.two: exactly one inner node may " +
    "produce it (rename the one that is not exported)",
    "m.yml:5:3: unknown key 'version' in the module header",
    "m.yml:9:11: '${_param.z}' names param 'z', which module node 'm' does not pass",
    "m.yml:10:29: '_mod/zz' is not an input of module 'm' (declare it in 'inputs' or " +
    "'inputs_optional' of the header)",
  ]);
});

Deno.test("modules: cycles and modules outside the dataflow's folder are refused", async () => {
  const cyclic = await problemsOf(
    `nodes:
  - { id: a, module: m/a.yml }
`,
    {
      "m/a.yml": "module: { name: a }\nnodes:\n  - { id: b, module: b.yml }\n",
      "m/b.yml": "module: { name: b }\nnodes:\n  - { id: a, module: a.yml }\n",
    },
  );
  assert.deepEqual(cyclic, [
    "m/b.yml:3:22: module 'a.yml' includes itself (a cycle of module files)",
  ]);
  await withScratch("nodes:\n  - { id: a, module: up.yml }\n", {}, async (s) => {
    const outside = await Deno.makeTempFile({ suffix: ".yml" });
    try {
      await Deno.symlink(outside, `${s.dir}/up.yml`);
      const lines = formatProblems((await s.parse()).problems).replaceAll(`${s.dir}/`, "");
      assert.match(
        lines,
        /^dataflow\.yml:2:22: module 'up\.yml' lies outside the dataflow's folder/,
      );
    } finally {
      await Deno.remove(outside);
    }
  });
});

Deno.test("modules: a module file checked on its own (expand --module)", async () => {
  await withScratch("nodes: []\n", FILES, async (s) => {
    const good = await checkModuleFile(`${s.dir}/modules/transform.yml`, { env: { PATH: "/bin" } });
    assert.deepEqual(good.problems, []);
    await Deno.writeTextFile(
      `${s.dir}/modules/bad.yml`,
      "module:\n  name: bad\n  outputs: [o]\nnodes:\n  - { id: n, path: doubler.py, inputs: { i: _mod/q } }\n",
    );
    const bad = await checkModuleFile(`${s.dir}/modules/bad.yml`, { env: { PATH: "/bin" } });
    assert.deepEqual(
      formatProblems(bad.problems).replaceAll(`${s.dir}/`, "").split("\n"),
      [
        "modules/bad.yml:3:13: module 'bad' declares output 'o', but no inner node sends it",
        "modules/bad.yml:5:45: '_mod/q' is not an input of module 'bad' (declare it in 'inputs' " +
        "or 'inputs_optional' of the header)",
      ],
    );
  });
});

Deno.test("modules: a module file given as a dataflow says what it is", async () => {
  assert.deepEqual(await problemsOf(TRANSFORM, {}), [
    "dataflow.yml:1:1: this is a module file (it has a 'module:' header), not a dataflow: check " +
    "it with 'dora expand --module FILE', or use it from a dataflow node with 'module: FILE'",
  ]);
});
