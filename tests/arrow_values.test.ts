/**
 * Arrow values end to end under the real `dora run`, with the Python of the test virtual
 * environment (pyarrow, numpy) first on PATH: every kind from Python to Python (also through a
 * Python node without pyarrow, which forwards Arrow data untouched), from Python to TypeScript
 * and from TypeScript to Python, each arriving with its Arrow type.
 */
import assert from "node:assert/strict";
import { dora, FIXTURES, makeHome, nodeRecords } from "./helpers.ts";
import { arrowPythonBinDir, ignoreWithout } from "./tools.ts";

const binDir = arrowPythonBinDir();

Deno.test({
  name: "arrow: every value kind keeps its Arrow type between Python and TypeScript nodes",
  ignore: ignoreWithout("a Python with pyarrow", binDir),
  async fn() {
    const home = await makeHome();
    try {
      const env = { ...home.env, PATH: `${binDir}:${Deno.env.get("PATH")}` };
      const res = await dora(["run", `${FIXTURES}/arrow/values.yml`], { env });
      assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
      const sentByPy = nodeRecords(res.stdout, "py-sender");
      const sentByTs = nodeRecords(res.stdout, "ts-sender");
      assert.ok(sentByPy.length >= 30 && sentByTs.length >= 12, res.stdout);
      const pyGot = nodeRecords(res.stdout, "py-receiver");
      for (
        const [input, sent] of [["from_py", sentByPy], ["forwarded", sentByPy], [
          "from_ts",
          sentByTs,
        ]] as const
      ) {
        const got = pyGot.filter((r) => r.id === input);
        assert.equal(got.length, sent.length, `${input}: ${JSON.stringify(got)}`);
        for (const s of sent) {
          const g = got.find((r) => r.i === s.i);
          assert.ok(g?.pyarrow, `${input} #${s.i} is a pyarrow.Array`);
          assert.deepEqual(g.got, s.py, `${input} #${s.i}`);
        }
      }
      const tsGot = nodeRecords(res.stdout, "ts-receiver");
      assert.equal(tsGot.length, sentByPy.length);
      for (const s of sentByPy) {
        const g = tsGot.find((r) => r.i === s.i)!;
        assert.deepEqual(g.got, s.ts, `ts-receiver #${s.i}`);
      }
      // A StructArray arrives in TypeScript as plain objects, with the Vector beside them.
      const struct = tsGot.find((r) =>
        (r.got as { arrow?: { type: string } }).arrow?.type ===
          "struct<doubled: int64, description: string>"
      )!;
      assert.equal(struct.shape, "array");
      assert.deepEqual(struct.plain, [
        { doubled: "84", description: "Message #42" },
        { doubled: "6", description: "Message #3" },
      ]);
      // Numeric arrays stay typed arrays (no Arrow needed for them).
      assert.equal(tsGot.find((r) => r.i === 8)!.shape, "Float32Array");
    } finally {
      await home.cleanup();
    }
  },
});
