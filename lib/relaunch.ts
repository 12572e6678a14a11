/**
 * The one place that knows how to start this program again (the daemon, `up`), and how to run a
 * TypeScript node. Under `deno run` that is `deno run -A <main.ts> ...`; compiled, it is the
 * binary itself.
 */

/** How this program was started; injectable for tests of both branches. */
export interface Runtime {
  standalone: boolean;
  execPath: string;
  mainModule: string;
}

/** The running program's own runtime facts. */
export function currentRuntime(): Runtime {
  return {
    standalone: Deno.build.standalone === true,
    execPath: Deno.execPath(),
    mainModule: new URL("../main.ts", import.meta.url).href,
  };
}

/** The command and arguments that run this program with `args`. */
export function selfCommand(
  args: string[],
  runtime: Runtime = currentRuntime(),
): { command: string; args: string[] } {
  if (runtime.standalone) return { command: runtime.execPath, args };
  const main = runtime.mainModule.startsWith("file:")
    ? decodeURIComponent(new URL(runtime.mainModule).pathname)
    : runtime.mainModule;
  return { command: runtime.execPath, args: ["run", "-A", main, ...args] };
}

/**
 * The command that runs a TypeScript/JavaScript node file. Under `deno run` it is this Deno;
 * compiled, the binary cannot run other scripts, so `DORA_DENO` or a `deno` on PATH is used.
 */
export function denoScriptCommand(
  file: string,
  args: string[],
  runtime: Runtime = currentRuntime(),
): { command: string; args: string[] } {
  const deno = runtime.standalone ? (Deno.env.get("DORA_DENO") || "deno") : runtime.execPath;
  return { command: deno, args: ["run", "-A", file, ...args] };
}
