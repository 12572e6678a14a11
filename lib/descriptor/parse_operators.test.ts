import assert from "node:assert/strict";
import { problemsOf, withScratch } from "./_test_helpers.ts";

const STUBS = { "a.py": "print(1)\n", "op.py": "class Operator: pass\n" };

Deno.test("operators: single and multiple Python operators become one node process each", async () => {
  await withScratch(
    `nodes:
  - id: src
    path: a.py
    outputs: [tick]
  - id: single
    env: { MODE: fast }
    restart_policy: on-failure
    operator:
      python: op.py
      inputs:
        t: src/tick
      outputs: [out]
  - id: runtime
    build: echo node-level
    operators:
      - id: first
        python: { source: op.py, conda_env: robot }
        build: echo first
        inputs:
          x: single/out
        outputs: [status, text]
        send_stdout_as: text
      - id: second
        python: ./op.py
        inputs:
          s: runtime/first/status
        outputs: [done]
  - id: sink
    path: a.py
    inputs:
      a: runtime/second/done
      b: { source: single/out, queue_size: 3 }
`,
    STUBS,
    async (s) => {
      const { dataflow, problems } = await s.parse();
      assert.deepEqual(problems, []);
      const byId = new Map(dataflow!.nodes.map((n) => [n.id, n]));
      assert.deepEqual([...byId.keys()], [
        "src",
        "single",
        "runtime.first",
        "runtime.second",
        "sink",
      ]);
      const single = byId.get("single")!;
      assert.equal(single.kind, "python");
      assert.equal(single.program, `${s.dir}/op.py`);
      assert.deepEqual(single.operator, { node: "single", id: "single", source: `${s.dir}/op.py` });
      assert.deepEqual(single.env, { MODE: "fast" });
      assert.equal(single.restartPolicy, "on-failure");
      assert.deepEqual(single.outputs, ["out"]);
      const first = byId.get("runtime.first")!;
      assert.deepEqual(first.operator, {
        node: "runtime",
        id: "first",
        source: `${s.dir}/op.py`,
        condaEnv: "robot",
      });
      assert.deepEqual(first.build, ["echo node-level", "echo first"]);
      assert.equal(first.sendStdoutAs, "text");
      assert.deepEqual(byId.get("runtime.second")!.build, []);
      // `<node>/<operator>/<output>` reaches the operator's own process.
      assert.deepEqual(byId.get("runtime.second")!.inputs.s!.source, {
        kind: "node",
        node: "runtime.first",
        output: "status",
      });
      const sink = byId.get("sink")!;
      assert.deepEqual(sink.inputs.a!.source, {
        kind: "node",
        node: "runtime.second",
        output: "done",
      });
      assert.equal(sink.inputs.a!.raw, "runtime/second/done");
      assert.deepEqual(sink.inputs.b!.source, { kind: "node", node: "single", output: "out" });
      assert.equal(sink.inputs.b!.queueSize, 3);
    },
  );
});

Deno.test("operators: problems are named, unsupported kinds say what to do instead", async () => {
  assert.deepEqual(
    await problemsOf(
      `nodes:
  - id: src
    path: a.py
    outputs: [tick]
  - id: runtime
    operators:
      - id: native
        shared-library: ../target/op
        inputs:
          y: src/nope
      - python: op.py
      - id: web
        wasm: op.wasm
      - id: missing
        python: gone.py
        outputs: [o]
        output_metadata: { p: [frame] }
  - id: runtime.clash
    path: a.py
  - id: other
    operators:
      - id: clash
        python: op.py
  - id: runtime.clash2
    path: a.py
`,
      STUBS,
    ),
    [
      "dataflow.yml:8:9: shared-library operators are not supported by dora for Deno: write " +
      "the operator in Python (python: my_operator.py), or build it as an executable node and " +
      "give its 'path'",
      "dataflow.yml:10:14: input 'y' comes from output 'nope' of node 'src', which has no such " +
      "output (its outputs: tick)",
      "dataflow.yml:11:9: an operator of node 'runtime' has no 'id'",
      "dataflow.yml:13:9: WebAssembly operators are not supported by dora for Deno: write the " +
      "operator in Python (python: my_operator.py), or build it as an executable node and " +
      "give its 'path'",
      "dataflow.yml:17:28: output 'p' (in output_metadata) is not one of this operator's outputs " +
      "(add it to 'outputs')",
    ],
  );
  assert.deepEqual(
    await problemsOf(
      `nodes:
  - id: runtime
    operators:
      - id: clash
        python: op.py
      - id: missing
        python: gone.py
  - id: runtime.clash
    path: a.py
  - id: one
    operator:
      python: a.txt
`,
      { ...STUBS, "a.txt": "" },
    ),
    [
      "dataflow.yml:4:13: operator 'clash' of node 'runtime' runs as node 'runtime.clash', " +
      "which is also the id of another node: rename one of them",
      "dataflow.yml:7:17: source file not found: 'gone.py' (no file at gone.py)",
      "dataflow.yml:12:15: 'python' must name a Python file (.py), found 'a.txt'",
    ],
  );
});

Deno.test("operators: their own log settings over the node's, their log outputs unlisted", async () => {
  await withScratch(
    `nodes:
  - id: single
    min_log_level: debug
    max_rotated_files: 7
    operator:
      python: op.py
      send_logs_as: logs
      max_log_size: 1MB
  - id: runtime
    max_log_size: 2MB
    operators:
      - id: first
        python: op.py
        send_logs_as: records
        send_stdout_as: lines
        min_log_level: warn
        max_rotated_files: 2
      - id: second
        python: op.py
  - id: sink
    path: a.py
    inputs:
      a: single/logs
      b: runtime/first/records
      c: runtime/first/lines
`,
    STUBS,
    async (s) => {
      const { dataflow, problems } = await s.parse();
      assert.deepEqual(problems, []);
      const byId = new Map(dataflow!.nodes.map((n) => [n.id, n]));
      assert.deepEqual(byId.get("single")!.logs, {
        minLevel: "debug",
        maxRotatedFiles: 7,
        sendLogsAs: "logs",
        maxBytes: 1024 * 1024,
      });
      assert.deepEqual(byId.get("runtime.first")!.logs, {
        maxBytes: 2 * 1024 * 1024,
        minLevel: "warn",
        sendLogsAs: "records",
        maxRotatedFiles: 2,
      });
      assert.equal(byId.get("runtime.first")!.sendStdoutAs, "lines");
      assert.deepEqual(byId.get("runtime.second")!.logs, { maxBytes: 2 * 1024 * 1024 });
      const sink = byId.get("sink")!;
      assert.deepEqual(sink.inputs.a!.source, { kind: "node", node: "single", output: "logs" });
      assert.deepEqual(sink.inputs.b!.source, {
        kind: "node",
        node: "runtime.first",
        output: "records",
      });
      assert.deepEqual(sink.inputs.c!.source, {
        kind: "node",
        node: "runtime.first",
        output: "lines",
      });
    },
  );
  assert.deepEqual(
    await problemsOf(
      `nodes:
  - id: runtime
    send_logs_as: logs
    operators:
      - id: first
        python: op.py
        min_log_level: loud
        max_rotated_files: 0
        output_types: { o: std/core/v1/String }
`,
      STUBS,
    ),
    [
      "dataflow.yml:3:5: 'send_logs_as' of a node with 'operators' has no single process to take " +
      "it from (each operator runs as its own): set it on the operator whose output it is",
      "dataflow.yml:7:24: invalid min_log_level 'loud': expected stdout, trace, debug, info, warn " +
      "or error",
      "dataflow.yml:8:28: 'max_rotated_files' must be a whole number from 1 to 100, found 0",
    ],
  );
});

Deno.test("sources dora for Deno does not run: git, hub and ros2", async () => {
  assert.deepEqual(
    await problemsOf(
      `nodes:
  - id: fetched
    git: https://github.com/dora-rs/dora.git
    branch: main
    tag: v1
    path: target/debug/node
  - id: lonely
    path: a.py
    rev: abc123
  - id: yolo
    hub: dora-yolo@^0.5
    outputs: [bbox]
  - id: bridge
    ros2:
      topic: /camera/image_raw
      message_type: sensor_msgs/Image
      direction: subscribe
    outputs: [image]
`,
      STUBS,
    ),
    [
      "dataflow.yml:3:5: 'git' sources are not supported by dora for Deno: clone the " +
      "repository yourself (git clone, or a 'build' line) and point 'path' at the program in " +
      "the clone",
      "dataflow.yml:5:5: give only one of 'branch', 'tag' and 'rev'",
      "dataflow.yml:9:5: 'rev' only applies together with 'git'",
      "dataflow.yml:11:5: hub packages ('hub:') are not supported by dora for Deno: install " +
      "the node yourself (e.g. 'build: pip install <package>') and point 'path' at its program",
      "dataflow.yml:14:5: ROS 2 bridge nodes ('ros2:') are not supported by dora for Deno: " +
      "write a Python node with 'path' that uses rclpy to publish or subscribe, and send what " +
      "it receives as outputs",
    ],
  );
});
