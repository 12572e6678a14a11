/**
 * One client for the two hosts a command may talk to: the daemon (HTTP on 127.0.0.1) and a
 * `dora run` (HTTP on its control socket, found through its run record). Both take the token
 * of `~/.dora/token`. Streams (NDJSON) can be cut short with an `AbortSignal`.
 */
import { VERSION } from "../config.ts";
import { DoraError } from "../errors.ts";
import { readToken } from "../api/token.ts";
import type { RunRecord } from "../api/runs.ts";
import { VERSION_HEADER } from "../api/types.ts";
import type { Target } from "./address.ts";
import { cannotConnect, DaemonClient, isConnectionError } from "./client.ts";

/** Which host a client talks to. */
export type Host =
  | { kind: "daemon"; target: Target }
  | { kind: "run"; run: RunRecord };

/** A connection to a daemon or to a `dora run`. */
export class ControlClient {
  #http: Deno.HttpClient | undefined;

  private constructor(readonly host: Host, private readonly token: string) {
    if (host.kind === "run") {
      this.#http = Deno.createHttpClient({ proxy: { transport: "unix", path: host.run.socket } });
    }
  }

  /** A client of the daemon `daemon` found. */
  static async ofDaemon(daemon: DaemonClient): Promise<ControlClient> {
    const token = await readToken();
    if (!token) throw cannotConnect(daemon.target);
    return new ControlClient({ kind: "daemon", target: daemon.target }, token);
  }

  /** A client of a `dora run` from its record. */
  static async ofRun(run: RunRecord): Promise<ControlClient> {
    const token = await readToken();
    if (!token) {
      throw new DoraError("Cannot talk to the dora run: ~/.dora/token is missing", [
        "It is created by the run itself; was it started by another user or DORA_HOME?",
      ]);
    }
    return new ControlClient({ kind: "run", run }, token);
  }

  /** `daemon on port N` or `dora run <name> (pid N)`, for messages. */
  get label(): string {
    return this.host.kind === "daemon"
      ? `the daemon on port ${this.host.target.port}`
      : `dora run ${this.host.run.name} (pid ${this.host.run.pid})`;
  }

  /** Releases the connection pool (a run's socket client). */
  close(): void {
    this.#http?.close();
  }

  #lost(): DoraError {
    if (this.host.kind === "daemon") return cannotConnect(this.host.target);
    return new DoraError(`Cannot reach ${this.label}: it has ended`, [
      "Run 'dora status' to see what runs",
    ]);
  }

  /** The raw response of a request; connection failures and 4xx/5xx become `DoraError`s. */
  async fetch(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    const base = this.host.kind === "daemon"
      ? `http://${this.host.target.host}:${this.host.target.port}`
      : "http://dora-run";
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          [VERSION_HEADER]: VERSION,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        client: this.#http,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      if (isConnectionError(err) || this.host.kind === "run") throw this.#lost();
      throw err;
    }
    if (!res.ok) return await DaemonClient.failure(res);
    return res;
  }

  /** A JSON request. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    return await res.json() as T;
  }

  /**
   * A request answered with NDJSON: `onEvent` for each line as it arrives (it may return
   * `false` to stop). Resolves when the stream ends, `signal` aborts, or `onEvent` stops.
   */
  async lines<E>(
    method: string,
    path: string,
    body: unknown,
    onEvent: (event: E) => boolean | void | Promise<boolean | void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.fetch(method, path, body, signal);
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line && (await onEvent(JSON.parse(line) as E)) === false) return;
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof DoraError) throw err;
      throw new DoraError(`The connection to ${this.label} was lost`, [
        "Check it with 'dora status'",
      ]);
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
}
