/**
 * Who may see the dashboard. `dora dashboard` (which holds the control token, readable only by
 * the user owning ~/.dora) asks the daemon for a one-time link; the browser trades the link's
 * token for a session cookie (HttpOnly, SameSite=Strict). Links expire after
 * `settings.dashboardLinkTtlMs()` and work once; sessions last `SESSION_MS` and end with the
 * daemon (they live in its memory only). Nothing here runs a timer: expiry is checked on use,
 * so an idle daemon does no work for it.
 */
import { settings } from "../config.ts";
import { tokensEqual } from "../api/token.ts";

/** How long a session lasts after its login. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** At most this many unused links and sessions are kept (the oldest go first). */
const MAX_ENTRIES = 64;

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Finds `secret` among the keys of `map` in constant time per comparison. */
function lookup<V>(map: Map<string, V>, secret: string): [string, V] | undefined {
  let found: [string, V] | undefined;
  for (const entry of map) if (tokensEqual(entry[0], secret)) found = entry;
  return found;
}

function bounded(map: Map<string, number>): void {
  while (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

/** One-time links and the sessions they open. */
export class DashboardAuth {
  readonly #links = new Map<string, number>();
  readonly #sessions = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new one-time link token and when it expires (ms since the epoch). */
  issueLink(): { token: string; expiresAt: number } {
    const token = randomHex(32);
    const expiresAt = this.now() + settings.dashboardLinkTtlMs();
    this.#links.set(token, expiresAt);
    bounded(this.#links);
    return { token, expiresAt };
  }

  /** Uses up a link token: a new session id, or undefined (unknown, used or expired). */
  redeem(token: string): string | undefined {
    const entry = lookup(this.#links, token);
    if (!entry) return undefined;
    this.#links.delete(entry[0]);
    if (entry[1] < this.now()) return undefined;
    const session = randomHex(32);
    this.#sessions.set(session, this.now() + SESSION_MS);
    bounded(this.#sessions);
    return session;
  }

  /** Whether `session` is a live session id. */
  valid(session: string | undefined): boolean {
    if (!session) return false;
    const entry = lookup(this.#sessions, session);
    if (!entry) return false;
    if (entry[1] >= this.now()) return true;
    this.#sessions.delete(entry[0]);
    return false;
  }
}
