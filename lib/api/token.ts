/**
 * The control channel's secret: 32 random bytes, hex, in `~/.dora/token` (mode 600 inside the
 * mode-700 `~/.dora`). Whoever can read it is the user who owns `~/.dora`; every request must
 * carry it.
 */
import { doraHome, ensureDoraHome } from "../config.ts";

/** Path of the token file. */
export function tokenPath(): string {
  return `${doraHome()}/token`;
}

/** Reads the token, or undefined when there is none yet. */
export async function readToken(): Promise<string | undefined> {
  try {
    const text = (await Deno.readTextFile(tokenPath())).trim();
    return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Returns the existing token (fixing its mode), or creates one. Used by the daemon. */
export async function ensureToken(): Promise<string> {
  await ensureDoraHome();
  const existing = await readToken();
  if (existing) {
    await Deno.chmod(tokenPath(), 0o600);
    return existing;
  }
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const tmp = `${tokenPath()}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, token + "\n", { mode: 0o600 });
  await Deno.chmod(tmp, 0o600);
  await Deno.rename(tmp, tokenPath());
  return token;
}

/** Constant-time comparison, so response timing leaks nothing about the token. */
export function tokensEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
