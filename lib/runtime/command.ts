/**
 * What to execute for a node, and the small shell wrapper that connects the node's stdout and
 * stderr to its FIFOs. Looking up programs is the only I/O here, and it goes through a `Probe`
 * so the rules are tested without touching the disk.
 */
import type { NodeSpec } from "../descriptor/types.ts";
import { denoScriptCommand } from "../relaunch.ts";

/** A node that cannot be started, with a reason a person can act on. */
export class SpawnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpawnError";
  }
}

/** How the resolver looks at the file system. */
export interface Probe {
  /** "file", "dir" or "missing". */
  kind(path: string): "file" | "dir" | "missing";
  /** Whether the file has an execute bit. */
  executable(path: string): boolean;
  /** The interpreter named by the file's `#!` line, if it has one. */
  interpreter(path: string): string | undefined;
}

/** The real file system. */
export const realProbe: Probe = {
  kind(path) {
    try {
      return Deno.statSync(path).isDirectory ? "dir" : "file";
    } catch {
      return "missing";
    }
  },
  executable(path) {
    try {
      return ((Deno.statSync(path).mode ?? 0) & 0o111) !== 0;
    } catch {
      return false;
    }
  },
  interpreter(path) {
    let file: Deno.FsFile | undefined;
    try {
      file = Deno.openSync(path, { read: true });
      const head = new Uint8Array(256);
      const n = file.readSync(head) ?? 0;
      return parseShebang(new TextDecoder().decode(head.subarray(0, n)));
    } catch {
      return undefined;
    } finally {
      file?.close();
    }
  },
};

/** The interpreter of a `#!` line at the start of `text`. */
export function parseShebang(text: string): string | undefined {
  if (!text.startsWith("#!")) return undefined;
  const line = text.slice(2).split("\n")[0]!.trim();
  return line.split(/[ \t]/)[0] || undefined;
}

/** The first executable `name` on `pathVar` (colon-separated), if any. */
export function which(name: string, pathVar: string, probe: Probe = realProbe): string | undefined {
  for (const dir of pathVar.split(":")) {
    if (dir === "") continue;
    const candidate = `${dir}/${name}`;
    if (probe.kind(candidate) === "file" && probe.executable(candidate)) return candidate;
  }
  return undefined;
}

function requireFile(path: string, what: string, probe: Probe): void {
  const kind = probe.kind(path);
  if (kind === "missing") throw new SpawnError(`${what} not found: ${path}`);
  if (kind === "dir") throw new SpawnError(`${what} is a directory: ${path}`);
}

function requireExecutable(path: string, probe: Probe): string {
  requireFile(path, "program", probe);
  if (!probe.executable(path)) {
    throw new SpawnError(`permission denied: ${path} is not executable (chmod +x ${path}?)`);
  }
  // exec fails with ENOENT when the #! interpreter is missing: say which file is missing.
  const interpreter = probe.interpreter(path);
  if (interpreter?.startsWith("/") && probe.kind(interpreter) !== "file") {
    throw new SpawnError(`interpreter ${interpreter} not found (named by the #! line of ${path})`);
  }
  return path;
}

/**
 * The argv of a node (program first), with the program resolved against the node's PATH.
 * With `uv` (the path of `uv`, from `run --uv`), Python nodes run as `uv run python -u ...`,
 * in the environment uv finds from the node's folder (the one `dora build --uv` filled).
 * Throws `SpawnError` when it cannot run. Dynamic nodes have no argv.
 */
export function nodeArgv(
  node: NodeSpec,
  pathVar: string,
  probe: Probe = realProbe,
  uv?: string,
): string[] {
  switch (node.kind) {
    case "dynamic":
      throw new SpawnError("dynamic nodes are started by the user, not by dora");
    case "shell": {
      const sh = which("sh", pathVar, probe) ?? "/bin/sh";
      return [sh, "-c", node.args.join(" ")];
    }
    case "python": {
      requireFile(node.program, "script", probe);
      if (node.operator) return operatorArgv(node, pathVar, probe, uv);
      if (uv) return [uv, "run", "python", "-u", node.program, ...node.args];
      const python = which("python3", pathVar, probe);
      if (!python) {
        throw new SpawnError(`python3 not found on PATH (needed to run ${node.program})`);
      }
      return [python, "-u", node.program, ...node.args];
    }
    case "deno": {
      requireFile(node.program, "script", probe);
      const cmd = denoScriptCommand(node.program, node.args);
      const deno = cmd.command.includes("/") ? cmd.command : which(cmd.command, pathVar, probe);
      if (!deno) throw new SpawnError(`deno not found on PATH (needed to run ${node.program})`);
      return [deno, ...cmd.args];
    }
    case "executable": {
      if (node.program.includes("/")) return [requireExecutable(node.program, probe), ...node.args];
      const found = which(node.program, pathVar, probe);
      if (!found) throw new SpawnError(`executable '${node.program}' not found on PATH`);
      return [found, ...node.args];
    }
  }
}

/**
 * A Python operator runs through the `dora` package's runner (`python -m dora._operator`), with
 * `python3` from PATH, `uv run python` with `run --uv`, or, for `conda_env` (which wins), the
 * environment's Python through `conda run`.
 */
function operatorArgv(node: NodeSpec, pathVar: string, probe: Probe, uv?: string): string[] {
  const runner = ["-u", "-m", "dora._operator", node.program];
  const env = node.operator!.condaEnv;
  if (env !== undefined) {
    const conda = which("conda", pathVar, probe);
    if (!conda) {
      throw new SpawnError(
        `conda not found on PATH (needed for conda_env '${env}' of operator ${node.program})`,
      );
    }
    return [conda, "run", "--no-capture-output", "-n", env, "python", ...runner];
  }
  if (uv) return [uv, "run", "python", ...runner];
  const python = which("python3", pathVar, probe);
  if (!python) throw new SpawnError(`python3 not found on PATH (needed to run ${node.program})`);
  return [python, ...runner];
}

/**
 * The node's stdout and stderr are its FIFOs, opened read-write: the node itself then always
 * holds a read end, so a write never raises SIGPIPE when no supervisor reads (the FIFO fills,
 * and the node waits until one reads again). `$0` is the node id, so the rare error of the
 * shell itself names the node.
 */
const WRAPPER = 'o=$1; e=$2; shift 2; exec "$@" </dev/null 1<>"$o" 2<>"$e"';

/** The command that runs `argv` with its output going to the two FIFOs. */
export function wrapWithFifos(
  nodeId: string,
  argv: string[],
  stdoutFifo: string,
  stderrFifo: string,
): { command: string; args: string[] } {
  return { command: "/bin/sh", args: ["-c", WRAPPER, nodeId, stdoutFifo, stderrFifo, ...argv] };
}

/**
 * A node's environment: the base (the caller's environment), the node's own `env`, the
 * `--env` values, then what the data plane adds.
 */
export function nodeEnv(
  base: Record<string, string>,
  node: NodeSpec,
  extra: Record<string, string> = {},
  plane?: (merged: Record<string, string>) => Record<string, string>,
): Record<string, string> {
  const merged = { ...base, ...node.env, ...extra };
  return plane ? { ...merged, ...plane(merged) } : merged;
}
