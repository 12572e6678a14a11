/**
 * The data plane under the real `dora run`: the robot example and the benchmark dataflows end
 * by themselves, and values cross between TypeScript and Python nodes started by the runtime.
 */
import assert from "node:assert/strict";
import { dora, FIXTURES, makeHome, nodeRecords, ROOT } from "./helpers.ts";

/** `dora run <file>` in a fresh home; returns the result after checking it exited 0. */
async function run(file: string, env: Record<string, string> = {}) {
  const home = await makeHome(env);
  try {
    const res = await dora(["run", file], { env: home.env });
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    return res;
  } finally {
    await home.cleanup();
  }
}

Deno.test("cli: the robot example runs to completion and exits 0", async () => {
  const res = await run(`${ROOT}/examples/robot/dataflow.yml`);
  for (
    const line of [
      "camera: sent 30 frames",
      "detector: input 'image' closed after 30 detections",
      "visualizer: 30 detections drawn, done",
      "frame 20: object at (",
    ]
  ) assert.ok(res.stdout.includes(line), `missing '${line}' in:\n${res.stdout}`);
  assert.match(res.stderr + res.stdout, /all 3 nodes succeeded/);
});

Deno.test("cli: values cross between languages with fan-out", async () => {
  const res = await run(`${FIXTURES}/dataplane/values.yml`);
  const values = JSON.parse(await Deno.readTextFile(`${FIXTURES}/dataplane/values.json`));
  for (const receiver of ["ts-receiver", "py-receiver"]) {
    const events = nodeRecords(res.stdout, receiver);
    for (const input of ["ts", "py"]) {
      const got = events.filter((e) => e.type === "INPUT" && e.id === input);
      assert.equal(got.length, values.length + 2, `${receiver}/${input}`);
      got.slice(0, values.length).forEach((e, i) =>
        assert.deepEqual(e.value, values[i], `${receiver}/${input} #${i}`)
      );
      assert.ok(events.some((e) => e.type === "INPUT_CLOSED" && e.id === input));
    }
    assert.deepEqual(events.at(-1), { type: "STOP", id: "ALL_INPUTS_CLOSED" });
  }
});

for (const [lang, file] of [["ts", "dataflow.yml"], ["py", "dataflow_python.yml"]]) {
  Deno.test(`cli: the ${lang} benchmark dataflow measures and ends by itself`, async () => {
    const res = await run(`${ROOT}/examples/benchmark/${file}`, {
      BENCH_SIZES: "8,100000",
      BENCH_ITERS: "30",
    });
    const results = nodeRecords(res.stdout, "ping");
    assert.deepEqual(results.map((r) => r.size), [8, 100000]);
    for (const r of results) {
      assert.ok((r.p50 as number) > 0 && (r.p50 as number) <= (r.p99 as number), JSON.stringify(r));
    }
  });
}
