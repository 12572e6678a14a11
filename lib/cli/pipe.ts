/**
 * Writing into a pipe whose reader has gone (`dora logs -f | grep -m1 x`, `dora list | head -1`)
 * ends the command quietly, exit 0, at once: no "Broken pipe" error, and no command (a
 * `--follow`) left running with nobody reading.
 */
import { readerGone } from "../runtime/libc.ts";

/** Whether `err` is the error of a write to a closed pipe. */
export function isBrokenPipe(err: unknown): boolean {
  return err instanceof Deno.errors.BrokenPipe ||
    (err instanceof Error && /broken pipe|os error 32/i.test(err.message));
}

/**
 * Watches stdout (when it is not a terminal) and exits 0 as soon as its reader is gone, even
 * while nothing is being written; a write that hits the closed pipe does the same.
 */
export function exitWhenStdoutCloses(intervalMs = 200): void {
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (!isBrokenPipe(event.reason)) return;
    event.preventDefault();
    Deno.exit(0);
  });
  try {
    if (Deno.stdout.isTerminal()) return;
  } catch {
    return;
  }
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    readerGone(1).then((gone) => {
      if (gone) Deno.exit(0);
    }, () => clearInterval(timer)).finally(() => checking = false);
  }, intervalMs);
  Deno.unrefTimer(timer);
}
