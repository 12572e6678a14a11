import assert from "node:assert/strict";
import { denoScriptCommand, selfCommand } from "./relaunch.ts";

Deno.test("selfCommand under deno run re-runs main.ts with -A", () => {
  const cmd = selfCommand(["daemon", "--port", "4000"], {
    standalone: false,
    execPath: "/usr/bin/deno",
    mainModule: "file:///opt/dora%20x/main.ts",
  });
  assert.deepEqual(cmd, {
    command: "/usr/bin/deno",
    args: ["run", "-A", "/opt/dora x/main.ts", "daemon", "--port", "4000"],
  });
});

Deno.test("selfCommand when compiled runs the binary itself", () => {
  const cmd = selfCommand(["daemon"], {
    standalone: true,
    execPath: "/usr/local/bin/dora",
    mainModule: "file:///tmp/deno-compile-dora/main.ts",
  });
  assert.deepEqual(cmd, { command: "/usr/local/bin/dora", args: ["daemon"] });
});

Deno.test("denoScriptCommand uses this deno, or DORA_DENO/deno when compiled", () => {
  const run = denoScriptCommand("/a/n.ts", ["x"], {
    standalone: false,
    execPath: "/usr/bin/deno",
    mainModule: "file:///m.ts",
  });
  assert.deepEqual(run, { command: "/usr/bin/deno", args: ["run", "-A", "/a/n.ts", "x"] });
  const compiled = denoScriptCommand("/a/n.ts", [], {
    standalone: true,
    execPath: "/usr/local/bin/dora",
    mainModule: "file:///m.ts",
  });
  assert.equal(compiled.args[0], "run");
  assert.notEqual(compiled.command, "/usr/local/bin/dora");
});

Deno.test("selfCommand's command really runs this program", async () => {
  const cmd = selfCommand(["--version"]);
  const out = await new Deno.Command(cmd.command, { args: cmd.args, stdout: "piped" }).output();
  assert.equal(out.code, 0);
  assert.match(new TextDecoder().decode(out.stdout), /^dora \d+\.\d+\.\d+/);
});
