/**
 * The CLI's side of the control channel: finds the daemon, authenticates with the token from
 * `~/.dora/token`, checks versions, and turns failures into messages a user can act on.
 */
import { VERSION } from "../config.ts";
import { DoraError } from "../errors.ts";
import { readToken } from "../api/token.ts";
import { type ErrorBody, type StatusResponse, VERSION_HEADER } from "../api/types.ts";
import { daemonTarget, formatTarget, type Target } from "./address.ts";
import { orphanedDataflows, OrphansError } from "./orphans.ts";

/** What answers on the daemon's port. */
export type Probe =
  | { kind: "ours"; status: StatusResponse }
  /** A dora daemon that refuses our token: another user's or another DORA_HOME's. */
  | { kind: "other-owner" }
  /** Something that is not a dora daemon. */
  | { kind: "foreign" }
  | { kind: "none" };

/** How a command reacts when no daemon answers: its own message (the seed's), or the default. */
export interface NotRunning {
  message: string;
  solution: string[];
}

/** The seed's start page: what every command says when no daemon answers. */
export const FAILED_TO_CONNECT: NotRunning = {
  message: "Failed to connect to daemon",
  solution: ["Solution: Run 'dora up' to start daemon"],
};

/** The error a command prints when no daemon answers at `target`. */
export function cannotConnect(target: Target, how: NotRunning = FAILED_TO_CONNECT): DoraError {
  return new DoraError(how.message, [
    ...how.solution,
    ...(how === FAILED_TO_CONNECT ? [`(no daemon answers at ${formatTarget(target)})`] : []),
  ]);
}

/** Whether a fetch failed because nothing answered (refused, reset...). */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof Deno.errors.ConnectionRefused) return true;
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? "")}` : String(err);
  return /refused|connect|reset|error sending request|tcp/i.test(text);
}

/** Looks at what listens on host:port. */
export async function probe(
  host: string,
  port: number,
  token?: string,
  timeoutMs = 3000,
): Promise<Probe> {
  let res: Response;
  try {
    res = await fetch(`http://${host}:${port}/v1/status`, {
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        [VERSION_HEADER]: VERSION,
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    if (isConnectionError(err)) return { kind: "none" };
    return { kind: "foreign" };
  }
  const body = await res.text();
  if (res.status === 401 && res.headers.get("x-dora-service") === "dora-daemon") {
    return { kind: "other-owner" };
  }
  if (res.ok) {
    try {
      const status = JSON.parse(body) as StatusResponse;
      if (status.service === "dora-daemon") return { kind: "ours", status };
    } catch {
      // not JSON: not ours
    }
  }
  return { kind: "foreign" };
}

let warnedVersion = false;

/** A connection to a running daemon. */
export class DaemonClient {
  private constructor(
    readonly target: Target,
    private readonly token: string,
    readonly status: StatusResponse,
  ) {}

  get host(): string {
    return this.target.host;
  }

  get port(): number {
    return this.target.port;
  }

  /**
   * Connects to the daemon found by `daemonTarget` (see address.ts). Throws the seed's
   * "Failed to connect to daemon" (or the command's own `notRunning`) when none answers.
   */
  static async connect(portFlag?: number, notRunning?: NotRunning): Promise<DaemonClient> {
    return await DaemonClient.connectTo(daemonTarget(portFlag), notRunning);
  }

  /** Connects to the daemon at `target`. */
  static async connectTo(target: Target, notRunning?: NotRunning): Promise<DaemonClient> {
    const { host, port } = target;
    const token = await readToken();
    const found = await probe(host, port, token);
    if (found.kind === "other-owner") {
      throw new DoraError(`The daemon on port ${port} refused this user's token`, [
        "It belongs to another user or another DORA_HOME.",
        `Solution: use your own port, e.g. 'dora up --port ${port + 1}'`,
      ]);
    }
    if (found.kind === "foreign") {
      throw new DoraError(`Port ${port} is used by a program that is not a dora daemon`, [
        `Solution: start the daemon on another port: dora up --port ${port + 1}`,
      ]);
    }
    if (found.kind === "none" || !token) {
      // A daemon that died may have left dataflows running: say so, not just "no daemon".
      const orphans = target.local ? await orphanedDataflows() : [];
      if (orphans.length > 0) throw new OrphansError(orphans);
      throw cannotConnect(target, notRunning);
    }
    const client = new DaemonClient(target, token, found.status);
    client.checkVersion(found.status.version);
    return client;
  }

  private checkVersion(daemonVersion: string): void {
    if (daemonVersion === VERSION || warnedVersion) return;
    warnedVersion = true;
    console.error(
      `Warning: this dora CLI is ${VERSION} but the daemon runs ${daemonVersion}.\n` +
        "Restart the daemon to use one version: dora destroy && dora up",
    );
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`http://${this.host}:${this.port}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          [VERSION_HEADER]: VERSION,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (isConnectionError(err)) throw cannotConnect(this.target);
      throw err;
    }
  }

  /** Throws the daemon's error reply as a `DoraError` (its message and details). */
  static async failure(res: Response): Promise<never> {
    let body: Partial<ErrorBody> = {};
    try {
      body = await res.json();
    } catch {
      // keep the generic message
    }
    throw new DoraError(
      body.message ?? `The daemon answered ${res.status} ${res.statusText}`,
      body.details ?? [],
    );
  }

  /** A JSON request; daemon errors become DoraErrors with the daemon's message. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (!res.ok) return await DaemonClient.failure(res);
    return await res.json() as T;
  }

  /** A request answered with NDJSON; calls `onEvent` for each line as it arrives. */
  async stream<E>(
    method: string,
    path: string,
    body: unknown,
    onEvent: (event: E) => void | Promise<void>,
  ): Promise<void> {
    const res = await this.send(method, path, body);
    if (!res.ok || !res.body) return await DaemonClient.failure(res);
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) await onEvent(JSON.parse(line) as E);
        }
      }
    } catch (err) {
      if (err instanceof DoraError) throw err;
      throw new DoraError("The connection to the daemon was lost", [
        "Check it with 'dora list'; its log is in ~/.dora/daemon.log",
      ]);
    }
  }
}
