/**
 * The one import point for MCAP (npm:@mcap/core): the writer of `dora record`, the readers of
 * `record --info` and `replay`. Loaded only by those commands (lazy imports).
 */
export { McapIndexedReader, McapStreamReader, McapWriter } from "@mcap/core";
export type { IWritable, McapTypes } from "@mcap/core";
