/**
 * `dora top [-d DATAFLOW] [--once]`: the I/O shell around lib/top/model.ts. It fetches a sample
 * of every running dataflow (the daemon's and the `dora run`s', or the one `-d` names) every
 * `--refresh-interval`, reads keys in raw mode, and draws on the alternate screen. `--once`
 * takes two samples one interval apart (rates need two) and prints a table or `--json`.
 */
import type { PlaneInfo } from "../api/inspect.ts";
import type { DataflowInfo } from "../api/types.ts";
import { type DataflowTarget, runningDataflows } from "../client/target.ts";
import { errorMessage, UsageError } from "../errors.ts";
import { clock } from "../inspect/decode.ts";
import { colorEnabled, renderTable } from "../output/format.ts";
import {
  cells,
  failed,
  HEADS,
  initialState,
  onKey,
  render,
  rowsOf,
  type Sample,
  sample,
  SORT_KEYS,
  type SortKey,
  sortRows,
  splitKeys,
  type TopState,
} from "../top/model.ts";
import {
  dataflowPath,
  durationFlag,
  interruption,
  Out,
  pause,
  target,
  type TargetFlags,
} from "./_inspect.ts";

/** Flags of `dora top`. */
export interface TopFlags extends TargetFlags {
  once?: boolean;
  refreshInterval?: string;
  sort?: string;
}

async function targets(flags: TopFlags): Promise<DataflowTarget[]> {
  if (flags.dataflow !== undefined) return [await target(flags)];
  return (await runningDataflows({ port: flags.port })).targets;
}

/** One sample of `list`. */
async function take(list: DataflowTarget[]): Promise<Sample> {
  const dataflows = await Promise.all(list.map(async (t) => {
    const info = await t.client.request<DataflowInfo>("GET", dataflowPath(t));
    let plane: PlaneInfo | undefined;
    if (info.status === "Running") {
      plane = await t.client.request<PlaneInfo>("GET", dataflowPath(t, "/plane")).catch(() =>
        undefined
      );
    }
    return { uuid: t.uuid, name: t.name, via: t.via, info, plane };
  }));
  return { time: Date.now(), dataflows };
}

function sortFlag(text: string | undefined): SortKey {
  if (text === undefined) return "cpu";
  const names = Object.values(SORT_KEYS) as string[];
  if (!names.includes(text)) {
    throw new UsageError(`Invalid --sort '${text}': expected ${names.join(", ")}`);
  }
  return text as SortKey;
}

/** Runs `dora top`. */
export async function top(flags: TopFlags): Promise<number> {
  const refreshMs = durationFlag(flags.refreshInterval, "--refresh-interval") ?? 1000;
  if (refreshMs < 1000) {
    throw new UsageError("Invalid --refresh-interval: at least 1s (sampling /proc costs)");
  }
  const sort = sortFlag(flags.sort);
  if (flags.once) return await once(flags, refreshMs, sort);
  if (!Deno.stdin.isTerminal() || !Deno.stdout.isTerminal()) {
    throw new UsageError("'dora top' needs a terminal", [
      "For one snapshot (scripts, CI): dora top --once [--json]",
    ]);
  }
  return await live(flags, refreshMs, sort);
}

async function once(flags: TopFlags, refreshMs: number, sort: SortKey): Promise<number> {
  const list = await targets(flags);
  const first = await take(list);
  const stop = interruption();
  try {
    await pause(refreshMs, stop.signal);
    if (stop.signal.aborted) return 0;
  } finally {
    stop.dispose();
  }
  const rows = sortRows(rowsOf(first, await take(list)), sort, sort !== "name");
  const out = new Out();
  if (flags.json) out.line(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) out.line("No dataflow is running.");
  else out.line(renderTable(HEADS, rows.map(cells)));
  return 0;
}

const encoder = new TextEncoder();

async function live(flags: TopFlags, refreshMs: number, sort: SortKey): Promise<number> {
  let state: TopState = initialState(refreshMs, sort);
  const color = colorEnabled(Deno.stdout);
  const write = (text: string) => {
    try {
      Deno.stdout.writeSync(encoder.encode(text));
    } catch {
      state = { ...state, quit: true };
    }
  };
  const draw = () => {
    const size = Deno.consoleSize();
    const lines = render(state, size, { color, clock });
    write("\x1b[H" + lines.map((l) => `${l}\x1b[K`).join("\r\n") + "\x1b[J");
  };
  let wake: () => void = () => {};
  const refresh = async () => {
    try {
      state = sample(state, await take(await targets(flags)));
    } catch (err) {
      state = failed(state, errorMessage(err));
    }
  };
  write("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
  Deno.stdin.setRaw(true);
  const onSignal = () => {
    state = { ...state, quit: true };
    wake();
  };
  const onResize = () => draw();
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGHUP", onSignal);
  Deno.addSignalListener("SIGWINCH", onResize);
  // A stream reader, not Deno.stdin.read: cancelling it ends a pending read at exit.
  const reader = Deno.stdin.readable.getReader();
  const keys = (async () => {
    const decoder = new TextDecoder();
    while (!state.quit) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) {
        state = { ...state, quit: true };
        wake();
        break;
      }
      for (const key of splitKeys(decoder.decode(chunk.value))) state = onKey(state, key);
      draw();
      if (state.quit || state.refreshNow) wake();
    }
  })();
  try {
    draw();
    while (!state.quit) {
      await refresh();
      if (state.quit) break;
      draw();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, refreshMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    Deno.removeSignalListener("SIGTERM", onSignal);
    Deno.removeSignalListener("SIGHUP", onSignal);
    Deno.removeSignalListener("SIGWINCH", onResize);
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // the terminal went away
    }
    write("\x1b[?25h\x1b[?1049l");
    await reader.cancel().catch(() => {});
    await keys;
  }
  return 0;
}
