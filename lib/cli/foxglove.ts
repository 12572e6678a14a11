/**
 * `dora foxglove [-d REF] [--ws-port N]`: serves a running dataflow (the daemon's, or a
 * `dora run` in another terminal) to Foxglove over its WebSocket protocol, on 127.0.0.1 only,
 * behind a token made for this session and given in the URL it prints (Foxglove Studio cannot
 * send headers, but keeps the URL's query). Runs until the dataflow ends or Ctrl-C.
 */
import { tokensEqual } from "../api/token.ts";
import type { PlaneInfo } from "../api/inspect.ts";
import { DoraError, errorMessage, UsageError } from "../errors.ts";
import type { TapMessageEvent, TapSource } from "../foxglove/bridge.ts";
import { dataflowPath, interruption, target, type TargetFlags } from "./_inspect.ts";

/** Flags of `dora foxglove`. */
export interface FoxgloveFlags extends TargetFlags {
  wsPort?: string;
}

/** Foxglove's usual port. */
export const DEFAULT_WS_PORT = 8765;
/** The subprotocol a Foxglove client offers. */
export const SUBPROTOCOL = "foxglove.websocket.v1";

function wsPortFlag(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WS_PORT;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) {
    throw new UsageError(`Invalid --ws-port '${text}': expected a number from 0 to 65535`);
  }
  return n;
}

/** A fresh session token: 32 hex digits. */
function sessionToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs `dora foxglove`. */
export async function foxglove(flags: FoxgloveFlags): Promise<number> {
  const port = wsPortFlag(flags.wsPort);
  const t = await target(flags);
  const plane = await t.client.request<PlaneInfo>("GET", dataflowPath(t, "/plane"));
  const source: TapSource = {
    tap: (topic, onMessage, signal) =>
      t.client.lines<TapMessageEvent | { type: string }>(
        "GET",
        dataflowPath(t, `/tap?topic=${encodeURIComponent(topic)}&max_bytes=16777216&queue=1024`),
        undefined,
        (e) => {
          if (e.type === "end") return false;
          if (e.type === "message") onMessage(e as TapMessageEvent);
        },
        signal,
      ),
  };
  const { FoxgloveBridge } = await import("../foxglove/bridge.ts");
  const bridge = new FoxgloveBridge(t.name, plane.topics.map((p) => p.topic), source);
  const token = sessionToken();
  let clients = 0;
  let server: Deno.HttpServer;
  const abort = new AbortController();
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      signal: abort.signal,
      onListen: () => {},
    }, (request) => {
      const url = new URL(request.url);
      const given = url.searchParams.get("token") ?? "";
      if (!given || !tokensEqual(given, token)) {
        return new Response("Unauthorized: use the URL 'dora foxglove' printed\n", { status: 401 });
      }
      const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",")
        .map((p) => p.trim());
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("This is a Foxglove WebSocket endpoint: open it in Foxglove\n", {
          status: 426,
        });
      }
      if (!offered.includes(SUBPROTOCOL)) {
        return new Response(`Expected the WebSocket subprotocol ${SUBPROTOCOL}\n`, { status: 400 });
      }
      const { socket, response } = Deno.upgradeWebSocket(request, { protocol: SUBPROTOCOL });
      const name = `client ${++clients}`;
      socket.addEventListener("open", () => bridge.connect(socket, name));
      return response;
    });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new DoraError(`Port ${port} is already in use`, ["Choose another with --ws-port N"]);
    }
    throw new DoraError(`Cannot listen on 127.0.0.1:${port}: ${errorMessage(err)}`);
  }
  const address = server.addr as Deno.NetAddr;
  const url = `ws://127.0.0.1:${address.port}/?token=${token}`;
  console.log(`Foxglove WebSocket: ${url}`);
  console.error(
    `Serving ${t.name} (${plane.topics.length} topics). In Foxglove: Open connection → ` +
      "Foxglove WebSocket → this URL. Ctrl-C stops.",
  );
  const stop = interruption();
  const ended = watchEnd(t, stop.signal);
  await Promise.race([
    ended,
    new Promise((resolve) => stop.signal.addEventListener("abort", resolve)),
  ]);
  stop.dispose();
  bridge.close();
  abort.abort(); // open WebSockets too
  await server.finished.catch(() => {});
  const reason = await Promise.race([ended, Promise.resolve(undefined)]);
  if (reason) console.error(`Stopped: ${reason}`);
  return 0;
}

/** Resolves with a reason once the dataflow is no longer running (checked every second). */
async function watchEnd(t: Awaited<ReturnType<typeof target>>, signal: AbortSignal) {
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      const info = await t.client.request<{ status: string }>("GET", dataflowPath(t));
      if (info.status !== "Running") return `the dataflow has ended (${info.status})`;
    } catch {
      return "the dataflow has ended";
    }
  }
  return undefined;
}
