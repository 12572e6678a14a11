/**
 * What the inspection commands (topic, top, node, param, restart) share: finding the dataflow
 * (`-d`), writing to a stdout that may be a closed pipe, stopping quietly on Ctrl-C, and
 * checking `--count`, `--duration` and `NODE/OUTPUT` arguments.
 */
import { type DataflowTarget, findDataflow } from "../client/target.ts";
import { UsageError } from "../errors.ts";
import { parseDuration } from "../output/format.ts";

/** Flags every inspection command takes. */
export interface TargetFlags {
  dataflow?: string;
  port?: number;
  json?: boolean;
}

/** Whether stdin is a terminal (someone typing: `-d` may be left out). */
export function interactive(): boolean {
  try {
    return Deno.stdin.isTerminal();
  } catch {
    return false;
  }
}

/** The dataflow `-d` names (or the only running one, on a terminal). */
export function target(flags: TargetFlags): Promise<DataflowTarget> {
  return findDataflow(flags.dataflow, { port: flags.port, interactive: interactive() });
}

const encoder = new TextEncoder();

/** Stdout by lines; once the reader has gone (closed pipe) it writes nothing more. */
export class Out {
  closed = false;

  /** Writes one line; false once stdout is closed. */
  line(text: string): boolean {
    return this.write(text + "\n");
  }

  /** Writes `value` as one JSON line. */
  json(value: unknown): boolean {
    return this.line(JSON.stringify(value));
  }

  /** Writes text as it is. */
  write(text: string): boolean {
    if (this.closed) return false;
    const data = encoder.encode(text);
    try {
      let done = 0;
      while (done < data.length) done += Deno.stdout.writeSync(data.subarray(done));
      return true;
    } catch {
      this.closed = true; // `| head` has what it wanted
      return false;
    }
  }
}

/** Ctrl-C (and SIGTERM, SIGHUP) as an abort signal, until `dispose`. */
export function interruption(): { signal: AbortSignal; abort(): void; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) Deno.addSignalListener(s, abort);
  return {
    signal: controller.signal,
    abort,
    dispose: () => {
      for (const s of signals) Deno.removeSignalListener(s, abort);
    },
  };
}

/** `--count N` (a whole number of at least `min`), or undefined. */
export function countFlag(text: string | undefined, name = "--count", min = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`Invalid ${name} '${text}': expected a whole number of at least ${min}`);
  }
  return n;
}

/** A duration flag in ms (`500ms`, `10s`, `2m`, a bare number is seconds), or undefined. */
export function durationFlag(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `Invalid ${name} '${text}': expected a duration such as 10s, 500ms or 2m`,
    );
  }
  return ms;
}

/** A positive number flag (a rate), or undefined. */
export function numberFlag(text: string | undefined, name: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min) {
    throw new UsageError(`Invalid ${name} '${text}': expected a number of at least ${min}`);
  }
  return n;
}

/** `NODE/OUTPUT`, checked for shape (the host checks that it exists). */
export function topicArg(text: string): { node: string; output: string } {
  const slash = text.indexOf("/");
  if (slash <= 0 || slash === text.length - 1) {
    throw new UsageError(`Invalid topic '${text}': expected NODE/OUTPUT, e.g. camera/image`, [
      "Run 'dora topic list' to see the topics",
    ]);
  }
  return { node: text.slice(0, slash), output: text.slice(slash + 1) };
}

/** `/v1/dataflows/<uuid>` + `rest`. */
export function dataflowPath(t: DataflowTarget, rest = ""): string {
  return `/v1/dataflows/${encodeURIComponent(t.uuid)}${rest}`;
}

/** A promise resolving after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done);
  });
}
