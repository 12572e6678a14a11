/**
 * The daemon as an `InspectHost` (inspect_routes.ts): its dataflows by reference, their nodes
 * and their runtime parameters, which live in the registry with the dataflow's start request
 * (so `dora restart` carries them over).
 */
import type { JsonValue } from "../../node/ts/values.ts";
import type { BrokerTaps } from "../taps/broker_taps.ts";
import type { InspectHost } from "./inspect_routes.ts";
import type { Daemon } from "./daemon.ts";

/** Inspection of the daemon's dataflows. */
export function daemonInspectHost(daemon: Daemon, taps: BrokerTaps): InspectHost {
  return {
    taps,
    async find(ref) {
      await daemon.ready;
      const record = daemon.resolve(ref);
      const request = record.request;
      return {
        uuid: record.uuid,
        name: record.name,
        status: record.status,
        nodes: request.dataflow.nodes,
        params: (request.params ??= {}) as Record<string, Record<string, JsonValue>>,
        saveParams: () => void daemon.registry.save(),
      };
    },
  };
}
