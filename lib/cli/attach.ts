/**
 * `start --attach`: stream the dataflow's logs; Ctrl-C stops the dataflow (a second Ctrl-C
 * kills it). Exits 0 when it succeeded or was stopped by the user, 1 when it failed.
 */
import type { DataflowInfo, StopStreamEvent } from "../api/types.ts";
import type { DaemonClient } from "../client/client.ts";
import { CHECK, colorEnabled, makePrefixer } from "../output/format.ts";
import { followDataflow, recordText } from "./logs.ts";

/** Attaches to a started dataflow until it ends. */
export async function attach(client: DaemonClient, uuid: string): Promise<number> {
  const info = await client.request<DataflowInfo>("GET", `/v1/dataflows/${uuid}`);
  const prefix = makePrefixer(info.nodes.map((n) => n.id), colorEnabled());
  const encoder = new TextEncoder();
  let interrupts = 0;
  let stopping: Promise<void> | undefined;
  const onSignal = () => {
    interrupts++;
    const force = interrupts > 1;
    console.error(
      force ? "\nKilling the dataflow..." : "\nStopping the dataflow (Ctrl-C again to kill)...",
    );
    stopping = client.stream<StopStreamEvent>(
      "POST",
      `/v1/dataflows/${uuid}/stop`,
      { force },
      (e) => {
        if (e.type === "node-stopped") {
          console.error(e.killed ? `  ${CHECK} ${e.node} killed` : `  ${CHECK} ${e.node} stopped`);
        } else if (e.type === "not-responding") {
          console.error(
            `Warning: Node '${e.node}' not responding`,
          );
        }
      },
    );
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await followDataflow(
      client,
      { uuid, name: info.name, nodes: info.nodes.map((n) => n.id), active: true },
      {},
      (r) =>
        Deno.stdout.writeSync(
          encoder.encode(`${prefix(r.node)}${recordText(r, colorEnabled())}\n`),
        ),
      new AbortController().signal,
    );
    await stopping;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
  const final = await client.request<DataflowInfo>("GET", `/v1/dataflows/${uuid}`);
  if (final.status === "Failed") {
    const failed = final.nodes.filter((n) => n.status === "Failed");
    console.error(`Dataflow ${final.name} failed: ${failed.map((n) => n.id).join(", ")}`);
    return 1;
  }
  return 0;
}
