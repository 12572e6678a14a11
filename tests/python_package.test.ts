/**
 * The Python package's own unit tests (node/python/tests), run with the standard-library
 * Python and with the pyarrow one of the test virtual environment.
 */
import assert from "node:assert/strict";
import { ROOT } from "./helpers.ts";
import { arrowPython, ignoreWithout } from "./tools.ts";

async function unittests(python: string): Promise<string> {
  const out = await new Deno.Command(python, {
    args: ["-m", "unittest", "discover", "-s", `${ROOT}/node/python/tests`],
    env: { PYTHONPATH: `${ROOT}/node/python`, PYTHONDONTWRITEBYTECODE: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /^OK/m);
  return text;
}

Deno.test("python package: unit tests (standard library)", async () => {
  await unittests(Deno.env.get("DORA_TEST_PYTHON") || "python3");
});

Deno.test({
  name: "python package: unit tests (pyarrow)",
  ignore: ignoreWithout("a Python with pyarrow", arrowPython()),
  async fn() {
    const text = await unittests(arrowPython()!);
    assert.doesNotMatch(text, /skipped/, "with pyarrow nothing is skipped");
  },
});
