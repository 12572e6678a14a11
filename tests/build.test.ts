/**
 * `dora build` end to end: the real CLI on a copy of tests/fixtures/build/project in a temp
 * HOME. Builds record themselves in $BUILD_RECORD, so each test sees which nodes really ran.
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import {
  assertInOrder,
  type CliResult,
  dora,
  FIXTURES,
  killPid,
  makeHome,
  readPidFile,
  type TestHome,
} from "./helpers.ts";

const FIXTURE = `${FIXTURES}/build`;
const ESC = "\u001b";

interface Project {
  home: TestHome;
  /** The project copy (holds the dataflow files). */
  dir: string;
  env: Record<string, string>;
  build(args?: string[], env?: Record<string, string>): Promise<CliResult>;
  /** Node ids in the order their builds ran since the last call. */
  takeRecord(): Promise<string[]>;
  logDir(): Promise<string>;
}

async function withProject(fn: (p: Project) => Promise<void>): Promise<void> {
  const home = await makeHome();
  const dir = `${home.dir}/robot`;
  await cp(`${FIXTURE}/project`, dir, { recursive: true });
  const record = `${home.dir}/record.txt`;
  const env = { ...home.env, BUILD_RECORD: record };
  let seen = 0;
  const p: Project = {
    home,
    dir,
    env,
    build: (args = [], extra = {}) =>
      dora(["build", ...args], { env: { ...env, ...extra }, cwd: dir }),
    takeRecord: async () => {
      const lines = (await Deno.readTextFile(record).catch(() => "")).split("\n").filter(Boolean);
      const fresh = lines.slice(seen);
      seen = lines.length;
      return fresh;
    },
    logDir: async () => {
      const root = `${home.doraHome}/logs/build`;
      const dirs = await Array.fromAsync(Deno.readDir(root));
      assert.equal(dirs.length, 1, JSON.stringify(dirs));
      return `${root}/${dirs[0]!.name}`;
    },
  };
  try {
    await fn(p);
  } finally {
    await home.cleanup();
  }
}

function assertClean(result: CliResult): void {
  for (const text of [result.stdout, result.stderr]) {
    assert.ok(!text.includes(ESC), `no escape codes when piped:\n${text}`);
    assert.doesNotMatch(text, /\n\s+at |Stack backtrace|Uncaught|DORA_DEBUG/, text);
  }
}

const BUILT = /^✓ (\S+) built \((\d+ms|\d+\.\d+s|\d+s)\)$/;

Deno.test("dora build runs each node's lines in order, in the dataflow folder, with its env", async () => {
  await withProject(async (p) => {
    // Colour allowed: the output is still plain because it goes to a pipe.
    const result = await p.build([], { NO_COLOR: "" });
    assertClean(result);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const lines = result.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 3, result.stdout);
    assert.match(lines[0]!, BUILT);
    assert.equal(lines[0]!.match(BUILT)![1], "camera");
    assert.equal(lines[1], "- detector: nothing to build");
    assert.equal(lines[2]!.match(BUILT)?.[1], "plot");
    assert.deepEqual(await p.takeRecord(), ["camera", "plot"]);

    const logs = await p.logDir();
    assert.match(logs, /\/logs\/build\/robot-[0-9a-f]{8}$/);
    const camera = await Deno.readTextFile(`${logs}/camera.log`);
    assertInOrder(camera, [
      `$ echo "camera build in $(pwd) mode=$CAMERA_MODE"`,
      `camera build in ${p.dir} mode=fast`,
      "# exit code 0",
      `$ echo "camera warning on stderr" >&2`,
      "camera warning on stderr",
      "$ sh build.sh camera",
      "built camera",
      "# exit code 0",
    ]);
    assert.match(await Deno.readTextFile(`${logs}/plot.log`), /built plot/);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(logs))).map((e) => e.name).sort(),
      ["camera.log", "plot.log"],
    );
  });
});

Deno.test("dora build skips unchanged nodes, rebuilds after a change and with --force", async () => {
  await withProject(async (p) => {
    assert.equal((await p.build()).code, 0);
    assert.deepEqual(await p.takeRecord(), ["camera", "plot"]);

    // The builds wrote out-*.bin into the project: their own output must not count.
    const again = await p.build();
    assertClean(again);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      again.stdout,
      [
        "= camera: up to date (skipped; --force rebuilds)",
        "- detector: nothing to build",
        "= plot: up to date (skipped; --force rebuilds)",
        "",
      ].join("\n"),
    );
    assert.deepEqual(await p.takeRecord(), []);

    await Deno.writeTextFile(`${p.dir}/src/camera.c`, "int main(void) { return 42; }\n");
    const changed = await p.build();
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual(await p.takeRecord(), ["camera", "plot"]);
    assert.match(changed.stdout, /^✓ camera built/m);

    const forced = await p.build(["--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(await p.takeRecord(), ["camera", "plot"]);
    assert.doesNotMatch(forced.stdout, /up to date/);

    // Editing a node's build lines in the YAML rebuilds that node.
    const yaml = await Deno.readTextFile(`${p.dir}/dataflow.yml`);
    await Deno.writeTextFile(
      `${p.dir}/dataflow.yml`,
      yaml.replace("build: sh build.sh plot", "build: sh build.sh plot --verbose"),
    );
    const edited = await p.build();
    assert.equal(edited.code, 0, edited.stderr);
    assert.deepEqual(await p.takeRecord(), ["plot"]);

    const stamps = await Array.fromAsync(Deno.readDir(`${p.home.doraHome}/build`));
    assert.equal(stamps.length, 1);
    const stampText = await Deno.readTextFile(`${p.home.doraHome}/build/${stamps[0]!.name}`);
    assert.doesNotMatch(stampText, /s3cret/, "env values never reach the disk");
    assert.deepEqual(Object.keys(JSON.parse(stampText).nodes).sort(), ["camera", "plot"]);
  });
});

Deno.test("dora build --node builds one node; an unknown id lists the ids and exits 2", async () => {
  await withProject(async (p) => {
    const one = await p.build(["--node", "plot"]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^✓ plot built \(.+\)\n$/);
    assert.deepEqual(await p.takeRecord(), ["plot"]);

    const rest = await p.build();
    assert.deepEqual(await p.takeRecord(), ["camera"], rest.stdout);

    const bad = await p.build(["--node", "camra"]);
    assertClean(bad);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.equal(
      bad.stderr,
      "Error: No node 'camra' in dataflow.yml (did you mean 'camera'?)\n" +
        "Nodes: camera, detector, plot\n",
    );
    assert.deepEqual(await p.takeRecord(), []);
  });
});

Deno.test("a failing build reports node, command, exit code and last lines; exit 1", async () => {
  await withProject(async (p) => {
    const failed = await p.build(["failing.yml"]);
    assertClean(failed);
    assert.equal(failed.code, 1);
    const out = failed.stdout.trimEnd().split("\n");
    assert.equal(out.length, 2, failed.stdout);
    assert.match(out[0]!, /^✓ first built/);
    assert.match(out[1]!, /^✗ broken failed \(.+\)$/);
    assert.deepEqual(await p.takeRecord(), ["first", "broken"], "stops at the failing line");

    const logs = await p.logDir();
    const err = failed.stderr.split("\n");
    assert.match(
      err[0]!,
      /^Error: Build of node 'broken' failed: `for i in 1 2 3 .*test -f "\$HOME\/ok\.flag"` exited with code 1$/,
    );
    assert.equal(err[1], "Last output lines:");
    const shown = err.filter((line) => line.startsWith("  | "));
    assert.equal(shown.length, 10, failed.stderr);
    assert.equal(shown[0], "  | compiling unit 4");
    assert.equal(shown[9], "  | error: missing semicolon");
    assert.ok(err.includes(`Full output: ${logs}/broken.log`), failed.stderr);
    assert.ok(err.includes("Not built because of this failure: after"), failed.stderr);
    const log = await Deno.readTextFile(`${logs}/broken.log`);
    assertInOrder(log, ["compiling unit 1\n", "error: missing semicolon", "# exit code 1"]);
    assert.doesNotMatch(log, /after the failing line/);

    // Fixed (outside the project): the failed node and the one after it build; the good one is
    // up to date.
    await Deno.writeTextFile(`${p.home.dir}/ok.flag`, "");
    const fixed = await p.build(["failing.yml"]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /^= first: up to date/m);
    assert.deepEqual(await p.takeRecord(), ["broken", "after the failing line", "after"]);
  });
});

Deno.test("--uv runs a leading pip/pip3 as 'uv pip', keeping the rest of the line", async () => {
  await withProject(async (p) => {
    // bin/ holds a fake uv, pip and pip3 that record their arguments.
    const tools = `${p.home.dir}/tools.txt`;
    const env = { PATH: `${FIXTURE}/bin:/usr/bin:/bin`, FAKE_TOOL_LOG: tools };
    const takeTools = async () => {
      const text = await Deno.readTextFile(tools).catch(() => "");
      await Deno.remove(tools).catch(() => {});
      return text;
    };
    const result = await p.build(["python.yml", "--uv"], env);
    assertClean(result);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^✓ detector built.*\n✓ plot built/);
    assert.equal(
      await takeTools(),
      "uv [pip][install][-r][requirements.txt][--quiet]\nuv [pip][install][numpy<2]\n",
    );
    assert.deepEqual(await p.takeRecord(), ["detector"], "other lines run unchanged");
    const log = await Deno.readTextFile(`${await p.logDir()}/detector.log`);
    assertInOrder(log, ["$ uv pip install -r requirements.txt  --quiet", "fake uv: pip install"]);

    // plot only installs packages: it depends on its line alone. detector also runs another
    // command, so every file of the folder counts for it.
    await Deno.writeTextFile(`${p.dir}/src/camera.c`, "/* unrelated change */\n");
    const unrelated = await p.build(["python.yml", "--uv"], env);
    assert.match(unrelated.stdout, /^✓ detector built.*\n= plot: up to date/);
    assert.equal(await takeTools(), "uv [pip][install][-r][requirements.txt][--quiet]\n");
    const same = await p.build(["python.yml", "--uv"], env);
    assert.match(same.stdout, /^= detector: up to date.*\n= plot: up to date/);

    // Without --uv the lines run as written (and count as changed: they differ).
    const plain = await p.build(["python.yml"], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(
      await takeTools(),
      "pip [install][-r][requirements.txt][--quiet]\npip3 [install][numpy<2]\n",
    );
  });
});

Deno.test("--uv without uv installed fails the node and says so", async () => {
  await withProject(async (p) => {
    const path = "/usr/bin:/bin";
    for (const dir of path.split(":")) {
      assert.ok(!(await Deno.stat(`${dir}/uv`).catch(() => undefined)), `uv found in ${dir}`);
    }
    const result = await p.build(["python.yml", "--uv"], { PATH: path });
    assertClean(result);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^✗ detector failed/);
    const err = result.stderr.split("\n");
    assert.equal(
      err[0],
      "Error: Build of node 'detector' failed: uv is not installed (no 'uv' on PATH), and --uv " +
        "runs `pip install -r requirements.txt  --quiet` as `uv pip install -r requirements.txt  --quiet`",
    );
    assert.ok(err.includes("Install uv (https://docs.astral.sh/uv/), or build without --uv."));
    assert.ok(err.includes("Not built because of this failure: plot"));
    assert.deepEqual(await p.takeRecord(), [], "nothing of the node ran");
  });
});

Deno.test("dora build on a terminal shows a spinner, then the same lines", async () => {
  const script = await Deno.stat("/usr/bin/script").catch(() => undefined);
  if (!script) return; // no pseudo-terminal helper on this machine
  await withProject(async (p) => {
    // `script` gives the CLI a pseudo-terminal; stty gives it a width so the spinner runs.
    // yocto-spinner stays quiet whenever CI is set (CI machines set it): unset it here.
    const command = `stty cols 120 rows 40; exec env -u CI "$DENO" run -A "$MAIN" build`;
    const out = await new Deno.Command("script", {
      args: ["-qec", command, "/dev/null"],
      cwd: p.dir,
      env: {
        ...p.env,
        DENO: Deno.execPath(),
        MAIN: new URL("../main.ts", import.meta.url).pathname,
        DORA_COORDINATOR_ADDR: "",
        TERM: "xterm",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, text);
    assert.match(
      text,
      /camera: echo "camera build in \$\(pwd\)[^\n]*\(step 1\/3\)/,
      "spinner text",
    );
    assert.ok(text.includes(`${ESC}[?25l`), "the spinner hides the cursor");
    assert.match(text, /✓ camera built/);
    assert.match(text, /- detector: nothing to build/);
    assert.match(text, /✓ plot built/);
    assert.deepEqual(await p.takeRecord(), ["camera", "plot"]);
  });
});

Deno.test("dora build on a missing or invalid dataflow file: clear error, exit 1", async () => {
  await withProject(async (p) => {
    const missing = await p.build(["nope.yml"]);
    assertClean(missing);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: Cannot read dataflow file 'nope.yml': No such file\n/);
    await Deno.writeTextFile(`${p.dir}/bad.yml`, "nodes:\n  - id: a\n    build: echo a\n");
    const invalid = await p.build(["bad.yml"]);
    assertClean(invalid);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^Error: Invalid dataflow file 'bad.yml'/);
    assert.deepEqual(await p.takeRecord(), []);
  });
});

Deno.test("a process a build line leaves in the background does not hold the build up", async () => {
  await withProject(async (p) => {
    await Deno.writeTextFile(
      `${p.dir}/background.yml`,
      [
        "nodes:",
        "  - id: bg",
        "    path: shell",
        "    args: echo bg",
        `    build: sleep 60 & echo $! > "$HOME/bg.pid"; echo started`,
        "",
      ].join("\n"),
    );
    const started = Date.now();
    const result = await p.build(["background.yml"]);
    const pid = await readPidFile(`${p.home.dir}/bg.pid`);
    killPid(pid);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^✓ bg built/);
    assert.ok(Date.now() - started < 30_000, "did not wait for the background sleep");
    const log = await Deno.readTextFile(`${await p.logDir()}/bg.log`);
    assertInOrder(log, ["started", "not kept", "# exit code 0"]);
  });
});
