/** Build-input digests over a real temp folder. */
import assert from "node:assert/strict";
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";
import { testNode } from "../descriptor/testing.ts";
import { inputsDigest, ScanCache } from "./inputs.ts";

function node(build: string[], env: Record<string, string> = {}): NodeSpec {
  return testNode("n", { path: "shell", kind: "shell", program: "", env, build });
}

async function project(): Promise<{ root: string; dataflow: Dataflow; cleanup(): Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix: "dora-build-inputs-" });
  const dir = `${root}/proj`;
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/dataflow.yml`, "nodes: []\n");
  await Deno.writeTextFile(`${dir}/src/main.c`, "int main(){}");
  await Deno.writeTextFile(`${dir}/requirements.txt`, "numpy\n");
  return {
    root,
    dataflow: { file: `${dir}/dataflow.yml`, dir, nodes: [] },
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

const digest = (df: Dataflow, n: NodeSpec, uv = false) => inputsDigest(n, uv, new ScanCache(df));

Deno.test("the digest is stable and follows lines, env and --uv", async () => {
  const p = await project();
  try {
    const make = node(["make"]);
    const first = await digest(p.dataflow, make);
    assert.match(first ?? "", /^[0-9a-f]{64}$/);
    assert.equal(await digest(p.dataflow, make), first);
    assert.notEqual(await digest(p.dataflow, node(["make all"])), first);
    assert.notEqual(await digest(p.dataflow, node(["make"], { CC: "clang" })), first);
    const pip = node(["pip install -r requirements.txt"]);
    assert.notEqual(await digest(p.dataflow, pip, true), await digest(p.dataflow, pip, false));
  } finally {
    await p.cleanup();
  }
});

Deno.test("a general command depends on every file of the folder but ignored ones", async () => {
  const p = await project();
  try {
    const make = node(["make"]);
    const before = await digest(p.dataflow, make);
    const dir = p.dataflow.dir;
    await Deno.mkdir(`${dir}/__pycache__`);
    await Deno.writeTextFile(`${dir}/__pycache__/x.pyc`, "b");
    await Deno.writeTextFile(`${dir}/build.log`, "log");
    await Deno.mkdir(`${dir}/target/release`, { recursive: true });
    await Deno.writeTextFile(`${dir}/target/release/camera`, "elf");
    await Deno.writeTextFile(`${dir}/dataflow.yml`, "nodes: [] # edited\n");
    assert.equal(await digest(p.dataflow, make), before, "ignored files and the YAML do not count");
    await Deno.writeTextFile(`${dir}/src/main.c`, "int main(){return 1;}");
    const edited = await digest(p.dataflow, make);
    assert.notEqual(edited, before);
    await Deno.writeTextFile(`${dir}/src/new.h`, "");
    assert.notEqual(await digest(p.dataflow, make), edited, "a new file counts");
  } finally {
    await p.cleanup();
  }
});

Deno.test("an installer line depends only on the files it names, also outside", async () => {
  const p = await project();
  try {
    await Deno.mkdir(`${p.root}/shared`);
    await Deno.writeTextFile(`${p.root}/shared/setup.py`, "v1");
    const pip = node(["pip install -r requirements.txt -e ../shared"]);
    const before = await digest(p.dataflow, pip);
    await Deno.writeTextFile(`${p.dataflow.dir}/src/main.c`, "changed, not named");
    assert.equal(await digest(p.dataflow, pip), before);
    await Deno.writeTextFile(`${p.dataflow.dir}/requirements.txt`, "numpy\nopencv-python\n");
    const afterReqs = await digest(p.dataflow, pip);
    assert.notEqual(afterReqs, before);
    await Deno.writeTextFile(`${p.root}/shared/setup.py`, "v22");
    assert.notEqual(await digest(p.dataflow, pip), afterReqs, "a named folder outside counts");
  } finally {
    await p.cleanup();
  }
});

Deno.test("too many files to track gives no digest", async () => {
  const p = await project();
  try {
    for (let i = 0; i < 5; i++) await Deno.writeTextFile(`${p.dataflow.dir}/f${i}.c`, "");
    const n = node(["make"]);
    assert.equal(await inputsDigest(n, false, new ScanCache(p.dataflow, 4)), undefined);
    assert.ok(await inputsDigest(n, false, new ScanCache(p.dataflow, 100)));
  } finally {
    await p.cleanup();
  }
});
