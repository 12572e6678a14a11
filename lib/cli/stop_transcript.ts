/**
 * The lines `stop`, `stop --all` and `destroy` print while a dataflow stops, as the events
 * arrive (never all at once at the end). Piped, per node the seed's `✓ camera stopped`; on a
 * terminal the seed's shutdown sequence instead: what each node last said and how long it
 * took to exit (`camera: Closing video capture...     [1s]`), then `All nodes stopped
 * gracefully` when none had to be killed. A node that had to be killed gets the seed's
 * `Warning: Node 'x' not responding` / `Waiting... (10s timeout)` when it is slow (shortly
 * after the polite stop), `Force stopping node 'x'...` and `✓ Node 'x' terminated`.
 */
import { logsRoot } from "../config.ts";
import type { StopStreamEvent } from "../api/types.ts";
import { readLogs } from "../logs/reader.ts";
import { CHECK } from "../output/format.ts";

/** Where lines go: stdout (`line`) and stderr (`error`). */
export interface LineSink {
  line(text: string): void;
  error(text: string): void;
}

/** Lines straight to the terminal or pipe. */
export const consoleSink: LineSink = {
  line: (text) => console.log(text),
  error: (text) => console.error(text),
};

/** How a transcript prints node lines. */
export interface TranscriptOptions {
  /** `stop --name`: graceful nodes are summed up as `✓ All nodes stopped` by the caller. */
  collapse?: boolean;
  /** The shutdown sequence (a terminal) instead of the `✓ x stopped` lines. */
  sequence?: boolean;
}

/** "0.3s", "1s", "12s". */
export function formatElapsed(ms: number): string {
  return ms < 950 ? `${(Math.max(ms, 0) / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

/** "10s", "0.5s". */
function formatTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** What a node last wrote (stdout or stderr), from its log; undefined when nothing. */
export async function lastSaid(uuid: string, node: string): Promise<string | undefined> {
  try {
    const records = await readLogs(`${logsRoot()}/${uuid}`, { node, tail: 50 });
    return records.filter((r) => r.stream !== "dora" && r.text.trim() !== "").at(-1)?.text
      .trim();
  } catch {
    return undefined;
  }
}

/** The shutdown sequence line of one node, padded like the seed's. */
export function sequenceLine(node: string, said: string | undefined, elapsedMs: number): string {
  const text = `  ${node}: ${said ?? "(no output)"}`;
  return `${text.padEnd(38)} [${formatElapsed(elapsedMs)}]`;
}

/** Prints one dataflow's stop events. */
export class StopTranscript {
  #killed = 0;
  #stopped = 0;
  /** Lines are printed in order even when a sequence line waits for the log. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly uuid: string,
    private readonly sink: LineSink,
    private readonly opts: TranscriptOptions = {},
  ) {}

  /** Nodes that exited after the polite stop. */
  get stopped(): number {
    return this.#stopped;
  }

  /** Nodes that had to be killed. */
  get killed(): number {
    return this.#killed;
  }

  /** Prints `line` after the lines before it. */
  say(line: string | Promise<string | undefined>): void {
    this.#queue = this.#queue.then(async () => {
      const text = await line;
      if (text !== undefined) this.sink.line(text);
    });
  }

  /** One event from the daemon. */
  event(event: StopStreamEvent): void {
    switch (event.type) {
      case "node-stopped":
        if (event.killed) {
          this.#killed++;
          this.say(`  ${CHECK} Node '${event.node}' terminated`);
        } else {
          this.#stopped++;
          if (this.opts.sequence) {
            const elapsed = event.elapsed_ms ?? 0;
            this.say(
              lastSaid(this.uuid, event.node).then((said) =>
                sequenceLine(event.node, said, elapsed)
              ),
            );
          } else if (!this.opts.collapse) this.say(`  ${CHECK} ${event.node} stopped`);
        }
        break;
      case "not-responding":
        this.say(`Warning: Node '${event.node}' not responding`);
        this.say(`Waiting... (${formatTimeout(event.timeout_ms)} timeout)`);
        break;
      case "force-stopping":
        this.say(`Force stopping node '${event.node}'...`);
        break;
      case "error":
        this.#queue = this.#queue.then(() => this.sink.error(`Error: ${event.message}`));
        break;
    }
  }

  /** Waits until every line is out; prints the sequence's closing line when it fits. */
  async finish(): Promise<void> {
    await this.#queue;
    if (this.opts.sequence && this.#killed === 0 && this.#stopped > 0) {
      this.sink.line("All nodes stopped gracefully");
    }
  }
}
