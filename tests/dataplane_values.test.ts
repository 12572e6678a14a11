/**
 * End to end through the real data plane: values of every kind and their metadata cross
 * between TypeScript and Python nodes (both ways), small ones inline, large ones through
 * shared memory (and through the socket when shared memory is off).
 */
import assert from "node:assert/strict";
import { records, type Run, startRun } from "./fixtures/dataplane/harness.ts";
import { ROOT } from "./helpers.ts";

const values = JSON.parse(
  await Deno.readTextFile(`${ROOT}/tests/fixtures/dataplane/values.json`),
) as Record<string, unknown>[];

const BIG = [
  { value: { big: "bytes", len: 1 << 20, sum: 131064401 }, metadata: { index: -1 } },
  { value: { big: "float64", len: 200_000, sum: 9999950000 }, metadata: { index: -2 } },
];

function dataflow(sender: string, receiver: string, args: string): string {
  return `
nodes:
  - id: sender
    path: $FIXTURES/${sender}
    args: ${args}
    outputs: [out]
  - id: receiver
    path: $FIXTURES/${receiver}
    inputs:
      in: { source: sender/out, queue_size: 100 }
`;
}

async function exchange(
  sender: string,
  receiver: string,
  args = "--big",
  env: Record<string, string> = {},
  beforeCleanup?: () => void,
) {
  // The standard-library path of the Python library, even where python3 has pyarrow.
  const run: Run = await startRun(dataflow(sender, receiver, args), {
    env: { DORA_PYARROW: "0", ...env },
  });
  try {
    const statuses = await run.waitAll();
    for (const [id, status] of statuses) {
      assert.equal(status.code, 0, `${id} failed:\n${run.procs.get(id)!.stderr()}`);
    }
    const events = records(run.out("receiver")) as Record<string, unknown>[];
    const inputs = events.filter((e) => e.type === "INPUT");
    const expected: { value: unknown; metadata: unknown }[] = values.map((value, index) => ({
      value,
      metadata: { index, kind: Object.keys(value)[0], ratio: 0.5, tags: ["a", "b"], flag: true },
    }));
    if (args.includes("--big")) expected.push(...BIG);
    assert.equal(inputs.length, expected.length, run.out("receiver"));
    inputs.forEach((input, i) => {
      assert.equal(input.id, "in");
      assert.deepEqual(input.value, expected[i]!.value, `value #${i}`);
      assert.deepEqual(input.metadata, expected[i]!.metadata, `metadata #${i}`);
      // The timestamp is the sender's clock at sending: recent, not in the future.
      const age = input.age as number;
      assert.ok(age > -50 && age < 30_000, `age ${age} ms`);
    });
    // The sender exited: its consumer's input closes, then the consumer is stopped.
    assert.deepEqual(events.slice(-2), [
      { type: "INPUT_CLOSED", id: "in" },
      { type: "STOP", id: "ALL_INPUTS_CLOSED" },
    ]);
    assert.deepEqual(run.plane.stats().receiver, {
      in: { received: expected.length, dropped: 0, queueSize: 100 },
    });
    assert.deepEqual(run.warnings, []);
    beforeCleanup?.();
  } finally {
    await run.cleanup();
  }
}

Deno.test("values: TypeScript to TypeScript", () => exchange("sender.ts", "receiver.ts"));
Deno.test("values: Python to Python", () => exchange("sender.py", "receiver.py"));
Deno.test("values: TypeScript to Python", () => exchange("sender.ts", "receiver.py"));
Deno.test("values: Python to TypeScript", () => exchange("sender.py", "receiver.ts"));

Deno.test({
  name: "values: numpy arrays from Python arrive typed in TypeScript",
  ignore: new Deno.Command("python3", { args: ["-c", "import numpy"] }).outputSync().code !== 0,
  fn: () => exchange("sender.py", "receiver.ts", "--numpy"),
});

Deno.test("values: large payloads go through the socket when shared memory is off", () =>
  exchange("sender.ts", "receiver.py", "--big", { DORA_SHM_THRESHOLD: "off" }));

Deno.test("values: the shared-memory folder is private and removed with the dataflow", async () => {
  const parent = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "dora-test-" });
  try {
    await exchange("sender.py", "receiver.ts", "--big", { DORA_SHM_DIR: parent }, () => {
      const dirs = [...Deno.readDirSync(parent)];
      assert.equal(dirs.length, 1);
      assert.equal(Deno.statSync(`${parent}/${dirs[0]!.name}`).mode! & 0o777, 0o700);
      // The sender has exited: its payload files are gone already.
      assert.deepEqual([...Deno.readDirSync(`${parent}/${dirs[0]!.name}`)], []);
    });
    assert.deepEqual([...Deno.readDirSync(parent)], []);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
