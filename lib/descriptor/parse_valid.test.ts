import assert from "node:assert/strict";
import { relative } from "node:path";
import { withScratch } from "./_test_helpers.ts";
import type { Dataflow, NodeSpec } from "./mod.ts";

const STUBS = {
  "camera.py": "print('camera')\n",
  "nodes/detector.ts": "console.log('detector');\n",
  "plot.mjs": "console.log('plot');\n",
  "bin/mytool*": "#!/bin/sh\necho tool\n",
  "local-exe*": "#!/bin/sh\necho local\n",
};

async function parsed(
  yaml: string,
  files: Record<string, string> = STUBS,
  env?: Record<string, string>,
) {
  return await withScratch(yaml, files, async (s) => {
    const result = await s.parse(env && { PATH: `${s.dir}/bin`, ...env });
    assert.deepEqual(result.problems, [], "expected no problems");
    return { dataflow: result.dataflow!, dir: s.dir };
  });
}

function node(
  partial: Partial<NodeSpec> & Pick<NodeSpec, "id" | "path" | "kind" | "program" | "position">,
): NodeSpec {
  return {
    args: [],
    env: {},
    build: [],
    inputs: {},
    outputs: [],
    ...partial,
  };
}

Deno.test("parseDataflow resolves every node kind, field and default exactly", async () => {
  const yaml = `nodes:
  - id: camera
    path: ./camera.py
    args: --fps "30" --name 'front cam'
    env:
      CAPTURE_PATH: 0
      RATIO: 1.50
      VERBOSE: true
      DATA: $HOME/data
      MISSING: "[\${NOPE}]"
    build: |
      pip install -r requirements.txt

      pip install -e .
    inputs:
      tick: dora/timer/millis/50
    outputs:
      - image
      - log
    send_stdout_as: log
    restart_policy: no
    cpu_limit: 1.5
    memory_limit: 512M
  - id: detector
    path: nodes/detector.ts
    args: [--threshold, 0.5, true]
    inputs:
      image: camera/image
      slow:
        source: camera/image
        queue_size: 2
      beat: dora/timer/hz/4
      every: dora/timer/secs/2
    outputs: [bbox]
    restart_policy: on-failure
    memory_limit: 1048576
  - id: plot
    path: plot.mjs
    inputs:
      bbox: detector/bbox
    restart_policy: always
    deploy:
      machine: robot-b
  - id: tool
    path: mytool
  - id: local
    path: local-exe
  - id: sh
    path: shell
    args: echo "hi there" && sleep 1
  - id: viewer
    path: dynamic
    inputs:
      image: {source: camera/image, queue_size: 1}
`;
  const { dataflow, dir } = await parsed(yaml, STUBS, { HOME: "/home/robot" });
  const expected: Dataflow = {
    file: `${dir}/dataflow.yml`,
    dir,
    nodes: [
      node({
        id: "camera",
        path: "./camera.py",
        kind: "python",
        program: `${dir}/camera.py`,
        args: ["--fps", "30", "--name", "front cam"],
        env: {
          CAPTURE_PATH: "0",
          RATIO: "1.50",
          VERBOSE: "true",
          DATA: "/home/robot/data",
          MISSING: "[]",
        },
        build: ["pip install -r requirements.txt", "pip install -e ."],
        inputs: {
          tick: {
            raw: "dora/timer/millis/50",
            source: { kind: "timer", intervalMs: 50 },
            queueSize: 10,
          },
        },
        outputs: ["image", "log"],
        sendStdoutAs: "log",
        restartPolicy: "never",
        limits: { cpu: 1.5, memoryBytes: 512 * 1024 * 1024 },
        position: { line: 2, col: 5 },
      }),
      node({
        id: "detector",
        path: "nodes/detector.ts",
        kind: "deno",
        program: `${dir}/nodes/detector.ts`,
        args: ["--threshold", "0.5", "true"],
        inputs: {
          image: {
            raw: "camera/image",
            source: { kind: "node", node: "camera", output: "image" },
            queueSize: 10,
          },
          slow: {
            raw: "camera/image",
            source: { kind: "node", node: "camera", output: "image" },
            queueSize: 2,
          },
          beat: {
            raw: "dora/timer/hz/4",
            source: { kind: "timer", intervalMs: 250 },
            queueSize: 10,
          },
          every: {
            raw: "dora/timer/secs/2",
            source: { kind: "timer", intervalMs: 2000 },
            queueSize: 10,
          },
        },
        outputs: ["bbox"],
        restartPolicy: "on-failure",
        limits: { memoryBytes: 1048576 },
        position: { line: 24, col: 5 },
      }),
      node({
        id: "plot",
        path: "plot.mjs",
        kind: "deno",
        program: `${dir}/plot.mjs`,
        inputs: {
          bbox: {
            raw: "detector/bbox",
            source: { kind: "node", node: "detector", output: "bbox" },
            queueSize: 10,
          },
        },
        restartPolicy: "always",
        deploy: { machine: "robot-b" },
        position: { line: 37, col: 5 },
      }),
      node({
        id: "tool",
        path: "mytool",
        kind: "executable",
        program: "mytool",
        position: { line: 44, col: 5 },
      }),
      node({
        id: "local",
        path: "local-exe",
        kind: "executable",
        program: `${dir}/local-exe`,
        position: { line: 46, col: 5 },
      }),
      node({
        id: "sh",
        path: "shell",
        kind: "shell",
        program: "",
        args: ['echo "hi there" && sleep 1'],
        position: { line: 48, col: 5 },
      }),
      node({
        id: "viewer",
        path: "dynamic",
        kind: "dynamic",
        program: "",
        inputs: {
          image: {
            raw: "camera/image",
            source: { kind: "node", node: "camera", output: "image" },
            queueSize: 1,
          },
        },
        position: { line: 51, col: 5 },
      }),
    ],
  };
  const { descriptor, ...resolved } = dataflow;
  assert.deepEqual(resolved, expected);
  // The file itself, as plain data, travels along for the nodes' dataflow_descriptor().
  const nodes = (descriptor as { nodes: Record<string, unknown>[] }).nodes;
  assert.deepEqual(nodes.map((n) => n.id), dataflow.nodes.map((n) => n.id));
  assert.equal(nodes[0]!.args, `--fps "30" --name 'front cam'`);
});

Deno.test("parseDataflow folds the older custom: form into the flat one", async () => {
  const yaml = `nodes:
  - id: rust-node
    env:
      A: from-env
      B: from-env
    custom:
      source: ./camera.py
      args: -v
      envs:
        B: from-envs
      build: cargo build -p rust-node
      inputs:
        tick: dora/timer/millis/300
      outputs:
        - random
  - id: rust-sink
    custom:
      source: local-exe
      inputs:
        message: rust-node/random
`;
  const { dataflow, dir } = await parsed(yaml);
  assert.deepEqual(dataflow.nodes, [
    node({
      id: "rust-node",
      path: "./camera.py",
      kind: "python",
      program: `${dir}/camera.py`,
      args: ["-v"],
      env: { A: "from-env", B: "from-envs" },
      build: ["cargo build -p rust-node"],
      inputs: {
        tick: {
          raw: "dora/timer/millis/300",
          source: { kind: "timer", intervalMs: 300 },
          queueSize: 10,
        },
      },
      outputs: ["random"],
      position: { line: 2, col: 5 },
    }),
    node({
      id: "rust-sink",
      path: "local-exe",
      kind: "executable",
      program: `${dir}/local-exe`,
      inputs: {
        message: {
          raw: "rust-node/random",
          source: { kind: "node", node: "rust-node", output: "random" },
          queueSize: 10,
        },
      },
      position: { line: 16, col: 5 },
    }),
  ]);
});

Deno.test("parseDataflow: top-level env and deploy reach every node; the node's own win", async () => {
  const yaml = `env:
  RUST_LOG: info
  SHARED: yes
_unstable_deploy:
  machine: robot-a
communication:
  _unstable_local: shmem
_unstable_debug:
  publish_all_messages_to_zenoh: true
nodes:
  - id: a
    path: camera.py
    env:
      RUST_LOG: debug
  - id: b
    path: camera.py
    _unstable_deploy:
      machine: robot-b
`;
  const { dataflow } = await parsed(yaml);
  assert.deepEqual(dataflow.nodes.map((n) => [n.id, n.env, n.deploy]), [
    ["a", { RUST_LOG: "debug", SHARED: "yes" }, { machine: "robot-a" }],
    ["b", { RUST_LOG: "info", SHARED: "yes" }, { machine: "robot-b" }],
  ]);
});

Deno.test("parseDataflow: a node with build may name a program that does not exist yet", async () => {
  const yaml = `nodes:
  - id: camera
    build: pip install opencv-video-capture
    path: opencv-video-capture
    outputs: [image]
  - id: sink
    build: cargo build -p sink
    path: ../../target/debug/sink
    inputs:
      image: camera/image
    outputs:
`;
  const { dataflow, dir } = await parsed(yaml);
  assert.deepEqual(dataflow.nodes.map((n) => [n.kind, n.program, n.outputs]), [
    ["executable", "opencv-video-capture", ["image"]],
    ["executable", `${dir.split("/").slice(0, -2).join("/")}/target/debug/sink`, []],
  ]);
});

Deno.test("parseDataflow: anchors and aliases resolve like the values they name", async () => {
  const yaml = `x-common: &common
  LEVEL: 3
nodes:
  - id: a
    path: camera.py
    env: *common
    outputs: &outs [out]
  - id: b
    path: camera.py
    outputs: *outs
`;
  const problems = await withScratch(yaml, STUBS, (s) => s.problems());
  // The anchor's holder is an unknown top-level key: dora refuses it too.
  assert.deepEqual(problems, [
    "dataflow.yml:1:1: unknown key 'x-common' at the top level",
  ]);
  const { dataflow } = await parsed(
    yaml.replace("x-common: &common\n  LEVEL: 3\n", "env: &common\n  LEVEL: 3\n"),
  );
  assert.deepEqual(dataflow.nodes.map((n) => [n.env, n.outputs]), [
    [{ LEVEL: "3" }, ["out"]],
    [{ LEVEL: "3" }, ["out"]],
  ]);
});

Deno.test("parseDataflow: env expansion falls back to this process's environment", async () => {
  const yaml = `nodes:
  - id: a
    path: camera.py
    env:
      WHERE: $DORA_DESCRIPTOR_TEST_VAR
`;
  Deno.env.set("DORA_DESCRIPTOR_TEST_VAR", "from-process");
  try {
    await withScratch(yaml, STUBS, async (s) => {
      const { parseDataflow } = await import("./mod.ts");
      const result = await parseDataflow(s.file);
      assert.deepEqual(result.dataflow?.nodes[0]?.env, { WHERE: "from-process" });
    });
  } finally {
    Deno.env.delete("DORA_DESCRIPTOR_TEST_VAR");
  }
});

Deno.test("parseDataflow: a relative file name resolves against the working directory", async () => {
  await withScratch("nodes:\n  - id: a\n    path: camera.py\n", STUBS, async (s) => {
    const { parseDataflow } = await import("./mod.ts");
    const result = await parseDataflow(relative(Deno.cwd(), s.file), { env: {} });
    assert.equal(result.dataflow?.file, s.file);
    assert.equal(result.dataflow?.dir, s.dir);
  });
});
