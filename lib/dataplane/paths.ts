/**
 * Where the data plane puts its Unix socket and its shared-memory folder. Both are private to
 * the user: the socket lives in a mode-700 folder, payload files in a mode-700 folder of
 * /dev/shm, so no other user can connect, inject or read messages.
 */

import { settings } from "../config.ts";

/** sun_path holds 108 bytes including the terminating NUL. */
export const SUN_PATH_MAX = 107;

const encoder = new TextEncoder();

/** Whether `dir` is a folder owned by us with no group/other permissions. */
async function isPrivateDir(dir: string): Promise<boolean> {
  try {
    const info = await Deno.stat(dir);
    const uid = Deno.uid();
    return info.isDirectory && (uid === null || info.uid === uid) &&
      (info.mode === null || (info.mode & 0o077) === 0);
  } catch {
    return false;
  }
}

/** A socket file name from a dataflow id (UUIDs pass unchanged). */
export function socketFileName(dataflowId: string): string {
  const safe = dataflowId.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64) || "dataflow";
  return `${safe}.sock`;
}

/** The socket path, and a folder we created for it (to remove on close), if any. */
export interface SocketPlace {
  path: string;
  ownDir?: string;
}

/**
 * Picks the socket path inside `socketDir`, or, when that path is too long for a Unix socket
 * or the folder is not private, inside a new private folder under /tmp. Removes a stale socket
 * file left by a crashed run.
 */
export async function prepareSocket(socketDir: string, dataflowId: string): Promise<SocketPlace> {
  await Deno.mkdir(socketDir, { recursive: true, mode: 0o700 }).catch(() => {});
  let place: SocketPlace = { path: `${socketDir}/${socketFileName(dataflowId)}` };
  if (encoder.encode(place.path).length > SUN_PATH_MAX || !(await isPrivateDir(socketDir))) {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "dora-" });
    await Deno.chmod(dir, 0o700);
    if (!(await isPrivateDir(dir))) {
      throw new Error(`cannot create a private folder for the data-plane socket (${dir})`);
    }
    place = { path: `${dir}/plane.sock`, ownDir: dir };
  }
  await Deno.remove(place.path).catch(() => {});
  return place;
}

/** Shared-memory settings: the folder (null when off) and the size threshold. */
export interface ShmPlace {
  dir: string | null;
  threshold: number;
}

/** Default size from which payloads go through shared memory (see docs/protocol.md). */
export const DEFAULT_SHM_THRESHOLD = 64 * 1024;

/**
 * Creates the private shared-memory folder. `DORA_SHM_THRESHOLD` (bytes, or `off`) tunes or
 * disables it; `DORA_SHM_DIR` picks the parent (default /dev/shm). Without a usable parent,
 * every payload goes through the socket.
 */
export async function prepareShm(): Promise<ShmPlace> {
  const raw = settings.shmThreshold();
  if (raw === "off" || raw === "false" || raw === "no") {
    return { dir: null, threshold: DEFAULT_SHM_THRESHOLD };
  }
  const parsed = raw === "" ? NaN : Number(raw);
  const threshold = Number.isFinite(parsed) && parsed >= 1 ? parsed : DEFAULT_SHM_THRESHOLD;
  const parent = settings.shmDir();
  try {
    const dir = await Deno.makeTempDir({ dir: parent, prefix: "dora-" });
    await Deno.chmod(dir, 0o700);
    return { dir, threshold };
  } catch {
    return { dir: null, threshold };
  }
}
