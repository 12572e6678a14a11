/**
 * Turning a node's `path` into what to execute: its kind (python, deno, executable, shell,
 * dynamic) and the program (absolute path, or a bare name found on PATH). File-system questions
 * go through a `FileProbe` so the rules stay pure and the caller decides how to look.
 */
import { extname, isAbsolute, join, resolve } from "node:path";
import type { NodeKind } from "./types.ts";

/** How the resolver looks at the file system. */
export interface FileProbe {
  /** What is at `path`. */
  stat(path: string): "file" | "dir" | "missing";
  /** Whether the file at `path` has an execute bit. */
  executable(path: string): boolean;
  /** The full path of `name` on PATH, if any. */
  which(name: string): string | undefined;
}

/** The resolved program, or a problem message about the `path` value. */
export type ResolvedProgram =
  | { ok: true; kind: NodeKind; program: string }
  | { ok: false; error: string };

const SCRIPT_KINDS: Record<string, NodeKind> = {
  ".py": "python",
  ".ts": "deno",
  ".tsx": "deno",
  ".js": "deno",
  ".mjs": "deno",
};

/**
 * Resolves `path` relative to `dir`. When the node has build commands, a missing program is not
 * a problem: `dora build` is expected to produce it (dora skips the check for the same reason).
 */
export function resolveProgram(
  path: string,
  dir: string,
  hasBuild: boolean,
  probe: FileProbe,
): ResolvedProgram {
  if (path === "shell") return { ok: true, kind: "shell", program: "" };
  if (path === "dynamic") return { ok: true, kind: "dynamic", program: "" };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path)) {
    return {
      ok: false,
      error: `downloading nodes from a URL is not supported: fetch '${path}' in 'build' ` +
        "and point 'path' at the local file",
    };
  }
  const script = SCRIPT_KINDS[extname(path).toLowerCase()];
  const bare = !isAbsolute(path) && !path.includes("/");
  if (bare && !script && probe.stat(join(dir, path)) === "missing") {
    if (probe.which(path) !== undefined || hasBuild) {
      return { ok: true, kind: "executable", program: path };
    }
    return {
      ok: false,
      error: `executable '${path}' not found: it is neither on PATH nor next to the dataflow`,
    };
  }
  const absolute = resolve(dir, path);
  const kind = script ?? "executable";
  switch (probe.stat(absolute)) {
    case "missing":
      if (hasBuild) break;
      return { ok: false, error: `source file not found: '${path}' (no file at ${absolute})` };
    case "dir":
      return { ok: false, error: `'${path}' is a directory, not a program (${absolute})` };
    case "file":
      if (kind === "executable" && !probe.executable(absolute)) {
        return {
          ok: false,
          error: `'${path}' is not executable: run 'chmod +x ${absolute}' ` +
            "or start it through an interpreter",
        };
      }
  }
  return { ok: true, kind, program: absolute };
}
