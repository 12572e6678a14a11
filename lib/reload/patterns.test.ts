import assert from "node:assert/strict";
import {
  compilePatterns,
  makeIgnoreMatcher,
  makeReloadFilter,
  normalizeRelative,
  parsePatternList,
} from "./patterns.ts";

Deno.test("parsePatternList splits on commas and drops blanks", () => {
  assert.deepEqual(parsePatternList("*.py, *.yaml,config/*,,"), ["*.py", "*.yaml", "config/*"]);
  assert.deepEqual(parsePatternList(""), []);
});

Deno.test("patterns without a slash match a name at any depth", () => {
  const match = compilePatterns(["*.py"]);
  assert.equal(match("processor.py"), true);
  assert.equal(match("nodes/camera/main.py"), true);
  assert.equal(match("nodes/camera/main.pyc"), false);
  assert.equal(match("main.py.swp"), false);
});

Deno.test("patterns with a slash match the path from the watched folder", () => {
  const match = compilePatterns(["config/*"]);
  assert.equal(match("config/robot.yaml"), true);
  assert.equal(match("other/config/robot.yaml"), false);
  assert.equal(match("config/a/b.yaml"), true, "the folder config/a matches config/*");
  const deep = compilePatterns(["config/**/*.yaml"]);
  assert.equal(deep("config/a/b.yaml"), true);
  assert.equal(deep("config/a/b.json"), false);
});

Deno.test("a pattern naming a folder covers its contents, with or without a slash", () => {
  for (const pattern of ["logs/", "logs", "./logs/"]) {
    const match = compilePatterns([pattern]);
    assert.equal(match("logs/node.txt"), true, pattern);
    assert.equal(match("a/logs/b/c.py"), true, pattern);
    assert.equal(match("mylogs/c.py"), false, pattern);
  }
});

Deno.test("dot files are matched by globs", () => {
  const match = compilePatterns(["*.env", "*.py"]);
  assert.equal(match(".env"), true);
  assert.equal(match("prod.env"), true);
  assert.equal(match(".hidden.py"), true);
});

Deno.test("default filter: sources, YAML and config files trigger a reload", () => {
  const filter = makeReloadFilter();
  for (
    const path of [
      "processor.py",
      "nodes/det/main.ts",
      "ui.mjs",
      "dataflow.yml",
      "robot.yaml",
      "config/params.json",
      "Cargo.toml",
      "setup.cfg",
      ".env",
    ]
  ) assert.equal(filter(path), true, path);
  for (const path of ["README.md", "camera", "image.png", "notes.txt"]) {
    assert.equal(filter(path), false, path);
  }
});

Deno.test("built-in ignores win over watch patterns", () => {
  const filter = makeReloadFilter({ patterns: ["*"] });
  for (
    const path of [
      "node.log",
      "node.log.1",
      "logs/camera.txt",
      ".processor.py.swp",
      ".processor.py.swx",
      "processor.py~",
      ".#processor.py",
      "#processor.py#",
      "4913",
      "processor.py.tmp",
      ".processor.py.kate-swp",
      "__pycache__/processor.cpython-311.pyc",
      "pkg/__pycache__/x.py",
      ".git/index",
      ".git/refs/heads/main",
      "node_modules/left-pad/index.js",
      ".venv/lib/python3.11/site-packages/x.py",
      "build/lib/x.py",
      "dist/app.js",
      "target/release/camera",
      "out/a.json",
      "recording.csv",
      "data/run1.parquet",
      "capture.mcap",
      "state.db",
      "cache.sqlite",
      "model.onnx",
    ]
  ) assert.equal(filter(path), false, path);
  assert.equal(filter("processor.py"), true);
  assert.equal(filter("mybuild/x.py"), true, "only a folder named exactly build/ is ignored");
});

Deno.test("user ignores and literal folders are added to the built-in ones", () => {
  const filter = makeReloadFilter({
    patterns: ["*.py", "*.yaml"],
    extraIgnores: ["scratch/", "*_test.py"],
    ignoredDirs: ["home/.dora"],
  });
  assert.equal(filter("scratch/a.py"), false);
  assert.equal(filter("a_test.py"), false);
  assert.equal(filter("home/.dora/logs/x/y.yaml"), false);
  assert.equal(filter("home/.dora.yaml"), true, "a literal folder is not a prefix of a name");
  assert.equal(filter("a.py"), true);
  assert.equal(filter("README.md"), false);
  assert.equal(filter(".dora-like/x.py"), true);
});

Deno.test("an empty pattern list watches nothing; a literal '' folder ignores everything", () => {
  assert.equal(makeReloadFilter({ patterns: [] })("a.py"), false);
  assert.equal(makeIgnoreMatcher([], [""])("a.py"), true);
});

Deno.test("paths outside the folder are never matched", () => {
  const filter = makeReloadFilter({ patterns: ["*"] });
  assert.equal(filter("../other/a.py"), false);
  assert.equal(filter("/etc/passwd"), false);
  assert.equal(normalizeRelative("a/./b/"), "a/b");
  assert.equal(normalizeRelative("a/../b"), undefined);
});
