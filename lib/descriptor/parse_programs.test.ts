import assert from "node:assert/strict";
import { DoraError } from "../errors.ts";
import { withScratch } from "./_test_helpers.ts";
import { loadDataflowOrThrow, parseDataflow } from "./mod.ts";

const STUBS = { "a.py": "print(1)\n", "b.py": "print(2)\n" };

Deno.test("problems: programs that cannot be found or run", async () => {
  await withScratch(
    `nodes:
  - id: a
    path: ./missing.py
  - id: b
    path: /nonexistent/dora/node
  - id: c
    path: no-such-tool-anywhere
  - id: d
    path: sub
  - id: e
    path: ./plain-file
  - id: f
    path: https://example.com/node.py
  - id: g
    path: shell
  - id: h
    path: shell
    args: [echo, hi]
  - id: i
`,
    { "sub/x.py": "", "plain-file": "not executable\n" },
    async (s) => {
      assert.deepEqual(await s.problems(), [
        `dataflow.yml:3:11: source file not found: './missing.py' (no file at missing.py)`,
        "dataflow.yml:5:11: source file not found: '/nonexistent/dora/node' " +
        "(no file at /nonexistent/dora/node)",
        "dataflow.yml:7:11: executable 'no-such-tool-anywhere' not found: it is neither on PATH " +
        "nor next to the dataflow",
        "dataflow.yml:9:11: 'sub' is a directory, not a program (sub)",
        "dataflow.yml:11:11: './plain-file' is not executable: run 'chmod +x plain-file' or " +
        "start it through an interpreter",
        "dataflow.yml:13:11: downloading nodes from a URL is not supported: fetch " +
        "'https://example.com/node.py' in 'build' and point 'path' at the local file",
        "dataflow.yml:15:11: a 'shell' node needs 'args': the command line to run",
        "dataflow.yml:18:11: for 'path: shell', 'args' must be one command line (a string), " +
        "not a list",
        "dataflow.yml:19:5: node 'i' has no 'path': say which program runs it",
      ]);
    },
  );
});

Deno.test("a file that cannot be read throws a DoraError naming it", async () => {
  await assert.rejects(
    parseDataflow("/nonexistent/dora/dataflow.yml"),
    (err: unknown) =>
      err instanceof DoraError && err.exitCode === 1 &&
      err.message === "Cannot read dataflow file '/nonexistent/dora/dataflow.yml': No such file",
  );
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      parseDataflow(dir),
      (err: unknown) =>
        err instanceof DoraError &&
        err.message === `Cannot read dataflow file '${dir}': it is a directory`,
    );
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("loadDataflowOrThrow lists the problems in the error's details", async () => {
  await withScratch(
    "nodes:\n  - id: a\n    path: a.py\n    outputs: [x, x]\n",
    STUBS,
    async (s) => {
      const dataflowOk = await withScratch(
        "nodes:\n  - id: a\n    path: a.py\n",
        STUBS,
        (ok) => loadDataflowOrThrow(ok.file),
      );
      assert.equal(dataflowOk.nodes[0]?.id, "a");
      await assert.rejects(loadDataflowOrThrow(s.file), (err: unknown) => {
        assert.ok(err instanceof DoraError);
        assert.equal(err.exitCode, 1);
        assert.equal(err.message, `Invalid dataflow file '${s.file}' (1 problem):`);
        assert.deepEqual(err.details, [
          `${s.file}:4:18: duplicate output 'x' in node 'a' (first listed at line 4)`,
        ]);
        return true;
      });
    },
  );
});
