/**
 * The words the supervisor writes about a node in its log (`dora` lines): how a run ended, the
 * wrapper shell's complaint when it could not exec the program, durations and argv. Pure.
 */
import type { Exit } from "./group.ts";

/** How a run ended, e.g. `exited with code 3`, `stopped: killed by SIGTERM`. */
export function exitText(
  exit: Exit,
  state: { killedBecause: string | null; reason: string | null; stopping: boolean },
): string {
  if (state.killedBecause) return `killed by SIGKILL ${state.killedBecause}`;
  if (!exit.known) return state.reason ?? "ended; exit code unknown";
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return state.stopping ? `stopped: ${how}` : how;
}

/**
 * The wrapper shell's own complaint when `exec` failed (dash and bash wordings), found among
 * the node's last stderr lines (the wrapper prefixes them with `<id>: `).
 */
export function wrapperError(id: string, stderrTail: readonly string[]): string | undefined {
  const prefix = `${id}: `;
  for (const line of stderrTail) {
    if (!line.startsWith(prefix)) continue;
    const match = /^(?:\d+: exec: |line \d+: )(.*)$/.exec(line.slice(prefix.length));
    if (match) return `cannot execute ${match[1]}`;
  }
  return undefined;
}

/** `250ms`, `2s`, `1.5s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
}

/** An argument as a POSIX shell would need it written. */
export function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The node's command as its user wrote it, for the `started (pid N): ...` line: the program
 * relative to the dataflow's folder, the interpreter by name (`python3 camera.py --fps 30`),
 * never the wrapper that applies limits or connects the output FIFOs.
 */
export function commandText(
  spec: { kind: string; program: string; args: readonly string[] },
  dir: string,
): string {
  const local = (path: string) => path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : path;
  const args = spec.args.map(quote);
  switch (spec.kind) {
    case "python":
      return ["python3", quote(local(spec.program)), ...args].join(" ");
    case "deno":
      return ["deno", "run", "-A", quote(local(spec.program)), ...args].join(" ");
    case "shell":
      return `sh -c ${quote(spec.args.join(" "))}`;
    default: {
      const program = local(spec.program);
      const shown = program === spec.program || program.includes("/") ? program : `./${program}`;
      return [quote(shown), ...args].join(" ");
    }
  }
}
