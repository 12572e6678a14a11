/**
 * The control channel: HTTP+JSON on 127.0.0.1 only. Every request must carry the token from
 * `~/.dora/token`; without it the answer is 401 and nothing else (see docs/api.md).
 */
import { VERSION } from "../config.ts";
import { DoraError, errorMessage } from "../errors.ts";
import { tokensEqual } from "../api/token.ts";
import { type ErrorBody, VERSION_HEADER } from "../api/types.ts";
import type { Logger } from "./logger.ts";

/** A request handler's reply: JSON, an NDJSON event stream, a body of its own, or an error. */
export type Reply =
  | { json: unknown; status?: number }
  | { stream: (emit: (event: unknown) => void) => Promise<void> }
  /** A pulled body (taps): sent as it is read, with the service headers. */
  | { body: ReadableStream<Uint8Array>; type: string };

/** Routes a request; throws `ApiError` for 4xx replies. */
export type Handler = (req: {
  method: string;
  path: string[];
  query: URLSearchParams;
  body: () => Promise<unknown>;
}) => Promise<Reply>;

/**
 * A web endpoint served on the daemon's port beside the control API (the dashboard): it gets
 * every request whose path is `prefix` or below it, and does its own authentication.
 */
export interface Mount {
  prefix: string;
  handle(request: Request): Promise<Response>;
}

/** An error with an HTTP status, sent to the client as an `ErrorBody`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

const baseHeaders = {
  "x-dora-service": "dora-daemon",
  [VERSION_HEADER]: VERSION,
};

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...baseHeaders, "content-type": "application/json" },
  });
}

function errorResponse(status: number, body: ErrorBody): Response {
  return jsonResponse(body, status);
}

/** The answer to a request without the token: no version, no data (docs/api.md). */
function unauthorized(): Response {
  return new Response(JSON.stringify({ error: "unauthorized", message: "Unauthorized" }), {
    status: 401,
    headers: { "x-dora-service": "dora-daemon", "content-type": "application/json" },
  });
}

/** How long `closeServer` waits for open streams to end before it cuts their connections. */
export const SHUTDOWN_GRACE_MS = 1000;

/**
 * Shuts `server` down. While `open()` says streams are still open (tap clients that stopped
 * reading never finish theirs), it waits up to `SHUTDOWN_GRACE_MS`; then the server shuts down
 * gracefully, or, if some remain, `abort` (the controller of `serve`'s `signal`) cuts every
 * connection at once (a graceful shutdown would wait for them forever; the two cannot be
 * combined: aborting after `shutdown` throws).
 */
export async function closeServer(
  server: Deno.HttpServer,
  abort: AbortController,
  open: () => number,
): Promise<void> {
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  while (open() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (open() > 0) abort.abort();
  else await server.shutdown();
  await server.finished.catch(() => {});
}

/**
 * Starts listening on 127.0.0.1:`port`, or on the Unix socket `path` (a `dora run`'s control
 * socket); throws `AddrInUse` when the port is taken.
 */
export function serve(opts: {
  port: number;
  path?: string;
  token: string;
  log: Logger;
  handler: Handler;
  mounts?: Mount[];
  /** Aborting it closes the server and every connection at once (a stalled tap client too). */
  signal?: AbortSignal;
}): Deno.HttpServer {
  const warnedVersions = new Set<string>();
  const where = opts.path !== undefined
    ? { path: opts.path }
    : { hostname: "127.0.0.1", port: opts.port };
  return Deno.serve({
    ...where,
    signal: opts.signal,
    onListen: () => {},
    onError: (err) => {
      opts.log.error(`request failed: ${errorMessage(err)}`);
      return errorResponse(500, { error: "internal", message: "The daemon hit an internal error" });
    },
  }, async (request) => {
    const pathname = new URL(request.url).pathname;
    const mount = opts.mounts?.find((m) =>
      pathname === m.prefix || pathname.startsWith(`${m.prefix}/`)
    );
    if (mount) return await mount.handle(request);
    const auth = request.headers.get("authorization") ?? "";
    const given = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
    if (!given || !tokensEqual(given, opts.token)) return unauthorized();
    const clientVersion = request.headers.get(VERSION_HEADER);
    if (clientVersion && clientVersion !== VERSION && !warnedVersions.has(clientVersion)) {
      warnedVersions.add(clientVersion);
      opts.log.warn(`a dora CLI ${clientVersion} talks to this daemon ${VERSION}`);
    }
    const url = new URL(request.url);
    opts.log.debug(`request ${request.method} ${url.pathname}`);
    const path = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    try {
      const reply = await opts.handler({
        method: request.method,
        path,
        query: url.searchParams,
        body: async () => {
          try {
            return await request.json();
          } catch {
            throw new ApiError(400, "bad_request", "The request body is not valid JSON");
          }
        },
      });
      if ("json" in reply) return jsonResponse(reply.json, reply.status ?? 200);
      if ("body" in reply) {
        return new Response(reply.body, {
          headers: { ...baseHeaders, "content-type": reply.type, "cache-control": "no-store" },
        });
      }
      return streamResponse(reply.stream, opts.log);
    } catch (err) {
      if (err instanceof ApiError) {
        return errorResponse(err.status, {
          error: err.code,
          message: err.message,
          details: err.details,
        });
      }
      if (err instanceof DoraError) {
        return errorResponse(400, {
          error: "failed",
          message: err.message,
          details: err.details,
        });
      }
      opts.log.error(`request ${request.method} ${url.pathname} failed: ${errorMessage(err)}`);
      return errorResponse(500, { error: "internal", message: errorMessage(err) });
    }
  });
}

function streamResponse(
  run: (emit: (event: unknown) => void) => Promise<void>,
  log: Logger,
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const emit = (event: unknown) => {
        try {
          controller.enqueue(encoder.encode(JSON.stringify(event) + "\n"));
        } catch {
          // the client went away; the operation itself goes on
        }
      };
      run(emit).catch((err) => {
        log.error(`streamed request failed: ${errorMessage(err)}`);
        emit({ type: "error", message: errorMessage(err) });
      }).finally(() => {
        try {
          controller.close();
        } catch {
          // already closed
        }
      });
    },
  });
  return new Response(body, {
    headers: { ...baseHeaders, "content-type": "application/x-ndjson" },
  });
}
