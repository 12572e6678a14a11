/**
 * Node sources dora for Deno does not run (`git:` with `branch`/`tag`/`rev`, `hub:`, `ros2:`):
 * checked for shape here; that each is not supported, and what to do instead, is reported from
 * the schema table (schema.ts, through `applySchema`). Pure.
 */
import type { Ctx, Field } from "./_yaml.ts";

/** Checks the shape of `git` (with `branch`/`tag`/`rev`) and `hub`. */
export function checkUnsupportedSources(ctx: Ctx, fields: Map<string, Field>): void {
  const git = fields.get("git");
  const revs = ["branch", "tag", "rev"].flatMap((key) => fields.get(key) ?? []);
  for (const field of revs) {
    ctx.string(field);
    if (!git) ctx.report(field.keyNode, `'${field.key}' only applies together with 'git'`);
  }
  if (revs.length > 1) {
    ctx.report(revs[1]!.keyNode, "give only one of 'branch', 'tag' and 'rev'");
  }
  if (git) ctx.string(git);
  const hub = fields.get("hub");
  if (hub) ctx.string(hub);
}
