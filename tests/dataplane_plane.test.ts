/**
 * The data plane's own setup: the Python package it hands to nodes, the environment it adds,
 * and where its socket goes (long paths, stale sockets).
 */
import assert from "node:assert/strict";
import { VERSION } from "../lib/config.ts";
import { PYTHON_FILES, pythonLibDir } from "../lib/dataplane/pythonlib.ts";
import { socketFileName } from "../lib/dataplane/paths.ts";
import { records, startRun } from "./fixtures/dataplane/harness.ts";
import { makeHome, ROOT } from "./helpers.ts";

async function withDoraHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const home = await makeHome();
  const saved = Deno.env.get("DORA_HOME");
  Deno.env.set("DORA_HOME", home.doraHome);
  try {
    return await fn(home.doraHome);
  } finally {
    if (saved === undefined) Deno.env.delete("DORA_HOME");
    else Deno.env.set("DORA_HOME", saved);
    await home.cleanup();
  }
}

Deno.test("python package: every source file is shipped", () => {
  const onDisk = [...Deno.readDirSync(`${ROOT}/node/python/dora`)]
    .map((e) => e.name).filter((n) => n.endsWith(".py")).sort();
  assert.deepEqual([...PYTHON_FILES].sort(), onDisk);
});

Deno.test("python package: written once per content, importable, identical to the sources", async () => {
  await withDoraHome(async (home) => {
    const [a, b] = await Promise.all([pythonLibDir(), pythonLibDir()]);
    assert.equal(a, b);
    assert.match(a, new RegExp(`^${home}/python/${VERSION.replaceAll(".", "\\.")}-[0-9a-f]{12}$`));
    for (const name of PYTHON_FILES) {
      assert.deepEqual(
        await Deno.readFile(`${a}/dora/${name}`),
        await Deno.readFile(`${ROOT}/node/python/dora/${name}`),
      );
    }
    // No temporary folders left behind.
    assert.deepEqual([...Deno.readDirSync(`${home}/python`)].map((e) => e.name), [
      a.split("/").pop(),
    ]);
    const out = await new Deno.Command("python3", {
      args: ["-c", "from dora import Node; import dora; print(dora.__file__)"],
      env: { PYTHONPATH: a, PYTHONDONTWRITEBYTECODE: "1" },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), `${a}/dora/__init__.py`);
  });
});

Deno.test("plane: node environment carries the config and prepends the package to PYTHONPATH", async () => {
  const run = await startRun(`
nodes:
  - { id: a, path: dynamic, outputs: [out] }
  - { id: b, path: dynamic, inputs: { x: a/out, t: dora/timer/hz/10 } }
`);
  try {
    const env = run.plane.nodeEnv("b", { PYTHONPATH: "/mine:/theirs" });
    const lib = await pythonLibDir();
    assert.equal(env.PYTHONPATH, `${lib}:/mine:/theirs`);
    assert.equal(run.plane.nodeEnv("b", {}).PYTHONPATH, lib);
    const config = JSON.parse(env.DORA_NODE_CONFIG!);
    assert.equal(config.protocol, 2);
    assert.equal(config.node_id, "b");
    // What dataflow_descriptor(), node_config() and restart_count() answer.
    assert.deepEqual(config.descriptor, run.dataflow.descriptor);
    assert.deepEqual(config.node_config, {
      id: "b",
      path: "dynamic",
      inputs: { x: "a/out", t: "dora/timer/hz/10" },
    });
    assert.equal(config.restart_count, 0);
    assert.equal(JSON.parse(run.plane.nodeEnv("b", {}, 2).DORA_NODE_CONFIG!).restart_count, 2);
    assert.deepEqual(config.inputs, {
      x: { source: "a/out", queue_size: 10 },
      t: { source: "dora/timer/hz/10", queue_size: 10 },
    });
    assert.deepEqual(config.outputs, []);
    assert.match(config.token, /^[0-9a-f]{32}$/);
    assert.notEqual(config.token, JSON.parse(run.plane.nodeEnv("a", {}).DORA_NODE_CONFIG!).token);
    assert.equal(Deno.statSync(config.socket).mode! & 0o777, 0o600);
    assert.throws(() => run.plane.nodeEnv("nope", {}), /no node 'nope'/);
    // Dynamic nodes find the same config in a private file.
    const file = `${run.home.doraHome}/run/dynamic/b.json`;
    assert.deepEqual(JSON.parse(await Deno.readTextFile(file)), config);
    assert.equal(Deno.statSync(file).mode! & 0o777, 0o600);
  } finally {
    await run.cleanup();
  }
});

Deno.test("plane: a socket path too long for a Unix socket moves to a private /tmp folder", async () => {
  const deep = "d".repeat(60);
  const run = await startRun(
    `
nodes:
  - { id: sender, path: $FIXTURES/flood.py, args: "2", outputs: [out] }
  - { id: receiver, path: $FIXTURES/receiver.ts, inputs: { in: sender/out } }
`,
    { socketDir: (home) => `${home}/${deep}/${deep}` },
  );
  try {
    const config = JSON.parse(run.plane.nodeEnv("receiver", {}).DORA_NODE_CONFIG!);
    assert.ok(config.socket.startsWith("/tmp/dora-"), config.socket);
    const folder = config.socket.slice(0, config.socket.lastIndexOf("/"));
    assert.equal(Deno.statSync(folder).mode! & 0o777, 0o700);
    await run.waitAll();
    assert.equal(records(run.out("receiver")).length, 4); // 2 inputs, INPUT_CLOSED, STOP
    await run.cleanup();
    assert.throws(() => Deno.statSync(folder), Deno.errors.NotFound);
  } finally {
    await run.cleanup();
  }
});

Deno.test("plane: a stale socket file from a crashed run is replaced", async () => {
  const id = crypto.randomUUID();
  const run = await startRun(
    `
nodes:
  - { id: sender, path: $FIXTURES/flood.py, args: "1", outputs: [out] }
  - { id: receiver, path: $FIXTURES/receiver.py, inputs: { in: sender/out } }
`,
    {
      dataflowId: id,
      before: async (socketDir) => {
        await Deno.mkdir(socketDir, { recursive: true, mode: 0o700 });
        await Deno.writeTextFile(`${socketDir}/${socketFileName(id)}`, "stale");
      },
    },
  );
  try {
    await run.waitAll();
    assert.equal(records(run.out("receiver")).length, 3);
  } finally {
    await run.cleanup();
  }
});

Deno.test("plane: a large descriptor travels in a private file, removed with the plane", async () => {
  const big = "x".repeat(40 * 1024);
  const run = await startRun(`
nodes:
  - { id: a, path: dynamic, env: { BIG: ${big} }, outputs: [out] }
`);
  let file: string | undefined;
  try {
    const config = JSON.parse(run.plane.nodeEnv("a", {}).DORA_NODE_CONFIG!);
    assert.equal(config.descriptor, undefined);
    file = config.descriptor_file as string;
    assert.equal(Deno.statSync(file).mode! & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(file)), run.dataflow.descriptor);
    assert.equal(config.node_config, undefined); // also too large: found in the descriptor
    assert.ok(JSON.stringify(config).length < 8 * 1024, "the environment stays small");
  } finally {
    await run.plane.close();
    await run.cleanup();
  }
  assert.throws(() => Deno.statSync(file!), Deno.errors.NotFound);
});
