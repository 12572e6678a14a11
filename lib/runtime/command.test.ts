import assert from "node:assert/strict";
import type { NodeSpec } from "../descriptor/types.ts";
import { testNode } from "../descriptor/testing.ts";
import {
  nodeArgv,
  nodeEnv,
  parseShebang,
  type Probe,
  SpawnError,
  which,
  wrapWithFifos,
} from "./command.ts";

const files: Record<string, "file" | "dir" | "exec"> = {
  "/usr/bin/python3": "exec",
  "/bin/sh": "exec",
  "/opt/flow/cam.py": "file",
  "/opt/flow/tool": "exec",
  "/opt/flow/data.txt": "file",
  "/opt/flow/sub": "dir",
  "/usr/local/bin/ffmpeg": "exec",
  "/usr/bin/ffmpeg": "exec",
  "/usr/bin/notes": "file",
  "/opt/flow/legacy": "exec",
};
const shebangs: Record<string, string> = { "/opt/flow/legacy": "/nonexistent/python2" };
const probe: Probe = {
  kind: (p) => files[p] === undefined ? "missing" : files[p] === "dir" ? "dir" : "file",
  executable: (p) => files[p] === "exec",
  interpreter: (p) => shebangs[p],
};
const PATH = "/usr/local/bin:/usr/bin:/bin";

function spec(kind: NodeSpec["kind"], program: string, args: string[] = []): NodeSpec {
  return testNode("n", { path: program, kind, program, args });
}

Deno.test("each kind becomes the right argv", () => {
  assert.deepEqual(nodeArgv(spec("python", "/opt/flow/cam.py", ["--fps", "30"]), PATH, probe), [
    "/usr/bin/python3",
    "-u",
    "/opt/flow/cam.py",
    "--fps",
    "30",
  ]);
  assert.deepEqual(nodeArgv(spec("shell", "", ["echo", "hi", "&&", "sleep 1"]), PATH, probe), [
    "/bin/sh",
    "-c",
    "echo hi && sleep 1",
  ]);
  assert.deepEqual(nodeArgv(spec("executable", "/opt/flow/tool", ["-v"]), PATH, probe), [
    "/opt/flow/tool",
    "-v",
  ]);
  // PATH order wins.
  assert.deepEqual(nodeArgv(spec("executable", "ffmpeg"), PATH, probe), ["/usr/local/bin/ffmpeg"]);
  const deno = nodeArgv(spec("deno", "/opt/flow/cam.py", ["x"]), PATH, probe);
  assert.deepEqual(deno, [Deno.execPath(), "run", "-A", "/opt/flow/cam.py", "x"]);
});

Deno.test("Python operators run through dora._operator: python3, uv (--uv) or conda_env", () => {
  const op = (condaEnv?: string): NodeSpec => ({
    ...spec("python", "/opt/flow/cam.py"),
    operator: { node: "n", id: "n", source: "/opt/flow/cam.py", ...(condaEnv ? { condaEnv } : {}) },
  });
  const runner = ["-u", "-m", "dora._operator", "/opt/flow/cam.py"];
  assert.deepEqual(nodeArgv(op(), PATH, probe), ["/usr/bin/python3", ...runner]);
  assert.deepEqual(nodeArgv(op(), PATH, probe, "/opt/uv"), ["/opt/uv", "run", "python", ...runner]);
  assert.deepEqual(nodeArgv(spec("python", "/opt/flow/cam.py"), PATH, probe, "/opt/uv"), [
    "/opt/uv",
    "run",
    "python",
    "-u",
    "/opt/flow/cam.py",
  ]);
  // conda_env names the environment: it wins over --uv; without conda it cannot run.
  assert.throws(() => nodeArgv(op("vision"), PATH, probe, "/opt/uv"), /conda not found on PATH/);
  files["/usr/bin/conda"] = "exec";
  try {
    assert.deepEqual(nodeArgv(op("vision"), PATH, probe, "/opt/uv"), [
      "/usr/bin/conda",
      "run",
      "--no-capture-output",
      "-n",
      "vision",
      "python",
      ...runner,
    ]);
  } finally {
    delete files["/usr/bin/conda"];
  }
});

Deno.test("programs that cannot run give clear reasons", () => {
  const reason = (node: NodeSpec, path = PATH) => {
    try {
      nodeArgv(node, path, probe);
    } catch (err) {
      assert.ok(err instanceof SpawnError);
      return err.message;
    }
    assert.fail("expected a SpawnError");
  };
  assert.equal(reason(spec("executable", "/opt/flow/nope")), "program not found: /opt/flow/nope");
  assert.equal(
    reason(spec("executable", "/opt/flow/data.txt")),
    "permission denied: /opt/flow/data.txt is not executable (chmod +x /opt/flow/data.txt?)",
  );
  assert.equal(
    reason(spec("executable", "/opt/flow/sub")),
    "program is a directory: /opt/flow/sub",
  );
  assert.equal(reason(spec("executable", "notes")), "executable 'notes' not found on PATH");
  assert.equal(reason(spec("python", "/opt/flow/gone.py")), "script not found: /opt/flow/gone.py");
  assert.equal(
    reason(spec("python", "/opt/flow/cam.py"), "/bin"),
    "python3 not found on PATH (needed to run /opt/flow/cam.py)",
  );
  assert.match(reason(spec("dynamic", "")), /dynamic nodes/);
  assert.equal(
    reason(spec("executable", "/opt/flow/legacy")),
    "interpreter /nonexistent/python2 not found (named by the #! line of /opt/flow/legacy)",
  );
});

Deno.test("which skips empty entries, directories and files without execute bit", () => {
  assert.equal(which("notes", "::/usr/bin", probe), undefined);
  assert.equal(which("ffmpeg", ":/usr/bin:/usr/local/bin", probe), "/usr/bin/ffmpeg");
});

Deno.test("the wrapper passes the FIFOs and argv as arguments, never inside the script", () => {
  const cmd = wrapWithFifos("cam", ["/x/it's here", "a b"], "/run/cam.out", "/run/cam.err");
  assert.equal(cmd.command, "/bin/sh");
  assert.deepEqual(cmd.args.slice(2), [
    "cam",
    "/run/cam.out",
    "/run/cam.err",
    "/x/it's here",
    "a b",
  ]);
  assert.ok(!cmd.args[1]!.includes("cam"));
});

Deno.test("node env: base, then the node's env, then --env, then the plane's", () => {
  const node = { ...spec("python", "/x.py"), env: { A: "node", B: "node" } };
  const env = nodeEnv({ A: "base", C: "base", PATH: "/bin" }, node, { B: "extra" }, (merged) => ({
    PYTHONPATH: `/plane:${merged.PATH}`,
  }));
  assert.deepEqual(env, {
    A: "node",
    B: "extra",
    C: "base",
    PATH: "/bin",
    PYTHONPATH: "/plane:/bin",
  });
});

Deno.test("parseShebang reads the interpreter of a #! line", () => {
  assert.equal(parseShebang("#!/usr/bin/env python3\nprint()"), "/usr/bin/env");
  assert.equal(parseShebang("#! /bin/sh -e\n"), "/bin/sh");
  assert.equal(parseShebang("#!/bin/bash"), "/bin/bash");
  assert.equal(parseShebang("\x7fELF..."), undefined);
  assert.equal(parseShebang("#!\n"), undefined);
});
