import assert from "node:assert/strict";
import type { Dataflow, NodeSpec } from "../descriptor/types.ts";
import { testNode } from "../descriptor/testing.ts";
import { changedNodes, graphChange, nodesForFile, ownFiles, planReload } from "./reload_plan.ts";

const DIR = "/proj";

function node(id: string, program: string, extra: Partial<NodeSpec> = {}): NodeSpec {
  const kind = program.endsWith(".py")
    ? "python"
    : /\.(ts|js)$/.test(program)
    ? "deno"
    : program === ""
    ? "dynamic"
    : "executable";
  return testNode(id, {
    path: program,
    kind,
    program: program === "" || !program.includes("/") || program.startsWith("/")
      ? program
      : `${DIR}/${program}`,
    ...extra,
  });
}

function flow(...nodes: NodeSpec[]): Dataflow {
  return { file: `${DIR}/dataflow.yml`, dir: DIR, nodes };
}

const talker = node("talker", "./talker.py", {
  inputs: {
    tick: {
      raw: "dora/timer/millis/100",
      source: { kind: "timer", intervalMs: 100 },
      queueSize: 10,
    },
  },
  outputs: ["speech"],
});
const listener = node("listener", "./listener.py", {
  inputs: {
    speech: {
      raw: "talker/speech",
      source: { kind: "node", node: "talker", output: "speech" },
      queueSize: 10,
    },
  },
});

Deno.test("a node's own files: its program and args naming files in the folder", () => {
  assert.deepEqual(ownFiles(talker, DIR), { files: ["talker.py"], family: "python", home: "" });
  const viaArgs = node("n", "python3", { args: ["-u", "nodes/cam/main.py", "--fast"] });
  assert.deepEqual(ownFiles(viaArgs, DIR), {
    files: ["nodes/cam/main.py"],
    family: "python",
    home: "nodes/cam",
  });
  const shell = node("s", "", { kind: "shell", args: ["python3 tools/run.py > /dev/null"] });
  assert.deepEqual(ownFiles(shell, DIR).files, ["tools/run.py"]);
  // Outside the folder: not ours to watch.
  assert.deepEqual(ownFiles(node("o", "/usr/bin/env"), DIR).files, []);
});

Deno.test("a node's own file restarts that node only", () => {
  const df = flow(talker, listener);
  assert.deepEqual(nodesForFile(df, "talker.py"), ["talker"]);
  assert.deepEqual(nodesForFile(df, "listener.py"), ["listener"]);
});

Deno.test("another source file restarts the nodes of its language around it", () => {
  const cam = node("cam", "./nodes/cam/main.py");
  const det = node("det", "./nodes/det/main.py");
  const web = node("web", "./web/server.ts");
  const df = flow(cam, det, web);
  assert.deepEqual(nodesForFile(df, "nodes/cam/helper.py"), ["cam"]);
  // A shared module no node's folder holds: every node of the language.
  assert.deepEqual(nodesForFile(df, "common/util.py"), ["cam", "det"]);
  assert.deepEqual(nodesForFile(df, "web/lib/util.js"), ["web"]);
  // Flat layout: a helper next to every node restarts all of them.
  assert.deepEqual(nodesForFile(flow(talker, listener), "utils.py"), ["talker", "listener"]);
  // No TS node: a TS file is nobody's.
  assert.deepEqual(nodesForFile(flow(talker, listener), "tool.ts"), []);
});

Deno.test("a configuration file restarts every node but dynamic ones", () => {
  const dyn = node("dyn", "");
  const df = flow(talker, listener, dyn);
  assert.deepEqual(nodesForFile(df, "config/robot.json"), ["talker", "listener"]);
  assert.deepEqual(nodesForFile(df, "settings.toml"), ["talker", "listener"]);
});

Deno.test("graph changes: added, removed, inputs, outputs, send_stdout_as, dynamic", () => {
  const base = flow(talker, listener);
  assert.equal(graphChange(base, flow(talker, listener)), undefined);
  assert.equal(
    graphChange(base, flow(talker, listener, node("extra", "./extra.py"))),
    "node 'extra' was added",
  );
  assert.equal(graphChange(base, flow(talker)), "node 'listener' was removed");
  assert.equal(
    graphChange(base, flow({ ...talker, outputs: ["speech", "more"] }, listener)),
    "the outputs of node 'talker' changed",
  );
  const slower = {
    ...talker,
    inputs: { tick: { ...talker.inputs.tick!, queueSize: 1 } },
  };
  assert.equal(graphChange(base, flow(slower, listener)), "the inputs of node 'talker' changed");
  assert.equal(
    graphChange(base, flow(talker, { ...listener, sendStdoutAs: "log" })),
    "send_stdout_as of node 'listener' changed",
  );
  // Order of nodes and of outputs is no change.
  assert.equal(graphChange(base, flow(listener, talker)), undefined);
});

Deno.test("changed specs: env, args, program; not position or build lines", () => {
  const base = flow(talker, listener);
  assert.deepEqual(changedNodes(base, flow({ ...talker, env: { A: "1" } }, listener)), ["talker"]);
  assert.deepEqual(changedNodes(base, flow(talker, { ...listener, args: ["-v"] })), ["listener"]);
  assert.deepEqual(
    changedNodes(
      base,
      flow({ ...talker, position: { line: 9, col: 3 }, build: ["pip install x"] }, listener),
    ),
    [],
  );
  // Reordered env keys are the same env.
  const a = flow({ ...talker, env: { A: "1", B: "2" } });
  const b = flow({ ...talker, env: { B: "2", A: "1" } });
  assert.deepEqual(changedNodes(a, b), []);
});

Deno.test("plans: nodes, nothing, whole dataflow", () => {
  const current = flow(talker, listener);
  const none = new Set<string>();
  const byFile = planReload({ current, files: ["talker.py"], ended: none });
  assert.equal(byFile.action, "nodes");
  assert.deepEqual(byFile.action === "nodes" && byFile.nodes.map((n) => n.id), ["talker"]);

  const yamlEnv = planReload({
    current,
    next: flow(talker, { ...listener, env: { LEVEL: "2" } }),
    files: ["talker.py"],
    ended: none,
  });
  assert.equal(yamlEnv.action, "nodes");
  assert.deepEqual(yamlEnv.action === "nodes" && yamlEnv.nodes.map((n) => n.id), [
    "talker",
    "listener",
  ]);
  assert.deepEqual(
    yamlEnv.action === "nodes" && yamlEnv.nodes[1]!.env,
    { LEVEL: "2" },
    "the new spec",
  );

  const added = planReload({
    current,
    next: flow(talker, listener, node("extra", "./extra.py")),
    files: [],
    ended: none,
  });
  assert.equal(added.action, "dataflow");
  assert.equal(added.action === "dataflow" && added.reason, "node 'extra' was added");

  const nothing = planReload({ current, files: ["tool.ts"], ended: none });
  assert.equal(nothing.action, "none");
  assert.deepEqual(nothing.notes, ["No node uses tool.ts: nothing to restart for it"]);

  const ended = planReload({ current, files: ["talker.py"], ended: new Set(["talker"]) });
  assert.equal(ended.action, "dataflow");
  assert.equal(ended.action === "dataflow" && ended.reason, "node 'talker' has already ended");
  // An ended node nobody asked for does not matter.
  const other = planReload({ current, files: ["talker.py"], ended: new Set(["listener"]) });
  assert.equal(other.action, "nodes");
});

Deno.test("dynamic nodes are never restarted, and the plan says so", () => {
  const dyn = node("dyn", "", { env: { A: "1" } });
  const plan = planReload({
    current: flow(talker, dyn),
    next: flow(talker, { ...dyn, env: { A: "2" } }),
    files: [],
    ended: new Set(),
  });
  assert.equal(plan.action, "none");
  assert.deepEqual(plan.notes, [
    "Node 'dyn' is dynamic: dora does not start it; restart it yourself",
  ]);
});
