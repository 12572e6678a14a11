/** `dora graph` end to end: the real CLI on the examples, Mermaid text and the HTML page. */
import assert from "node:assert/strict";
import { dora, FIXTURES, makeHome, ROOT, type TestHome } from "./helpers.ts";

const ROBOT = `${ROOT}/examples/robot/dataflow.yml`;
const BENCH = `${ROOT}/examples/benchmark/dataflow.yml`;
const BROWSERS = `${FIXTURES}/browser`;

async function withHome(fn: (home: TestHome) => Promise<void>): Promise<void> {
  const home = await makeHome();
  try {
    await fn(home);
  } finally {
    await home.cleanup();
  }
}

Deno.test("graph --mermaid: the robot example as dora users know it", async () => {
  await withHome(async (home) => {
    const res = await dora(["graph", ROBOT, "--mermaid"], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, "");
    assert.equal(
      res.stdout,
      [
        "flowchart TB",
        '  camera["`**camera**`"]',
        '  detector["`**detector**`"]',
        '  visualizer[/"`**visualizer**`"\\]',
        "subgraph ___dora___ [dora]",
        "  subgraph ___timer_timer___ [timer]",
        '    dora_timer_millis_33[\\"millis/33"/]',
        "  end",
        "end",
        '  dora_timer_millis_33 -- "tick" --> camera',
        '  camera -- "image" --> detector',
        '  detector -- "bbox" --> visualizer',
        "",
      ].join("\n"),
    );
    const bench = await dora(["graph", BENCH, "--mermaid"], { env: home.env });
    assert.equal(bench.code, 0, bench.stderr);
    assert.match(bench.stdout, /^ {2}pong -- "pong \(queue 1000\)" --> ping$/m);
    assert.match(bench.stdout, /^ {2}ping -- "ping \(queue 100000\)" --> pong$/m);
  });
});

Deno.test("graph --html: a self-contained page with every node, input and timer", async () => {
  await withHome(async (home) => {
    const out = `${home.dir}/robot.html`;
    const res = await dora(["graph", ROBOT, "--html", out], { env: home.env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      res.stdout,
      `View graph by opening the following in your browser:\n  file://${out}\n`,
    );
    const html = await Deno.readTextFile(out);
    for (const id of ["camera", "detector", "visualizer"]) {
      assert.match(html, new RegExp(`<g class="node [^"]*" data-node="${id}">`));
    }
    for (const edge of ["camera/tick", "detector/image", "visualizer/bbox"]) {
      assert.ok(html.includes(`data-edge="${edge}"`), edge);
    }
    assert.match(html, /timer millis\/33/);
    // Nothing to fetch: no scripts, no stylesheets or images from elsewhere.
    assert.doesNotMatch(html, /<script|<link|src=|@import|url\((?!#)/);
    const stdout = await dora(["graph", BENCH, "--html", "-"], { env: home.env });
    assert.equal(stdout.code, 0, stdout.stderr);
    assert.match(stdout.stdout, /^<!doctype html>/);
    assert.match(stdout.stdout, /ping as pong|pong \(queue 1000\)/);
  });
});

Deno.test("graph: without flags the page goes next to the YAML; --open opens it", async () => {
  await withHome(async (home) => {
    const dir = `${home.dir}/robot`;
    await Deno.mkdir(dir);
    for (const file of ["dataflow.yml", "camera.py", "detector.ts", "visualizer.py"]) {
      await Deno.copyFile(`${ROOT}/examples/robot/${file}`, `${dir}/${file}`);
    }
    const log = `${home.dir}/opened.txt`;
    const env = { ...home.env, BROWSER: `${BROWSERS}/record_url.sh`, BROWSER_LOG: log };
    const res = await dora(["graph", "dataflow.yml", "--open"], { env, cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    assert.match(await Deno.readTextFile(`${dir}/dataflow.html`), /data-node="detector"/);
    assert.equal(await Deno.readTextFile(log), `file://${dir}/dataflow.html\n`);
  });
});

Deno.test("graph: bad input gets a clear message and the right exit code", async () => {
  await withHome(async (home) => {
    const both = await dora(["graph", ROBOT, "--mermaid", "--open"], { env: home.env });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--mermaid prints text: it cannot be combined with --html or --open/);
    const missing = await dora(["graph", `${home.dir}/nope.yml`, "--mermaid"], { env: home.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: Cannot read dataflow file '.*nope\.yml': No such file/);
    const bad = `${home.dir}/bad.yml`;
    await Deno.writeTextFile(
      bad,
      "nodes:\n  - id: a\n    path: /bin/true\n    inputs: { x: b/out }\n",
    );
    const invalid = await dora(["graph", bad, "--mermaid"], { env: home.env });
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /bad\.yml:4:\d+: .*'b'/);
    assert.match(invalid.stderr, /1 problem found/);
    const noDir = await dora(["graph", ROBOT, "--html", `${home.dir}/no/such/dir/x.html`], {
      env: home.env,
    });
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /^Error: Cannot write .*x\.html: /);
  });
});

Deno.test("graph --open: no browser opener, or a failing one, is said plainly (exit 1)", async () => {
  await withHome(async (home) => {
    const out = `${home.dir}/g.html`;
    // A PATH without xdg-open (or open) and no BROWSER.
    const none = await dora(["graph", ROBOT, "--html", out, "--open"], {
      env: { ...home.env, PATH: "/nonexistent", BROWSER: "" },
    });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^Error: Cannot open a browser: '(xdg-open|open)' was not found/m);
    assert.match(none.stderr, new RegExp(`Open it yourself: file://${out}`));
    assert.doesNotMatch(none.stderr, /\n\s+at /);
    const fails = await dora(["graph", ROBOT, "--html", out, "--open"], {
      env: { ...home.env, BROWSER: `${BROWSERS}/fail.sh` },
    });
    assert.equal(fails.code, 1);
    assert.match(fails.stderr, /Cannot open a browser: \$BROWSER exited with code 3/);
  });
});
