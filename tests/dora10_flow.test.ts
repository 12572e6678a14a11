/**
 * dora 1.0's data-flow keys and CLI spellings end to end, through the real CLI: backpressure
 * and drop_oldest queues, `exit_when_nodes_finish` (YAML and flags), modules and `dora expand`,
 * `cpu_affinity`, `run --stop-after`, `run --uv`, and a type mismatch reported by `check`.
 */
import assert from "node:assert/strict";
import { dora, pollUntil, ROOT } from "./helpers.ts";
import { listJson } from "./daemon_helpers.ts";
import {
  eventsIn,
  FIX,
  linesOf,
  runFlow,
  startFlow,
  withHome,
  writeFlow,
} from "./dora10_helpers.ts";

const QUEUES = `nodes:
  - { id: flood, path: $DP/flood.py, args: "40", outputs: [out] }
  - id: lossless
    path: $FIX/events.py
    args: "0.02"
    inputs: { in: { source: flood/out, queue_size: 5, queue_policy: backpressure } }
  - id: lossy
    path: $FIX/events.py
    args: "0.02"
    inputs: { in: { source: flood/out, queue_size: 5, queue_policy: drop_oldest } }
`;

const received = (lines: string[]) =>
  eventsIn(lines).filter((e) => e.type === "INPUT").map((e) => (e.value as { i: number }).i);

Deno.test("queue_policy: backpressure loses nothing within its cap; drop_oldest drops", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, QUEUES);
    const res = await runFlow(home, file);
    // 40 messages sent at once into a queue of 5: backpressure holds up to 50.
    assert.deepEqual(received(linesOf(res.stdout, "lossless")), [...Array(40).keys()]);
    const lossy = received(linesOf(res.stdout, "lossy"));
    assert.ok(lossy.length < 40, `drop_oldest kept ${lossy.length}`);
    assert.deepEqual(lossy.slice(-5), [35, 36, 37, 38, 39], "the newest survive");
  });
});

Deno.test("queue_policy under the daemon: list --json counts received and dropped", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, QUEUES.replaceAll('args: "0.02"', 'args: "0.2"'));
    const started = await dora(["start", file], { env: home.env });
    const id = /Dataflow started: (\S+)/.exec(started.stdout)![1]!;
    type Counts = { received: number; dropped: number; queue_size: number };
    let counts: Record<string, Counts> = {};
    await pollUntil("the lossy input to drop", async () => {
      const d = (await listJson(home)).find((x) => x.uuid === id)!;
      counts = Object.fromEntries(d.nodes.flatMap((n) => n.inputs.in ? [[n.id, n.inputs.in]] : []));
      return (counts.lossy?.dropped ?? 0) > 0 && (counts.lossless?.received ?? 0) > 0;
    });
    assert.equal(counts.lossless!.dropped, 0);
    assert.equal(counts.lossless!.queue_size, 5);
    assert.ok(counts.lossy!.received + counts.lossy!.dropped <= 40, JSON.stringify(counts));
    await dora(["stop", id], { env: home.env });
  });
});

const FINISH = `nodes:
  - { id: producer, path: $DP/flood.py, args: "5", outputs: [out] }
  - id: worker
    path: $FIX/events.py
    inputs:
      data: producer/out
      tick: dora/timer/millis/100
`;

Deno.test("exit_when_nodes_finish: a node with a timer ends once its data inputs closed", async () => {
  await withHome(async (home) => {
    const withKey = await writeFlow(home, `exit_when_nodes_finish: true\n${FINISH}`);
    const started = Date.now();
    const res = await runFlow(home, withKey, ["--stop-after", "20s"]);
    assert.ok(Date.now() - started < 15_000);
    assert.match(res.stderr, /Dataflow finished: all 2 nodes succeeded/);
    const kinds = eventsIn(linesOf(res.stdout, "worker")).map((e) => e.type);
    assert.deepEqual(kinds.slice(-2), ["INPUT_CLOSED", "STOP"]);

    // Without it (or with the flag saying false), the timer keeps the worker: --stop-after ends it.
    const plain = await writeFlow(home, FINISH, {}, "plain.yml");
    const off = await runFlow(home, withKey, [
      "--exit-when-nodes-finish=false",
      "--stop-after",
      "2s",
    ]);
    assert.match(off.stderr, /Stopping dataflow after 2s \(--stop-after\)/);
    assert.match(off.stderr, /Dataflow stopped/);
    // The flag before the file, without a value, turns it on.
    const on = await dora(["run", "--exit-when-nodes-finish", plain, "--stop-after", "20s"], {
      env: home.env,
    });
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stderr, /Dataflow finished/);
    const bad = await dora(["run", plain, "--exit-when-nodes-finish=maybe"], { env: home.env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --exit-when-nodes-finish 'maybe': expected true or false/);
  });
});

Deno.test("exit_when_nodes_finish: dora start --exit-when-nodes-finish", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, FINISH);
    const { info } = await startFlow(home, file, ["--exit-when-nodes-finish"]);
    assert.equal(info.status, "Succeeded");
  });
});

Deno.test("run --stop-after stops gracefully and exits 0; a bad duration is a usage error", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(
      home,
      `nodes:\n  - { id: ticker, path: $FIX/events.py, inputs: { tick: dora/timer/millis/50 } }\n`,
    );
    const started = Date.now();
    const res = await runFlow(home, file, ["--stop-after", "1s"]);
    assert.ok(Date.now() - started >= 1000);
    assert.match(res.stderr, /✓ ticker stopped/);
    assert.deepEqual(eventsIn(linesOf(res.stdout, "ticker")).at(-1)?.type, "STOP");
    const bad = await dora(["run", file, "--stop-after", "soon"], { env: home.env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --stop-after 'soon'/);
  });
});

const MODULE = `module:
  name: scale
  inputs: [numbers]
  outputs: [scaled]
nodes:
  - id: doubler
    path: ../doubler.py
    args: --factor \${_param.factor}
    inputs: { data: _mod/numbers }
    outputs: [doubled]
  - id: again
    path: ../doubler.py
    args: --out scaled
    inputs: { data: doubler/doubled }
    outputs: [scaled]
`;

Deno.test("modules: a module dataflow expands and runs; dora expand prints it", async () => {
  await withHome(async (home) => {
    // The module names its program by a path relative to itself.
    const file = await writeFlow(
      home,
      `nodes:
  - { id: numbers, path: $DP/flood.py, args: "4", outputs: [out] }
  - id: scale
    module: mods/sub/scale.module.yml
    params: { factor: 3 }
    inputs: { numbers: numbers/out }
  - { id: sink, path: $FIX/events.py, inputs: { got: scale/scaled } }
`,
      {
        "mods/sub/scale.module.yml": MODULE,
        "mods/doubler.py": await Deno.readTextFile(`${FIX}/doubler.py`),
      },
    );
    const res = await runFlow(home, file);
    // 0..3, times 3, times 2.
    assert.deepEqual(received(linesOf(res.stdout, "sink").map((l) => l.replace('"got"', '"in"'))), [
      0,
      6,
      12,
      18,
    ]);
    assert.ok(
      linesOf(res.stderr, "scale.doubler").length > 0,
      "the inner node ran as scale.doubler",
    );

    const expanded = await dora(["expand", file], { env: home.env });
    assert.equal(expanded.code, 0, expanded.stderr);
    assert.match(
      expanded.stdout,
      /- id: scale\.doubler\n {4}path: mods\/doubler\.py\n {4}args: --factor 3\n/,
    );
    assert.match(expanded.stdout, /- id: scale\.again\n[\s\S]*data: scale\.doubler\/doubled/);
    assert.match(expanded.stdout, /got: scale\.again\/scaled/);
    assert.match(expanded.stdout, /PARAM_FACTOR: "3"/);
    const check = await dora(["expand", "--module", `${home.dir}/flow/mods/sub/scale.module.yml`], {
      env: home.env,
    });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /is a valid module/);
    const broken = await dora(["expand", `${home.dir}/nope.yml`], { env: home.env });
    assert.equal(broken.code, 1);
  });
});

Deno.test("examples/module-dataflow runs: every doubled value reaches the receiver", async () => {
  await withHome(async (home) => {
    const res = await runFlow(home, `${ROOT}/examples/module-dataflow/dataflow.yml`);
    const got = linesOf(res.stdout, "receiver").filter((l) => l.startsWith("received "));
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => `received ${i * 2}`));
    assert.ok(linesOf(res.stdout, "sender").includes("INFO  sent value=19"));
  });
});

/** The cores the test process may run on (its children get the same by default). */
function allowedCores(): number[] {
  const line = Deno.readTextFileSync("/proc/self/status").split("\n")
    .find((l) => l.startsWith("Cpus_allowed_list:"))!;
  return line.split(":")[1]!.trim().split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

Deno.test({
  name: "cpu_affinity: the node runs on the cores it names (run and daemon)",
  ignore: allowedCores().length < 2,
  fn: async () => {
    const core = allowedCores().at(-1)!;
    await withHome(async (home) => {
      const file = await writeFlow(
        home,
        `nodes:
  - { id: pinned, path: $FIX/cpus.py, cpu_affinity: [${core}, 4000] }
  - { id: free, path: $FIX/cpus.py }
`.replace(", 4000", ", 1023"),
      );
      const res = await runFlow(home, file);
      assert.deepEqual(linesOf(res.stdout, "pinned"), [`cpus ${core}`]);
      assert.notDeepEqual(linesOf(res.stdout, "free"), [`cpus ${core}`]);
      assert.match(res.stderr, /cpu_affinity of node 'pinned': core 1023 not available/);
      const { logs } = await startFlow(home, file);
      assert.ok(linesOf(logs, "pinned").includes(`cpus ${core}`), logs);
    });
  },
});

Deno.test("run --uv: Python nodes run through uv; without uv, a clear error", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(home, `nodes:\n  - { id: py, path: $FIX/cpus.py }\n`);
    const noUv = await dora(["run", file, "--uv"], {
      env: { ...home.env, PATH: "/usr/bin:/bin" },
    });
    assert.equal(noUv.code, 1);
    assert.match(noUv.stderr, /^Error: --uv: 'uv' was not found on PATH\nInstall it/);
    // A stand-in uv that records how it was called, then runs the rest with python3.
    const bin = `${home.dir}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(
      `${bin}/uv`,
      `#!/bin/sh\necho "$@" > "${home.dir}/uv-args"\nshift 2\nexec python3 "$@"\n`,
      { mode: 0o755 },
    );
    const res = await runFlow(home, file, ["--uv"], 0, {
      PATH: `${bin}:${Deno.env.get("PATH")}`,
    });
    assert.match(linesOf(res.stdout, "py")[0]!, /^cpus /);
    assert.equal(
      (await Deno.readTextFile(`${home.dir}/uv-args`)).trim(),
      `run python -u ${FIX}/cpus.py`,
    );
  });
});

Deno.test("check: connected types that do not match are a problem", async () => {
  await withHome(async (home) => {
    const file = await writeFlow(
      home,
      `nodes:
  - id: camera
    path: $FIX/cpus.py
    outputs: [image]
    output_types: { image: std/media/v1/Image }
  - id: detector
    path: $FIX/cpus.py
    inputs: { image: camera/image }
    input_types: { image: std/core/v1/Float32 }
`,
    );
    const res = await dora(["check", file], { env: home.env });
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      /dataflow\.yml:8:22: type mismatch on input 'image': camera\/image sends std\/media\/v1\/Image, but input_types expects std\/core\/v1\/Float32/,
    );
  });
});
