import assert from "node:assert/strict";
import { applyUv, effectiveLines, inputRule, isInstallerLine, pathCandidates } from "./commands.ts";

Deno.test("--uv turns a leading pip or pip3 into 'uv pip' and keeps the rest exactly", () => {
  assert.deepEqual(applyUv("pip install -r requirements.txt"), {
    line: "uv pip install -r requirements.txt",
    rewritten: true,
  });
  assert.equal(
    applyUv("pip3  install  'numpy<2'  # pinned").line,
    "uv pip  install  'numpy<2'  # pinned",
  );
  assert.equal(applyUv("  pip install x").line, "  uv pip install x");
  assert.equal(applyUv("pip").line, "uv pip");
  assert.equal(applyUv("pip\tinstall x").line, "uv pip\tinstall x");
});

Deno.test("--uv leaves other lines alone", () => {
  for (
    const line of [
      "pipx install x",
      "pip3.11 install x",
      "python -m pip install x",
      "make pip",
      "cargo build --release",
      "echo pip install x",
    ]
  ) assert.deepEqual(applyUv(line), { line, rewritten: false }, line);
  assert.deepEqual(effectiveLines(["pip install a", "make"], true), ["uv pip install a", "make"]);
  assert.deepEqual(effectiveLines(["pip install a"], false), ["pip install a"]);
});

Deno.test("package installer lines are recognised; anything else is not", () => {
  for (
    const line of [
      "pip install -r requirements.txt",
      "pip3 install -e .",
      "uv pip install numpy",
      "python -m pip install opencv-python",
      "python3.11 -m pip install x",
      "pip3 install 'numpy<2' \"opencv>=4\"",
    ]
  ) assert.equal(isInstallerLine(line), true, line);
  for (
    const line of [
      "make",
      "cargo build -p camera",
      "pip install -r reqs.txt && make",
      "pip install $PKG",
      'pip install "$PKG"',
      "pip install 'a' > out.txt",
      "uv sync",
      "python setup.py build",
      "",
    ]
  ) assert.equal(isInstallerLine(line), false, line);
});

Deno.test("path candidates are the non-option words and --opt=value values", () => {
  assert.deepEqual(pathCandidates("pip install -r requirements.txt -e ./mylib"), [
    "install",
    "requirements.txt",
    "./mylib",
  ]);
  assert.deepEqual(pathCandidates("pip install --requirement=reqs/base.txt 'my pkg'"), [
    "install",
    "reqs/base.txt",
    "my pkg",
  ]);
  assert.deepEqual(pathCandidates("pip install https://x.org/a.whl $HOME/b --upgrade"), [
    "install",
  ]);
  assert.deepEqual(pathCandidates("make"), []);
  assert.deepEqual(pathCandidates("gcc -o 'camera bin' camera.c camera.c"), [
    "camera bin",
    "camera.c",
  ]);
  assert.deepEqual(pathCandidates("echo 'unterminated"), ["'unterminated"]);
});

Deno.test("input rule: installers read what they name, other commands the whole folder", () => {
  assert.deepEqual(inputRule(["pip install -r requirements.txt", "pip install numpy"]), {
    wholeFolder: false,
    named: ["install", "requirements.txt", "numpy"],
  });
  assert.deepEqual(inputRule(["pip install -r requirements.txt", "make -C camera"]), {
    wholeFolder: true,
    named: ["install", "requirements.txt", "camera"],
  });
  assert.deepEqual(inputRule([]), { wholeFolder: false, named: [] });
});
