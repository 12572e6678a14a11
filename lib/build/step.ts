/**
 * Runs one build line: `sh -c <line>` in the dataflow's folder with the node's env, stdout and
 * stderr appended to the node's build log as they come, the last lines kept for the failure
 * report.
 */
import { LineSplitter } from "../runtime/lines.ts";
import { errorMessage } from "../errors.ts";

/** How a build line ended. */
export interface StepResult {
  /** Exit code; 127 when the shell could not be started. */
  code: number;
  signal?: string;
  /** Why it could not start, when it could not. */
  spawnError?: string;
  /** The last output lines, stdout and stderr interleaved as read. */
  tail: string[];
}

/** Appends text and bytes to a build log, in order. */
export class BuildLog {
  #chain: Promise<void> = Promise.resolve();
  #failed = false;

  private constructor(private readonly file: Deno.FsFile, readonly path: string) {}

  /** Creates (truncates) the log at `path`. */
  static async create(path: string): Promise<BuildLog> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true, mode: 0o600 });
    return new BuildLog(file, path);
  }

  /** Queues bytes or text; a failing disk only loses log lines, never the build. */
  write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data.slice();
    this.#chain = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        let at = 0;
        while (at < bytes.length) at += await this.file.write(bytes.subarray(at));
      } catch {
        this.#failed = true;
      }
    });
    return this.#chain;
  }

  /** Flushes queued writes and closes the file. */
  async close(): Promise<void> {
    await this.#chain;
    this.file.close();
  }
}

/** Runs `line` with `sh -c`; never throws for the command's own failures. */
export async function runStep(
  line: string,
  opts: { cwd: string; env: Record<string, string>; log: BuildLog; tailLines?: number },
): Promise<StepResult> {
  const keep = opts.tailLines ?? 10;
  const tail: string[] = [];
  const remember = (lines: string[]) => {
    tail.push(...lines);
    if (tail.length > keep) tail.splice(0, tail.length - keep);
  };
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("sh", {
      args: ["-c", line],
      cwd: opts.cwd,
      env: opts.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    const message = `cannot run sh in ${opts.cwd}: ${errorMessage(err)}`;
    await opts.log.write(`${message}\n`);
    return { code: 127, spawnError: message, tail };
  }
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const splitter = new LineSplitter(4096);
    for await (const chunk of stream) {
      void opts.log.write(chunk);
      remember(splitter.push(chunk));
    }
    remember(splitter.flush());
  };
  const [status] = await Promise.all([child.status, drain(child.stdout), drain(child.stderr)]);
  return status.signal
    ? { code: status.code, signal: status.signal, tail }
    : { code: status.code, tail };
}
