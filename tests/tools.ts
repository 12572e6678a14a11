/**
 * The external tools some end-to-end tests drive for real (installed by `deno task test`
 * through scripts/test_setup.ts where the machine allows it). Each lookup returns the path, or
 * undefined; `ignoreWithout` gives `Deno.test` an `ignore` flag and prints why a test is skipped.
 */
import { ROOT } from "./helpers.ts";

/** The test virtual environment made by scripts/test_setup.ts (pyarrow and numpy). */
export const TEST_VENV = `${ROOT}/.cache/test-venv`;

function runs(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null", stdin: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

let arrowPythonCache: string | null | undefined;

/** A Python interpreter that can import pyarrow and numpy, or undefined. */
export function arrowPython(): string | undefined {
  if (arrowPythonCache === undefined) {
    const candidates = [Deno.env.get("DORA_TEST_ARROW_PYTHON"), `${TEST_VENV}/bin/python`];
    arrowPythonCache = candidates.find((c) => c && runs(c, ["-c", "import pyarrow, numpy"])) ??
      null;
  }
  return arrowPythonCache ?? undefined;
}

/** The folder to put first on PATH so that `python3` is the Arrow-capable interpreter. */
export function arrowPythonBinDir(): string | undefined {
  const python = arrowPython();
  return python ? python.slice(0, python.lastIndexOf("/")) : undefined;
}

/** The absolute path of a program on PATH (or in /usr/sbin), or undefined. */
export function findProgram(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}

const reported = new Set<string>();

/** `true` (ignore the test) when `available` is falsy, saying once which tool is missing. */
export function ignoreWithout(what: string, available: unknown): boolean {
  if (!available && !reported.has(what)) {
    reported.add(what);
    console.error(`skipping tests that need ${what}: not found (see scripts/test_setup.ts)`);
  }
  return !available;
}
