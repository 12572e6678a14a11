/**
 * The one import point for Foxglove's WebSocket protocol (npm:@foxglove/ws-protocol): the
 * server half behind the daemon's `/foxglove` endpoint, and the client the tests use. Loaded
 * only when a Foxglove client connects (lazy import). The package is CommonJS: its classes are
 * properties of the default export.
 */
import protocol from "@foxglove/ws-protocol";
import type * as Types from "@foxglove/ws-protocol";

export type { Channel as FoxgloveChannel, IWebSocket } from "@foxglove/ws-protocol";

/** The server half: channels, subscriptions, message data. */
export const FoxgloveServer: typeof Types.FoxgloveServer = protocol.FoxgloveServer;
/** The client half (the tests' Foxglove client). */
export const FoxgloveClient: typeof Types.FoxgloveClient = protocol.FoxgloveClient;
