/**
 * Runs one build line: `sh -c <line>` in the dataflow's folder with the node's env, stdout and
 * stderr appended to the node's build log as they come, the last lines kept for the failure
 * report.
 */
import { LineSplitter } from "../runtime/lines.ts";
import { errorMessage } from "../errors.ts";

/** How long output may keep coming after the shell exited (background processes), ms. */
const PIPE_GRACE_MS = 2000;

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
    // /bin/sh, not a PATH lookup: the node's env may set a PATH without it.
    child = new Deno.Command("/bin/sh", {
      args: ["-c", line],
      cwd: opts.cwd,
      env: opts.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    const message = `cannot run /bin/sh in ${opts.cwd}: ${errorMessage(err)}`;
    await opts.log.write(`${message}\n`);
    return { code: 127, spawnError: message, tail };
  }
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
    const splitter = new LineSplitter(4096);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        void opts.log.write(value);
        remember(splitter.push(value));
      }
    } catch {
      // cancelled: see below
    }
    remember(splitter.flush());
  };
  const drained = Promise.all(readers.map(drain));
  const status = await child.status;
  // A process the line started in the background may keep the pipes open for ever: once the
  // shell has exited, its output gets a moment to arrive, then the build moves on.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([
    drained.then(() => false),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), PIPE_GRACE_MS)),
  ]);
  clearTimeout(timer);
  if (late) {
    await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
    await drained;
    await opts.log.write("# (output of processes left running in the background is not kept)\n");
  }
  return status.signal
    ? { code: status.code, signal: status.signal, tail }
    : { code: status.code, tail };
}
