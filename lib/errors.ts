/**
 * Errors are values with a message a person can act on. `UsageError` exits 2 (bad flags or
 * command), every other `DoraError` exits with its code (1 by default). Stack traces are shown
 * only when `DORA_DEBUG` is set.
 */

/** An error meant for the user: a message, optional extra lines, and an exit code. */
export class DoraError extends Error {
  constructor(
    message: string,
    /** Further lines printed after the message (solutions, hints). */
    readonly details: string[] = [],
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "DoraError";
  }
}

/** Wrong use of the command line: exit code 2. */
export class UsageError extends DoraError {
  constructor(message: string, details: string[] = []) {
    super(message, details, 2);
    this.name = "UsageError";
  }
}

/** Throws a `DoraError`; for fatal conditions inside commands. */
export function fail(message: string, details: string[] = [], exitCode = 1): never {
  throw new DoraError(message, details, exitCode);
}

/** The message of anything thrown, without a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** True when `err` is Deno's "not found" error. */
export function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound;
}
