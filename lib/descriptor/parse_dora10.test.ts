/** dora 1.0's keys: what each resolves to, the problems of bad values, and the notes. */
import assert from "node:assert/strict";
import { problemsOf, withScratch } from "./_test_helpers.ts";
import { formatProblems } from "./mod.ts";

const STUBS = { "a.py": "", "b.py": "", "c.py": "" };

Deno.test("dora 1.0 keys resolve onto the node, the inputs and the dataflow", async () => {
  const yaml = `health_check_interval: 0.5
exit_when_nodes_finish: true
strict_types: true
type_rules:
  - { from: my/v1/A, to: my/v1/B }
nodes:
  - id: a
    path: a.py
    inputs:
      tick: dora/timer/millis/100
    outputs: [out, raw]
    output_types: { out: my/v1/A }
    restart_policy: on-failure
    max_restarts: 3
    restart_delay: 0.5
    max_restart_delay: 4
    restart_window: 60
    health_check_timeout: 2.5
    finish_grace_secs: 1
    min_log_level: Info
    send_logs_as: logs
    send_stdout_as: raw
    max_log_size: 1KB
    max_rotated_files: 2
    cpu_affinity: [1, 0, 1]
    output_metadata: { out: [request_id] }
    pattern: service-server
  - id: b
    path: b.py
    inputs:
      x:
        source: a/out
        queue_size: 4
        queue_policy: backpressure
        input_timeout: 1.5
      all: dora/logs
      errors: dora/logs/error
      mine: dora/logs/warning/a
      entries: a/logs
    input_types: { x: my/v1/B }
`;
  await withScratch(yaml, STUBS, async (s) => {
    const { dataflow, problems, notes } = await s.parse();
    assert.deepEqual(problems, []);
    assert.deepEqual(notes, []);
    assert.equal(dataflow!.healthCheckIntervalMs, 500);
    assert.equal(dataflow!.exitWhenNodesFinish, true);
    const [a, b] = dataflow!.nodes;
    assert.deepEqual(a!.restart, {
      maxRestarts: 3,
      delayMs: 500,
      maxDelayMs: 4000,
      windowMs: 60000,
    });
    assert.equal(a!.healthCheckTimeoutMs, 2500);
    assert.equal(a!.finishGraceMs, 1000);
    assert.deepEqual(a!.logs, {
      minLevel: "info",
      sendLogsAs: "logs",
      maxBytes: 1024,
      maxRotatedFiles: 2,
    });
    assert.deepEqual(a!.cpuAffinity, [1, 0]);
    assert.deepEqual(a!.outputTypes, { out: "my/v1/A" });
    assert.deepEqual(a!.outputs, ["out", "raw"]);
    assert.deepEqual(b!.inputTypes, { x: "my/v1/B" });
    assert.deepEqual(b!.inputs.x, {
      raw: "a/out",
      source: { kind: "node", node: "a", output: "out" },
      queueSize: 4,
      queuePolicy: "backpressure",
      timeoutMs: 1500,
    });
    assert.deepEqual(b!.inputs.all!.source, { kind: "logs" });
    assert.deepEqual(b!.inputs.errors!.source, { kind: "logs", minLevel: "error" });
    assert.deepEqual(b!.inputs.mine!.source, { kind: "logs", minLevel: "warn", node: "a" });
    assert.deepEqual(b!.inputs.entries!.source, { kind: "node", node: "a", output: "logs" });
  });
});

Deno.test("keys without effect here are accepted, each with a note", async () => {
  const yaml = `deploy: { machine: robot }
debug: { enable_debug_inspection: true }
nodes:
  - id: a
    path: a.py
    outputs: [img]
    output_framing: { img: arrow-ipc }
    shared_memory_pool_size: 128MB
    deploy: { machine: gpu, labels: { gpu: "true" }, distribute: scp, working_dir: /opt }
`;
  await withScratch(yaml, STUBS, async (s) => {
    const { dataflow, problems, notes } = await s.parse();
    assert.deepEqual(problems, []);
    assert.ok(dataflow);
    assert.deepEqual(formatProblems(notes).split("\n").map((l) => l.replaceAll(`${s.dir}/`, "")), [
      "dataflow.yml:1:1: 'deploy' has no effect here: dora for Deno runs every node on this machine",
      "dataflow.yml:2:1: 'debug' has no effect here: there are no debug topics to enable in dora " +
      "for Deno",
      "dataflow.yml:7:5: 'output_framing' has no effect here: every message already carries its " +
      "value's type",
      "dataflow.yml:8:5: 'shared_memory_pool_size' has no effect here: large payloads use reused " +
      "shared-memory files (see DORA_SHM_THRESHOLD)",
      "dataflow.yml:9:5: 'deploy' has no effect here: dora for Deno runs every node on this machine",
    ]);
  });
});

Deno.test("bad values of dora 1.0 keys: each problem names the key and what it expects", async () => {
  const problems = await problemsOf(
    `health_check_interval: soon
exit_when_nodes_finish: yes please
type_rules: [{ from: a/b }]
nodes:
  - id: a
    path: a.py
    outputs: [out]
    max_restarts: -1
    restart_delay: "1s"
    restart_window: 0
    health_check_timeout: -2
    min_log_level: verbose
    max_log_size: huge
    max_rotated_files: 500
    cpu_affinity: [0, x, 4096]
    pattern: pubsub
    output_types: { out: "my type", ghost: a/b }
    output_metadata: { nope: [k] }
    path_sha256: abc
    params: { a: 1 }
    inputs:
      q: { source: a/out, queue_policy: drop_newest }
    input_types: { z: a/b }
`,
    STUBS,
  );
  assert.deepEqual(problems, [
    "dataflow.yml:1:24: 'health_check_interval' must be a number of seconds (e.g. 1.5), found " +
    "a string 'soon'",
    "dataflow.yml:2:25: 'exit_when_nodes_finish' must be true or false, found a string",
    "dataflow.yml:3:14: a type rule needs both 'from' and 'to'",
    "dataflow.yml:8:19: 'max_restarts' must be a whole number 0 or more, found -1",
    "dataflow.yml:9:20: 'restart_delay' must be a number of seconds (e.g. 1.5), found a string '1s'",
    "dataflow.yml:10:21: 'restart_window' must be more than zero seconds, found 0",
    "dataflow.yml:11:27: 'health_check_timeout' must be more than zero seconds, found -2",
    "dataflow.yml:12:20: invalid min_log_level 'verbose': expected stdout, trace, debug, info, " +
    "warn or error",
    'dataflow.yml:13:19: invalid max_log_size \'huge\': expected a size like "50MB" or "1GB", or a ' +
    "number of bytes",
    "dataflow.yml:14:24: 'max_rotated_files' must be a whole number from 1 to 100, found 500",
    "dataflow.yml:15:23: a CPU core must be a whole number from 0, found a string 'x'",
    "dataflow.yml:15:26: CPU core 4096 is out of range (cores are numbered below 1024)",
    "dataflow.yml:16:14: invalid pattern 'pubsub': expected service-server, service-client, " +
    "action-server, action-client",
    "dataflow.yml:17:26: invalid type 'my type': a type URN has no spaces",
    "dataflow.yml:17:37: output 'ghost' (in output_types) is not one of this node's outputs " +
    "(add it to 'outputs')",
    "dataflow.yml:18:24: output 'nope' (in output_metadata) is not one of this node's outputs " +
    "(add it to 'outputs')",
    "dataflow.yml:19:18: 'path_sha256' must be 64 hexadecimal digits, found 'abc'",
    "dataflow.yml:20:5: 'params' only applies to a module node (one with 'module:')",
    "dataflow.yml:22:41: invalid queue_policy 'drop_newest': expected drop_oldest or " +
    "backpressure (did you mean 'drop_oldest'?)",
    "dataflow.yml:23:20: input_types names input 'z', which this node does not have",
  ]);
});

Deno.test("connected types must match: widening and type_rules allow, anything else is a problem", async () => {
  const problems = await problemsOf(
    `type_rules:
  - { from: my/v1/Celsius, to: my/v1/Temperature }
nodes:
  - id: a
    path: a.py
    outputs: [f32, img, c, audio]
    output_types:
      f32: std/core/v1/Float32
      img: std/media/v1/Image
      c: my/v1/Celsius
      audio: "std/media/v1/AudioFrame[sample_type=f32]"
  - id: b
    path: b.py
    inputs:
      wide: a/f32
      wrong: a/img
      ruled: a/c
      audio: a/audio
      tick: dora/timer/millis/10
      untyped: a/img
    input_types:
      wide: std/core/v1/Float64
      wrong: std/core/v1/Float64
      ruled: my/v1/Temperature
      audio: "std/media/v1/AudioFrame[sample_type=i16]"
      tick: std/core/v1/String
`,
    STUBS,
  );
  assert.deepEqual(problems, [
    "dataflow.yml:16:14: type mismatch on input 'wrong': a/img sends std/media/v1/Image, but " +
    "input_types expects std/core/v1/Float64 (no built-in widening or type_rules entry converts " +
    "one into the other)",
    "dataflow.yml:18:14: type mismatch on input 'audio': a/audio sends " +
    "std/media/v1/AudioFrame[sample_type=f32], but input_types expects " +
    "std/media/v1/AudioFrame[sample_type=i16] (parameter 'sample_type' differs (f32 vs i16))",
    "dataflow.yml:19:13: type mismatch on input 'tick': the timer dora/timer/millis/10 sends " +
    "std/core/v1/UInt64, but input_types expects std/core/v1/String (no built-in widening or " +
    "type_rules entry converts one into the other)",
  ]);
});

Deno.test("dora/logs of a node that does not exist; unsupported sources are named", async () => {
  const problems = await problemsOf(
    `nodes:
  - id: a
    path: a.py
    inputs:
      logs: dora/logs/info/sensr
  - id: sensor
    path: b.py
  - id: hub-node
    hub: dora-yolo@^0.5
  - id: bridge
    ros2: { topic: /cmd_vel, message_type: geometry_msgs/Twist }
`,
    STUBS,
  );
  assert.deepEqual(problems, [
    "dataflow.yml:5:13: input 'logs' listens to the logs of node 'sensr', which does not exist " +
    "(did you mean 'sensor'?)",
    "dataflow.yml:9:5: hub packages ('hub:') are not supported by dora for Deno: install the " +
    "node yourself (e.g. 'build: pip install <package>') and point 'path' at its program",
    "dataflow.yml:11:5: ROS 2 bridge nodes ('ros2:') are not supported by dora for Deno: write a " +
    "Python node with 'path' that uses rclpy to publish or subscribe, and send what it receives " +
    "as outputs",
  ]);
});

Deno.test("path_sha256 is checked against the node's file", async () => {
  const digest = async (text: string) =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
  const good = await digest("print(1)\n");
  const files = { "a.py": "print(1)\n", "b.py": "print(2)\n" };
  const problems = await problemsOf(
    `nodes:
  - { id: a, path: a.py, path_sha256: ${good.toUpperCase()} }
  - { id: b, path: b.py, path_sha256: ${good} }
`,
    files,
  );
  assert.deepEqual(problems, [
    `dataflow.yml:3:39: 'b.py' does not match path_sha256: its SHA-256 is ${await digest(
      "print(2)\n",
    )}`,
  ]);
});

Deno.test("env values read from the host with __dora_env", async () => {
  await withScratch(
    `nodes:
  - id: a
    path: a.py
    env:
      FROM_HOST: { __dora_env: HOST_VAR }
      MISSING: { __dora_env: NOT_SET }
`,
    STUBS,
    async (s) => {
      const { dataflow } = await s.parse({ PATH: "/bin", HOST_VAR: "hello" });
      assert.deepEqual(dataflow!.nodes[0]!.env, { FROM_HOST: "hello", MISSING: "" });
    },
  );
});
