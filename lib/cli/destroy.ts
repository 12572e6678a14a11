/** `dora destroy`: stop every dataflow gracefully, then the daemon (the seed's output). */
import type { StopStreamEvent } from "../api/types.ts";
import { DaemonClient, probe } from "../client/client.ts";
import { readToken } from "../api/token.ts";
import { DoraError } from "../errors.ts";
import { CHECK } from "../output/format.ts";

/** Runs `dora destroy`. */
export async function destroy(opts: { port?: number }): Promise<number> {
  const client = await DaemonClient.connect(opts.port, [
    "Solution: nothing to stop; start a daemon with 'dora up'",
  ]);
  console.log("Stopping all dataflows...");
  const names = new Map<string, string>();
  await client.stream<StopStreamEvent>("POST", "/v1/destroy", {}, (event) => {
    if (event.type === "stopping") names.set(event.uuid, event.name);
    else if (event.type === "stopped") console.log(`  ${CHECK} ${event.name} stopped`);
    else if (event.type === "not-responding") {
      console.log(`Warning: Node '${event.node}' not responding`);
    } else if (event.type === "force-stopping") console.log("Force stopping node...");
    else if (event.type === "error") console.error(`Error: ${event.message}`);
  });
  if (names.size === 0) console.log("  (no running dataflows)");
  console.log("Shutting down daemon...");
  const token = await readToken();
  const deadline = Date.now() + 15_000;
  while ((await probe(client.host, client.port, token)).kind === "ours") {
    if (Date.now() > deadline) {
      throw new DoraError("The daemon did not shut down within 15s", [
        `Its pid is ${client.status.pid}; see ~/.dora/daemon.log`,
      ]);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log(`  ${CHECK} Daemon stopped`);
  return 0;
}
