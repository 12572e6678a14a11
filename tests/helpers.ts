/**
 * Shared helpers for end-to-end tests: a private HOME per test, a free port, the real CLI
 * spawned as a user would, polling with deadlines, and process checks by pid.
 */
import assert from "node:assert/strict";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const MAIN = `${ROOT}/main.ts`;
export const FIXTURES = `${ROOT}/tests/fixtures`;

const decoder = new TextDecoder();

/**
 * Deno itself prints `Download https://registry.npmjs.org/...` on stderr when a fresh machine's
 * cache lacks an npm package the CLI imports (the compiled binary never does). That is Deno's
 * noise, not ours: tests look at our output only.
 */
// deno-lint-ignore no-control-regex
const DENO_DOWNLOAD = /^(?:\x1b\[[0-9;]*m)*Download(?:\x1b\[[0-9;]*m)* https?:\/\/\S+\n/gm;

/** Removes Deno's own download lines from a CLI's stderr. */
export function withoutDenoNoise(stderr: string): string {
  return stderr.replace(DENO_DOWNLOAD, "");
}

/** A temporary HOME with its own DORA_HOME; `env` is what every CLI call gets. */
export interface TestHome {
  dir: string;
  doraHome: string;
  port: number;
  env: Record<string, string>;
  /** Removes the folder (call after every process is gone). */
  cleanup(): Promise<void>;
}

/** Returns a port that was free a moment ago (never 53290). */
export function freePort(): number {
  for (;;) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (port !== 53290) return port;
  }
}

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  return xdg ? `${xdg}/deno` : `${Deno.env.get("HOME") ?? "/root"}/.cache/deno`;
}

/** Creates a private HOME with a free daemon port and short timers. */
export async function makeHome(extraEnv: Record<string, string> = {}): Promise<TestHome> {
  const dir = await Deno.makeTempDir({ prefix: "dora-test-" });
  const doraHome = `${dir}/.dora`;
  const port = freePort();
  const env: Record<string, string> = {
    // A new HOME would also move Deno's cache: keep the one this test process uses.
    DENO_DIR: denoDir(),
    HOME: dir,
    DORA_HOME: doraHome,
    DORA_DAEMON_PORT: String(port),
    NO_COLOR: "1",
    RUST_BACKTRACE: "0",
    DORA_STOP_TIMEOUT: "5",
    // Shared-memory folders inside the temp HOME: removed with it, even those of a daemon a
    // test killed on purpose.
    DORA_SHM_DIR: dir,
    ...extraEnv,
  };
  return {
    dir,
    doraHome,
    port,
    env,
    cleanup: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** The result of a finished CLI call. */
export interface CliResult {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Runs `dora <args>` to completion. */
export async function dora(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { ...opts.env, DORA_COORDINATOR_ADDR: "" },
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(opts.stdin));
    await writer.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    signal: out.signal,
    stdout: decoder.decode(out.stdout),
    stderr: withoutDenoNoise(decoder.decode(out.stderr)),
  };
}

/** A CLI process left running: its output is collected as it comes. */
export interface RunningCli {
  child: Deno.ChildProcess;
  pid: number;
  /** Everything printed to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output is drained. */
  finished: Promise<CliResult>;
}

/** Starts `dora <args>` and returns at once. */
export function spawnDora(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): RunningCli {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { ...opts.env, DORA_COORDINATOR_ADDR: "" },
    cwd: opts.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  const drain = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const textDecoder = new TextDecoder();
    for await (const chunk of stream) add(textDecoder.decode(chunk, { stream: true }));
  };
  const finished = (async () => {
    const [status] = await Promise.all([
      child.status,
      drain(child.stdout, (s) => out += s),
      drain(child.stderr, (s) => err += s),
    ]);
    return { code: status.code, signal: status.signal, stdout: out, stderr: withoutDenoNoise(err) };
  })();
  return {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => withoutDenoNoise(err),
    finished,
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function pollUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}` + (last ? `: ${last}` : ""),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Whether a process with this pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Kills the process (group, when `group`) by pid, ignoring processes already gone. */
export function killPid(pid: number, signal: Deno.Signal = "SIGKILL", group = false): void {
  try {
    Deno.kill(group ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

/** Asserts that `text` contains every one of `parts`, in order. */
export function assertInOrder(text: string, parts: string[]): void {
  let from = 0;
  for (const part of parts) {
    const at = text.indexOf(part, from);
    assert.ok(at >= 0, `expected ${JSON.stringify(part)} after offset ${from} in:\n${text}`);
    from = at + part.length;
  }
}

/** Reads a pid written by a fixture into a file (polls until present). */
export async function readPidFile(path: string, timeoutMs = 20_000): Promise<number> {
  return await pollUntil(`pid file ${path}`, async () => {
    const text = (await Deno.readTextFile(path)).trim();
    const pid = Number(text);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }, timeoutMs);
}

/** The `@{json}` records a node printed, from `dora run`'s prefixed output. */
export function nodeRecords(stdout: string, node: string): Record<string, unknown>[] {
  const prefix = new RegExp(`^${node.replaceAll(".", "\\.")}\\s* \\| @`);
  return stdout.split("\n").filter((l) => prefix.test(l)).map((l) =>
    JSON.parse(l.slice(l.indexOf("| @") + 3))
  );
}
