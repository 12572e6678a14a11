/**
 * Node sources dora for Deno cannot run, other than `git` and operators (see `_node.ts`):
 * `hub:` packages and declarative `ros2:` bridges. Each is reported with what to do instead
 * (the text lives in the schema table). Pure.
 */
import type { Ctx, Field } from "./_yaml.ts";
import { keyInfo, unsupportedMessage } from "./schema.ts";

/** Reports `hub` and `ros2` as not supported. */
export function readOtherSources(ctx: Ctx, fields: Map<string, Field>): void {
  for (const key of ["hub", "ros2"]) {
    const field = fields.get(key);
    const info = keyInfo("node", key);
    if (field && info) ctx.report(field.keyNode, unsupportedMessage(info));
  }
}
