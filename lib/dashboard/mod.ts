/**
 * The dashboard: a web page the daemon serves on its own port under `/dashboard/` (mounted
 * beside the control API by lib/cli/daemon.ts; a Foxglove WebSocket endpoint can be mounted the
 * same way). Every request needs the session cookie a one-time link gives (see auth.ts);
 * without it the answer is 401 and nothing else: no page, no data, no version. Requests must
 * name this machine as their Host (no DNS rebinding), and actions must come from the page
 * itself (same Origin and the `x-dora-dashboard` header, which no other site can send).
 *
 * Routes (all but `login` need the cookie):
 * - `GET /dashboard/login?token=T` trades a one-time token for the cookie, then moves on to
 * - `GET /dashboard/` the page; `GET /dashboard/assets/<file>` its files (assets.ts);
 * - `GET /dashboard/api/events?dataflow=<uuid>` the live feed (live.ts);
 * - `GET /dashboard/api/graph/<uuid>` a dataflow's drawing (graphs.ts);
 * - `POST /dashboard/api/dataflows/<uuid>/{stop,restart}` and
 *   `POST /dashboard/api/dataflows/<uuid>/nodes/<id>/{stop,restart}`: the control API's actions
 *   of the same name (docs/api.md), answered with their JSON (a stop: its last event).
 * The control API itself gets `POST /v1/dashboard/links` (bearer token): a new one-time link.
 */
import { DoraError, errorMessage } from "../errors.ts";
import type { ErrorBody } from "../api/types.ts";
import type { Daemon } from "../daemon/daemon.ts";
import type { Logger } from "../daemon/logger.ts";
import { ApiError, type Handler } from "../daemon/server.ts";
import { ASSETS, PAGE } from "./assets.ts";
import { DashboardAuth, SESSION_MS } from "./auth.ts";
import { GraphCache } from "./graphs.ts";
import { liveEvents } from "./live.ts";

/** The header every action of the page carries. */
export const ACTION_HEADER = "x-dora-dashboard";
/** Where the page lives. */
export const PREFIX = "/dashboard";

/** What the daemon mounts. */
export interface Dashboard {
  /** Requests under `/dashboard` (cookie-authenticated here). */
  handle(request: Request): Promise<Response>;
  /** Control-API requests under `/v1/dashboard` (the server checked the bearer token). */
  api: Handler;
  /** Ends every live feed (the daemon is going down). */
  close(): void;
}

const MOVE_ON = `<!doctype html><meta charset="utf-8"><title>dora dashboard</title>` +
  `<meta http-equiv="refresh" content="0;url=${PREFIX}/"><a href="${PREFIX}/">Open the dashboard</a>`;

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'self'; script-src 'self'; " +
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function respond(body: BodyInit | null, status: number, headers: HeadersInit = {}): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

function text(body: string, status: number): Response {
  return respond(body, status, { "content-type": "text/plain; charset=utf-8" });
}

function json(body: unknown, status = 200): Response {
  return respond(JSON.stringify(body), status, { "content-type": "application/json" });
}

function apiError(status: number, body: ErrorBody): Response {
  return json(body, status);
}

function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

/** Creates the dashboard of `daemon`. */
export function createDashboard(daemon: Daemon, log: Logger): Dashboard {
  const auth = new DashboardAuth();
  const graphs = new GraphCache();
  const feeds = new Set<() => void>();
  // Cookies are not told apart by port: two daemons on one machine need two names.
  const cookie = `dora_dashboard_${daemon.info.port}`;

  async function action(request: Request, path: string[]): Promise<Response> {
    const origin = request.headers.get("origin");
    const own = `http://${request.headers.get("host")}`;
    if (request.headers.get(ACTION_HEADER) !== "1" || (origin !== null && origin !== own)) {
      return apiError(403, { error: "forbidden", message: "Actions come from the dashboard page" });
    }
    let body: unknown = {};
    const raw = await request.text();
    if (raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        return apiError(400, { error: "bad_request", message: "The body is not valid JSON" });
      }
    }
    const reply = await daemon.handler({
      method: "POST",
      path: ["v1", ...path],
      query: new URLSearchParams(),
      body: () => Promise.resolve(body),
    });
    if ("json" in reply) return json(reply.json, reply.status ?? 200);
    if ("body" in reply) return respond(reply.body, 200, { "content-type": reply.type });
    let last: unknown = null;
    await reply.stream((event) => last = event);
    return json(last);
  }

  async function api(request: Request, path: string[], url: URL): Promise<Response> {
    const [what, ref, ...rest] = path;
    if (request.method === "GET" && what === "events" && path.length === 1) {
      await daemon.ready;
      const wanted = url.searchParams.get("dataflow");
      const uuid = wanted ? daemon.resolve(wanted).uuid : null;
      return respond(liveEvents(daemon, graphs, uuid, feeds), 200, {
        "content-type": "text/event-stream; charset=utf-8",
      });
    }
    if (request.method === "GET" && what === "graph" && ref !== undefined && path.length === 2) {
      await daemon.ready;
      const record = daemon.resolve(ref);
      return json({ uuid: record.uuid, ...graphs.drawing(record.request.dataflow) });
    }
    if (request.method === "POST" && what === "dataflows" && ref !== undefined) {
      const allowed = (rest.length === 1 && ["stop", "restart"].includes(rest[0]!)) ||
        (rest.length === 3 && rest[0] === "nodes" && ["stop", "restart"].includes(rest[2]!));
      if (allowed) return await action(request, ["dataflows", ref, ...rest]);
    }
    return apiError(404, { error: "no_route", message: "Unknown dashboard request" });
  }

  async function route(request: Request, url: URL): Promise<Response> {
    const path = url.pathname.slice(PREFIX.length).split("/").filter(Boolean)
      .map(decodeURIComponent);
    const isApi = path[0] === "api";
    if (path.length === 1 && path[0] === "login" && request.method === "GET") {
      const already = auth.valid(cookieValue(request, cookie));
      const session = auth.redeem(url.searchParams.get("token") ?? "");
      if (!session && !already) {
        return text(
          "This dashboard link is invalid, expired or already used.\n" +
            "Run 'dora dashboard' for a new one.\n",
          401,
        );
      }
      // A page that moves on by itself rather than a redirect: a login reached from another
      // site (a file opened by --open, a link in a terminal) would carry its cross-site origin
      // through a redirect, and the browser would withhold the SameSite=Strict cookie.
      const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8" };
      if (session) {
        headers["set-cookie"] = `${cookie}=${session}; HttpOnly; SameSite=Strict; ` +
          `Path=${PREFIX}; Max-Age=${SESSION_MS / 1000}`;
      }
      return respond(MOVE_ON, 200, headers);
    }
    if (!auth.valid(cookieValue(request, cookie))) {
      return isApi
        ? apiError(401, { error: "unauthorized", message: "Unauthorized" })
        : text("Unauthorized: open the link printed by 'dora dashboard'.\n", 401);
    }
    if (isApi) return await api(request, path.slice(1), url);
    if (request.method !== "GET") return text("Method not allowed\n", 405);
    if (url.pathname === PREFIX) return respond(null, 308, { location: `${PREFIX}/` });
    if (path.length === 0) return respond(PAGE.body, 200, { "content-type": PAGE.type });
    const asset = path.length === 2 && path[0] === "assets" ? ASSETS.get(path[1]!) : undefined;
    if (asset) return respond(asset.body, 200, { "content-type": asset.type });
    return text("Not found\n", 404);
  }

  return {
    close: () => {
      for (const end of [...feeds]) end();
    },
    async handle(request) {
      const url = new URL(request.url);
      const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "").toLowerCase();
      if (!LOCAL_HOSTS.has(host)) return text("Forbidden\n", 403);
      try {
        return await route(request, url);
      } catch (err) {
        if (err instanceof ApiError) {
          return apiError(err.status, {
            error: err.code,
            message: err.message,
            details: err.details,
          });
        }
        if (err instanceof DoraError) {
          return apiError(400, { error: "failed", message: err.message, details: err.details });
        }
        log.error(`dashboard ${request.method} ${url.pathname} failed: ${errorMessage(err)}`);
        return apiError(500, { error: "internal", message: errorMessage(err) });
      }
    },
    api: async ({ method, path }) => {
      if (method === "POST" && path.length === 3 && path[2] === "links") {
        await daemon.ready;
        const link = auth.issueLink();
        return {
          json: {
            path: `${PREFIX}/login?token=${link.token}`,
            expires_at: new Date(link.expiresAt).toISOString(),
          },
        };
      }
      throw new ApiError(404, "no_route", `Unknown API request ${method} /${path.join("/")}`);
    },
  };
}
