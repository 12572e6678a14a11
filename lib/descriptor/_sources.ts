/**
 * Node sources dora for Deno does not run (`git:`, `hub:`, `ros2:`): checked for shape, then
 * reported with what to do instead. Pure.
 */
import type { Ctx, Field } from "./_yaml.ts";

/** Keys of a node that name such a source (part of the node's allowed keys). */
export const UNSUPPORTED_SOURCE_KEYS = ["git", "branch", "tag", "rev", "hub", "ros2"] as const;

const NOT_SUPPORTED = "not supported by dora for Deno";

/** Reports `git` (with `branch`/`tag`/`rev`), `hub` and `ros2`. */
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
  if (git && ctx.string(git) !== undefined) {
    ctx.report(
      git.keyNode,
      `'git' sources are ${NOT_SUPPORTED}: clone the repository yourself (git clone, or a ` +
        "'build' line) and point 'path' at the program in the clone",
    );
  }
  const hub = fields.get("hub");
  if (hub && ctx.string(hub) !== undefined) {
    ctx.report(
      hub.keyNode,
      `hub packages ('hub:') are ${NOT_SUPPORTED}: install the node yourself (e.g. ` +
        "'build: pip install <package>') and point 'path' at its program",
    );
  }
  const ros2 = fields.get("ros2");
  if (ros2) {
    ctx.report(
      ros2.keyNode,
      `ROS 2 bridge nodes ('ros2:') are ${NOT_SUPPORTED}: write a Python node with 'path' ` +
        "that uses rclpy to publish or subscribe, and send what it receives as outputs",
    );
  }
}
