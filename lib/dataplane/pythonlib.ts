/**
 * The Python node library (`from dora import Node`) is shipped inside this program (source
 * tree, or the compiled binary via `--include node/python`) and written out once per content
 * into `$DORA_HOME/python/<version>-<hash>/dora/`, a folder the daemon prepends to PYTHONPATH.
 */
import { doraHome, ensureDoraHome, VERSION } from "../config.ts";

/** The files of the `dora` package, relative to node/python/dora/. */
export const PYTHON_FILES = [
  "__init__.py",
  "_arrow.py",
  "_config.py",
  "_info.py",
  "_logging.py",
  "_node.py",
  "_operator.py",
  "_protocol.py",
  "_shm.py",
  "_status.py",
] as const;

const cached = new Map<string, Promise<string>>();

/** Reads the package sources from this program (works the same compiled). */
async function readSources(): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const name of PYTHON_FILES) {
    const url = new URL(`../../node/python/dora/${name}`, import.meta.url);
    out.set(name, await Deno.readFile(url));
  }
  return out;
}

async function contentHash(files: Map<string, Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const [name, bytes] of files) {
    parts.push(encoder.encode(`${name}\0${bytes.length}\0`), bytes);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function install(): Promise<string> {
  const files = await readSources();
  await ensureDoraHome("python");
  const root = `${doraHome()}/python`;
  const target = `${root}/${VERSION}-${await contentHash(files)}`;
  if (await isComplete(target)) return target;
  // Written aside, then renamed: a concurrent reader never sees a half-written package.
  const temp = await Deno.makeTempDir({ dir: root, prefix: ".tmp-" });
  try {
    await Deno.mkdir(`${temp}/dora`);
    for (const [name, bytes] of files) await Deno.writeFile(`${temp}/dora/${name}`, bytes);
    try {
      await Deno.rename(temp, target);
    } catch (err) {
      if (!(await isComplete(target))) throw err; // otherwise another process won the race
    }
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
  return target;
}

async function isComplete(dir: string): Promise<boolean> {
  for (const name of PYTHON_FILES) {
    try {
      await Deno.stat(`${dir}/dora/${name}`);
    } catch {
      return false;
    }
  }
  return true;
}

/** A folder to put on PYTHONPATH so that `from dora import Node` works. */
export function pythonLibDir(): Promise<string> {
  const home = doraHome();
  let dir = cached.get(home);
  if (!dir) {
    dir = install().catch((err) => {
      cached.delete(home);
      throw err;
    });
    cached.set(home, dir);
  }
  return dir;
}
