/**
 * The live feed of one open dashboard page, as Server-Sent Events: a `snapshot` event every
 * `settings.dashboardIntervalMs()` (every dataflow as `GET /v1/dataflows` shows it, with the
 * per-input counters the page turns into rates, and each dataflow's graph key), and `logs`
 * events with the new log records of the dataflow the page shows. Sampling (of /proc, of the
 * log files) happens only inside this feed: with no page open the daemon does none.
 */
import { settings } from "../config.ts";
import { errorMessage } from "../errors.ts";
import type { Daemon } from "../daemon/daemon.ts";
import { followLogs, type NodeLogRecord } from "../logs/reader.ts";
import type { GraphCache } from "./graphs.ts";

/** Records sent when a page opens (the log tail it starts with). */
export const LOG_TAIL = 300;
/** Records held between two events at most; past that the oldest are skipped (and counted). */
const MAX_PENDING = 2000;

/** A log record as the page gets it; `level` only when the record has one. */
export interface LiveLogRecord {
  time: number;
  node: string;
  stream: string;
  level?: string;
  text: string;
}

function toLive(record: NodeLogRecord): LiveLogRecord {
  const level = (record as { level?: unknown }).level;
  return {
    time: record.time,
    node: record.node,
    stream: record.stream,
    ...(typeof level === "string" ? { level } : {}),
    text: record.text,
  };
}

/**
 * The event stream for one page; `dataflow` (a UUID) selects whose logs it follows. While it
 * runs, `open` holds a function that ends it (the daemon ends every feed before it exits: an
 * open page must not keep it alive).
 */
export function liveEvents(
  daemon: Daemon,
  graphs: GraphCache,
  dataflow: string | null,
  open: Set<() => void>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const intervalMs = settings.dashboardIntervalMs();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: LiveLogRecord[] = [];
  let skipped = 0;
  let close = () => {};
  const end = () => {
    abort.abort();
    clearTimeout(timer);
    open.delete(close);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      close = () => {
        end();
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      open.add(close);
      const send = (event: string, data: unknown) => {
        try {
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          end(); // the page went away
        }
      };
      const record = dataflow === null ? undefined : daemon.registry.records.get(dataflow);
      if (record) {
        (async () => {
          const records = followLogs(record.log_dir, {
            tail: LOG_TAIL,
            signal: abort.signal,
            pollMs: intervalMs,
          });
          for await (const r of records) {
            pending.push(toLive(r));
            if (pending.length > MAX_PENDING) {
              skipped += pending.length - MAX_PENDING;
              pending = pending.slice(-MAX_PENDING);
            }
          }
        })().catch((err) => send("problem", { message: `logs: ${errorMessage(err)}` }));
      }
      const tick = async () => {
        if (abort.signal.aborted) return;
        try {
          const dataflows = await daemon.list();
          const keys: Record<string, string> = {};
          for (const info of dataflows) {
            const r = daemon.registry.records.get(info.uuid);
            if (r) keys[info.uuid] = graphs.key(r.request.dataflow);
          }
          send("snapshot", { time: Date.now(), dataflows, graphs: keys });
          if (pending.length > 0 || skipped > 0) {
            send("logs", { dataflow, records: pending, skipped });
            pending = [];
            skipped = 0;
          }
        } catch (err) {
          send("problem", { message: errorMessage(err) });
        }
        if (!abort.signal.aborted) timer = setTimeout(tick, intervalMs);
      };
      void tick();
    },
    cancel: end,
  });
}
