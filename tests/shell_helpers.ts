/**
 * Running the CLI the way people and their scripts do: a shell command line (`sh -c`, or bash
 * for the seed's bash recipes) in which `dora` is the real CLI, with settings given in that
 * line only (`DORA_STOP_TIMEOUT=30 dora stop x`, pipes into `head` and `grep -m1`); and a real
 * terminal (tmux) for the prompts and pickers.
 */
import { MAIN, pollUntil, type TestHome, withoutDenoNoise } from "./helpers.ts";

const decoder = new TextDecoder();

/** Shell code defining `dora` as the real CLI, with no coordinator address inherited. */
export function doraFunction(): string {
  return `unset DORA_COORDINATOR_ADDR; dora() { "${Deno.execPath()}" run -A "${MAIN}" "$@"; }`;
}

/** The result of a shell line, with how long it took. */
export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `script` in `sh -c` (or bash) with `home.env`; `dora` is the CLI. A line still running
 * after `timeoutMs` (60 s) is killed with its whole process group and gets code 124.
 */
export async function sh(
  home: TestHome,
  script: string,
  opts: { bash?: boolean; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ShellResult> {
  const started = Date.now();
  const child = new Deno.Command(opts.bash ? "bash" : "sh", {
    args: ["-c", `${doraFunction()}\n${script}`],
    env: { ...home.env, ...opts.env },
    cwd: opts.cwd ?? home.dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, opts.timeoutMs ?? 60_000);
  const out = await child.output();
  clearTimeout(timer);
  const stderr = withoutDenoNoise(decoder.decode(out.stderr));
  return {
    code: timedOut ? 124 : out.code,
    stdout: decoder.decode(out.stdout),
    stderr: timedOut ? `${stderr}\n(killed after ${opts.timeoutMs ?? 60_000} ms)` : stderr,
    ms: Date.now() - started,
  };
}

/** A shell line running in a real terminal (a tmux pane of its own server). */
export class Terminal {
  private constructor(
    private readonly socket: string,
    private readonly rcFile: string,
  ) {}

  static async available(): Promise<boolean> {
    const found = await new Deno.Command("sh", { args: ["-c", "command -v tmux"] }).output();
    return found.success;
  }

  /** Starts `script` (with `dora` defined) in a 160x50 terminal. */
  static async start(home: TestHome, script: string): Promise<Terminal> {
    const socket = `dora-test-${crypto.randomUUID().slice(0, 8)}`;
    const file = `${home.dir}/${socket}.sh`;
    const rcFile = `${home.dir}/${socket}.rc`;
    const exports = Object.entries(home.env)
      .map(([k, v]) => `export ${k}='${v.replaceAll("'", `'\\''`)}'`).join("\n");
    await Deno.writeTextFile(
      file,
      `${exports}\ncd '${home.dir}'\n${doraFunction()}\n${script}\necho $? > '${rcFile}'\n` +
        "sleep 600\n",
    );
    const terminal = new Terminal(socket, rcFile);
    await terminal.tmux("new-session", "-d", "-x", "160", "-y", "50", `sh ${file}`);
    return terminal;
  }

  private async tmux(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.socket, "-f", "/dev/null", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return decoder.decode(out.stdout);
  }

  /** What the terminal shows (with 500 lines of history). */
  async screen(): Promise<string> {
    return await this.tmux("capture-pane", "-p", "-S", "-500");
  }

  /** Waits until the screen shows `text`; returns the screen. */
  async waitFor(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    return await pollUntil(
      `terminal showing ${text}`,
      async () => {
        const screen = await this.screen();
        return (typeof text === "string" ? screen.includes(text) : text.test(screen))
          ? screen
          : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Types keys (tmux key names such as `Down`, `Enter`, or text). */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", ...keys);
  }

  /** Waits for the script's exit code. */
  async exitCode(timeoutMs = 60_000): Promise<number> {
    const done = await pollUntil(
      "the terminal's command to end",
      async () => {
        const text = (await Deno.readTextFile(this.rcFile).catch(() => "")).trim();
        return text === "" ? undefined : { code: Number(text) };
      },
      timeoutMs,
      100,
    );
    return done.code;
  }

  /** Ends the terminal and its server. */
  async close(): Promise<void> {
    await this.tmux("kill-server");
  }
}
