/**
 * `dora destroy` (dora's `down`): stop every dataflow gracefully, then the daemon (the seed's
 * output). With no daemon and nothing left running it has nothing to do and exits 0; with no
 * daemon but nodes still running (a crash) it says so and how to get control back.
 */
import type { StopStreamEvent } from "../api/types.ts";
import { probe } from "../client/client.ts";
import { readToken } from "../api/token.ts";
import { DoraError } from "../errors.ts";
import { CHECK } from "../output/format.ts";
import { connectForStop, stopRequest } from "./stop.ts";
import { consoleSink, StopTranscript } from "./stop_transcript.ts";

/** Runs `dora destroy`. */
export async function destroy(
  opts: { port?: number; force?: boolean; graceDuration?: string },
): Promise<number> {
  const req = stopRequest(opts);
  const client = await connectForStop(opts.port);
  if (!client) {
    console.log("No daemon is running: nothing to stop");
    return 0;
  }
  console.log("Stopping all dataflows...");
  // One transcript per dataflow, printed as the events arrive (parallel stops interleave only
  // their warnings; the ✓ lines are per dataflow, as in the seed).
  const transcripts = new Map<string, StopTranscript>();
  await client.stream<StopStreamEvent>("POST", "/v1/destroy", req, (event) => {
    if (event.type === "stopping") {
      transcripts.set(event.uuid, new StopTranscript(event.uuid, consoleSink, { collapse: true }));
    } else if (event.type === "stopped") {
      const line = `  ${CHECK} ${event.name} stopped`;
      const transcript = transcripts.get(event.uuid);
      if (transcript) transcript.say(line);
      else console.log(line);
    } else if (event.type === "error") {
      console.error(`Error: ${event.message}`);
    } else if (event.type !== "node-stopped" || event.killed) {
      transcripts.get(event.uuid)?.event(event);
    }
  });
  for (const transcript of transcripts.values()) await transcript.finish();
  if (transcripts.size === 0) console.log("  (no running dataflows)");
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
