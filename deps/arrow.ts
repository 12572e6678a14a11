/**
 * The one import point for Apache Arrow (npm:apache-arrow). The full specifier (the same pin as
 * deno.json's "imports") is written here because node files import the node library from
 * folders that have no deno.json of ours. Loaded lazily, by node/ts/arrow.ts only, when a node
 * receives or sends an Arrow value.
 */
export * from "npm:apache-arrow@21.2.0";
