/** Helpers for tests that run a real daemon in a private HOME. */
import { dora, killPid, pidAlive, pollUntil, type TestHome } from "./helpers.ts";
import type { DataflowInfo } from "../lib/api/types.ts";

/** The pid of the daemon of `home`, from its daemon.json. */
export async function daemonPid(home: TestHome): Promise<number | undefined> {
  try {
    const info = JSON.parse(await Deno.readTextFile(`${home.doraHome}/daemon.json`));
    return typeof info.pid === "number" ? info.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Every node pid the registry file knows of. */
export async function registryPids(home: TestHome): Promise<number[]> {
  try {
    const state = JSON.parse(await Deno.readTextFile(`${home.doraHome}/state.json`));
    return state.dataflows.flatMap((d: { runtime?: { nodes?: { pid: number | null }[] } }) =>
      (d.runtime?.nodes ?? []).map((n) => n.pid).filter((p): p is number => typeof p === "number")
    );
  } catch {
    return [];
  }
}

/** `dora list --all --json` (running and finished), parsed. */
export async function listJson(home: TestHome): Promise<DataflowInfo[]> {
  const res = await dora(["list", "--all", "--json"], { env: home.env });
  if (res.code !== 0) throw new Error(`list failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

/**
 * Ends everything a test started in `home`: the daemon (destroy, then SIGKILL by pid) and any
 * node process group the registry knows, then removes the folder.
 */
export async function teardown(home: TestHome): Promise<void> {
  const pid = await daemonPid(home);
  if (pid !== undefined && pidAlive(pid)) {
    await dora(["destroy"], { env: { ...home.env, DORA_STOP_TIMEOUT: "1" } });
    killPid(pid, "SIGKILL");
  }
  for (const nodePid of await registryPids(home)) {
    if (pidAlive(nodePid)) killPid(nodePid, "SIGKILL", true);
  }
  if (pid !== undefined) await pollUntil("daemon gone", () => !pidAlive(pid), 10_000);
  await home.cleanup();
}

/** Extracts every UUID-looking string, as `grep -oP '[0-9a-f-]{36}'` would. */
export function grepUuids(text: string): string[] {
  return text.match(/[0-9a-f-]{36}/g) ?? [];
}
