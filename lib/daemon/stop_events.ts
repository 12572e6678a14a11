/**
 * What a stop tells its caller while it happens, and what a start reports of nodes that die at
 * once. The runtime's ladder kills at the end of the grace period; people should learn sooner
 * that a node is slow: a node still running `DORA_STOP_WARN_MS` (1 s, at most half the grace)
 * after the polite stop is reported `not-responding` then, with the time left until SIGKILL.
 */
import { settings } from "../config.ts";
import type { StopStreamEvent } from "../api/types.ts";
import type { StopProgress, Supervised } from "./supervised.ts";

/** Turns one stop's runtime progress into the API's events, adding the early warning. */
export class StopReporter {
  readonly #started = Date.now();
  readonly #running = new Set<string>();
  readonly #warned = new Set<string>();
  readonly #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly uuid: string,
    private readonly graceMs: number,
    force: boolean,
    private readonly emit: (e: StopStreamEvent) => void,
  ) {
    const warnMs = Math.min(settings.stopWarnMs(), graceMs / 2);
    if (!force && graceMs > 0) {
      this.#timer = setTimeout(() => {
        for (const node of this.#running) this.#warn(node, Date.now() - this.#started);
      }, warnMs);
    }
  }

  #warn(node: string, waitedMs: number): void {
    if (this.#warned.has(node)) return;
    this.#warned.add(node);
    this.emit({
      type: "not-responding",
      uuid: this.uuid,
      node,
      timeout_ms: this.graceMs,
      waited_ms: Math.round(waitedMs),
    });
  }

  /** One runtime event. */
  progress(e: StopProgress): void {
    switch (e.type) {
      case "node-stopping":
        this.#running.add(e.node);
        break;
      case "node-stopped":
        this.#running.delete(e.node);
        this.emit({
          type: "node-stopped",
          uuid: this.uuid,
          node: e.node,
          killed: e.killed,
          elapsed_ms: Date.now() - this.#started,
        });
        break;
      case "not-responding":
        // The runtime says so when it kills; the caller heard it earlier already.
        this.#warn(e.node, e.timeoutMs);
        break;
      case "force-stopping":
        this.emit({ type: "force-stopping", uuid: this.uuid, node: e.node });
        break;
    }
  }

  /** The stop is over. */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

/** "exited with code 1: ModuleNotFoundError: No module named 'cv2'". */
function exitReason(
  node: { exit_code: number | null; signal: string | null; reason: string | null },
  stderr: string[],
): string {
  const how = node.reason ??
    (node.signal ? `killed by ${node.signal}` : `exited with code ${node.exit_code}`);
  const last = stderr.map((l) => l.trim()).filter(Boolean).at(-1);
  return last && !how.includes(last) ? `${how}: ${last}` : how;
}

/**
 * Watches a new dataflow for `windowMs` (less when it ends sooner) and returns the nodes that
 * died with a failure meanwhile, except those already in `known` (spawn failures).
 */
export async function earlyFailures(
  supervised: Supervised,
  windowMs: number,
  known: { id: string }[],
): Promise<{ id: string; reason: string }[]> {
  if (windowMs > 0) {
    let ended = false;
    supervised.finished.then(() => ended = true, () => ended = true);
    const deadline = Date.now() + windowMs;
    while (!ended && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - Date.now())));
    }
  }
  const skip = new Set(known.map((k) => k.id));
  return supervised.nodes()
    .filter((n) => !skip.has(n.id))
    .filter((n) =>
      n.status === "Failed" ||
      (n.status === "Restarting" && (n.signal !== null || (n.exit_code ?? 0) !== 0))
    )
    .map((n) => ({ id: n.id, reason: exitReason(n, supervised.stderrTail(n.id)) }));
}
