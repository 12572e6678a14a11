/**
 * What the test suite needs beyond Deno, installed once and cached (run by `deno task test`
 * before the tests; safe to run again, quick when everything is there):
 *
 * - a Python virtual environment with pyarrow and numpy in `.cache/test-venv` (git-ignored),
 *   for the tests of the Arrow path of the Python node library;
 * - Debian packages the end-to-end tests drive for real: `nats-server`, `chromium`, `tmux`,
 *   `bash-completion` (only when running as root with apt-get; otherwise the tests needing them
 *   skip and say why).
 *
 * Nothing here fails the run: what cannot be installed is reported, and the tests that need it
 * are skipped with that reason (tests/helpers.ts `testTools`).
 */
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const VENV = `${ROOT}/.cache/test-venv`;
const PY_PACKAGES = ["pyarrow", "numpy"];
const DEBIAN: { bin: string; pkg: string; file?: string }[] = [
  { bin: "nats-server", pkg: "nats-server" },
  { bin: "chromium", pkg: "chromium" },
  { bin: "tmux", pkg: "tmux" },
  // What `dora completion bash` scripts source (a package, no program).
  { bin: "", pkg: "bash-completion", file: "/usr/share/bash-completion/bash_completion" },
];

async function run(cmd: string, args: string[], quiet = true): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: quiet ? "null" : "inherit",
      stderr: quiet ? "piped" : "inherit",
    }).output();
    if (!out.success && quiet) {
      const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join("\n");
      if (text) console.error(`  ${cmd}: ${text}`);
    }
    return out.success;
  } catch {
    return false;
  }
}

async function which(bin: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
    try {
      if ((await Deno.stat(`${dir}/${bin}`)).isFile) return true;
    } catch { /* not here */ }
  }
  return false;
}

async function pythonVenv(): Promise<void> {
  const python = `${VENV}/bin/python`;
  const check = ["-c", `import ${PY_PACKAGES.join(", ")}`];
  if (await run(python, check)) return;
  console.error(`test setup: creating ${VENV} with ${PY_PACKAGES.join(" and ")} (once, ~30 s)`);
  const base = Deno.env.get("DORA_TEST_PYTHON") ?? "python3";
  if (!await run(base, ["-m", "venv", "--clear", VENV])) {
    console.error(`test setup: '${base} -m venv' failed; the pyarrow tests will be skipped`);
    return;
  }
  // pip runs with the caller's own HOME: that is where a machine's pip configuration lives.
  if (
    !await run(`${VENV}/bin/pip`, ["install", "-q", "--disable-pip-version-check", ...PY_PACKAGES])
  ) {
    console.error(
      "test setup: pip could not install pyarrow/numpy; the pyarrow tests will be skipped",
    );
  }
}

async function debianPackages(): Promise<void> {
  const missing: typeof DEBIAN = [];
  for (const d of DEBIAN) {
    const present = d.file
      ? await Deno.stat(d.file).then(() => true, () => false)
      : await which(d.bin);
    if (!present) missing.push(d);
  }
  if (missing.length === 0) return;
  const names = missing.map((d) => d.pkg).join(" ");
  const root = Deno.uid?.() === 0;
  if (!root || !await which("apt-get")) {
    console.error(
      `test setup: ${names} missing and not installable here (needs root and apt-get); ` +
        "the tests that need them will be skipped",
    );
    return;
  }
  console.error(`test setup: apt-get install ${names}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  Deno.env.set("DEBIAN_FRONTEND", env.DEBIAN_FRONTEND);
  await run("apt-get", ["update", "-qq"]);
  if (
    !await run("apt-get", [
      "install",
      "-y",
      "-qq",
      "--no-install-recommends",
      ...missing.map((d) => d.pkg),
    ])
  ) {
    console.error(
      `test setup: apt-get could not install ${names}; the tests that need them will be skipped`,
    );
  }
}

if (import.meta.main) {
  if (Deno.env.get("DORA_TEST_SETUP") === "0") {
    console.error("test setup: skipped (DORA_TEST_SETUP=0)");
  } else {
    await Deno.mkdir(`${ROOT}/.cache`, { recursive: true });
    await Promise.all([pythonVenv(), debianPackages()]);
  }
}
