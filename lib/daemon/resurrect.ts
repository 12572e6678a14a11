/**
 * Bringing back the dataflows `dora save` recorded: each one that does not run (by name) is
 * started again from its file (read again now, with the environment saved with it), under its
 * name, with its flags. One that cannot start is reported; the others go on.
 */
import type { ResurrectResponse, ResurrectResult, StartRequest } from "../api/types.ts";
import { formatProblems, parseDataflow } from "../descriptor/mod.ts";
import { errorMessage } from "../errors.ts";
import { ApiError } from "./server.ts";
import { dumpPath, readDump } from "./snapshot.ts";

/** What resurrection needs of the daemon. */
export interface ResurrectOps {
  /** Name → UUID of the dataflows running now. */
  runningNames(): Map<string, string>;
  start(
    req: StartRequest,
  ): Promise<{ uuid: string; failed_nodes: ResurrectResult["failed_nodes"] }>;
}

/** Starts every saved dataflow that is not running. Throws 404 when nothing was ever saved. */
export async function resurrect(ops: ResurrectOps): Promise<ResurrectResponse> {
  const dump = await readDump();
  if (dump.kind === "missing") {
    throw new ApiError(404, "not_saved", `Nothing to resurrect: ${dumpPath()} does not exist`, [
      "Save the running dataflows first: dora save",
    ]);
  }
  if (dump.kind === "corrupt") {
    throw new ApiError(500, "corrupt", `The saved list was unreadable (${dump.reason})`, [
      `It was moved to ${dump.movedTo}`,
    ]);
  }
  const results: ResurrectResult[] = [];
  for (const saved of dump.dataflows) {
    const base = { name: saved.name, file: saved.file };
    const running = ops.runningNames().get(saved.name);
    if (running) {
      results.push({ ...base, status: "running", uuid: running });
      continue;
    }
    try {
      const { dataflow, problems } = await parseDataflow(saved.file, { env: saved.base_env });
      if (!dataflow) {
        results.push({
          ...base,
          status: "failed",
          error: `invalid dataflow file:\n${formatProblems(problems)}`,
        });
        continue;
      }
      const res = await ops.start({
        dataflow,
        name: saved.name,
        env: saved.env ?? {},
        base_env: saved.base_env ?? {},
        restart_policy: saved.restart_policy,
        hot_reload: saved.hot_reload,
        watch: saved.watch,
        cpu_limit: saved.cpu_limit,
        memory_limit: saved.memory_limit,
      });
      results.push({ ...base, status: "started", uuid: res.uuid, failed_nodes: res.failed_nodes });
    } catch (err) {
      results.push({ ...base, status: "failed", error: errorMessage(err) });
    }
  }
  return { path: dumpPath(), saved_at: dump.savedAt, results };
}
