/** `dora up`: start the daemon in the background and wait until it answers. */
import { checkDaemonSettings, ensureDaemon } from "../client/launch.ts";
import { CHECK } from "../output/format.ts";

/** Runs `dora up`. */
export async function up(opts: { port?: number }): Promise<number> {
  // Also when a daemon runs already: a malformed setting is never silently ignored.
  checkDaemonSettings();
  const launch = await ensureDaemon(opts.port);
  const { port, pid } = launch.status;
  if (!launch.started) {
    console.log(`Daemon already running at: http://localhost:${port} (pid ${pid})`);
    return 0;
  }
  console.log("Starting dora daemon...");
  console.log(`  ${CHECK} Coordinator started on port ${port}`);
  console.log(`  ${CHECK} Daemon ready`);
  console.log("");
  console.log(`Daemon running at: http://localhost:${port}`);
  return 0;
}
