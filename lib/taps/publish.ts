/**
 * `dora topic pub`'s loop on the host: sends one message `count` times at `rateHz` (on a fixed
 * grid, like the timers), for at most `durationMs`, and reports progress as NDJSON
 * (docs/api.md, "Publishing"). It stops when the client goes away.
 */
import { errorMessage } from "../errors.ts";

/** How often progress is reported while publishing. */
const PROGRESS_MS = 1000;
/** At full speed, yield to the event loop (the data plane shares it) after this many sends. */
const BURST = 64;

/** What to publish. */
export interface PublishPlan {
  /** Messages to send in all; `null` until `durationMs` has passed or the client leaves. */
  count: number | null;
  /** Sent already (the first one, before the stream started). */
  sent?: number;
  /** Messages per second; 0 as fast as possible. */
  rateHz: number;
  durationMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The NDJSON body of a publish request; `send` throws when the message cannot be sent. */
export function publishBody(plan: PublishPlan, send: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let stopped = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const emit = (event: unknown) => {
        try {
          controller.enqueue(encoder.encode(JSON.stringify(event) + "\n"));
        } catch {
          stopped = true; // the client went away
        }
      };
      (async () => {
        const started = performance.now();
        const deadline = plan.durationMs === undefined ? Infinity : started + plan.durationMs;
        let published = plan.sent ?? 0;
        let reported = started;
        let error: string | undefined;
        while (!stopped && (plan.count === null || published < plan.count)) {
          if (plan.rateHz > 0) {
            const due = started + (published * 1000) / plan.rateHz;
            const wait = due - performance.now();
            if (due >= deadline) break;
            if (wait > 0) await sleep(wait);
          } else if (published % BURST === BURST - 1) {
            await sleep(0);
          }
          if (stopped || performance.now() >= deadline) break;
          try {
            send();
          } catch (err) {
            error = errorMessage(err);
            break;
          }
          published++;
          if (performance.now() - reported >= PROGRESS_MS) {
            reported = performance.now();
            emit({ type: "published", published });
          }
        }
        if (error !== undefined) emit({ type: "error", message: error, published });
        emit({ type: "done", published });
        try {
          controller.close();
        } catch {
          // cancelled
        }
      })();
    },
    cancel() {
      stopped = true;
    },
  });
}
