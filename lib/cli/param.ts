/**
 * `dora param list|get|set|delete NODE [KEY] [JSON]`: runtime parameters of a node, kept with
 * the dataflow (the daemon's registry: `dora restart` keeps them; a `dora run`'s memory). `set`
 * and `delete` reach the running node as a PARAM_UPDATE event (docs/protocol.md), and a node
 * that starts again finds them in its configuration.
 */
import type { NodeParams } from "../api/inspect.ts";
import { UsageError } from "../errors.ts";
import { CHECK, colorEnabled, paint, renderTable } from "../output/format.ts";
import { dataflowPath, Out, target, type TargetFlags } from "./_inspect.ts";

function path(node: string, key?: string): string {
  return `/params/${encodeURIComponent(node)}${
    key === undefined ? "" : `/${encodeURIComponent(key)}`
  }`;
}

function needKey(action: string, key: string | undefined): string {
  if (key === undefined || key === "") {
    throw new UsageError(`'dora param ${action}' needs a KEY`, [
      `Example: dora param ${action} detector threshold${action === "set" ? " 0.8" : ""}`,
    ]);
  }
  return key;
}

/** Runs `dora param <action>`. */
export async function param(
  action: string,
  node: string,
  key: string | undefined,
  json: string | undefined,
  flags: TargetFlags,
): Promise<number> {
  const actions = ["list", "get", "set", "delete"];
  if (!actions.includes(action)) {
    throw new UsageError(`Unknown action '${action}': expected list, get, set or delete`);
  }
  let value: unknown;
  if (action === "set") {
    needKey(action, key);
    if (json === undefined) {
      throw new UsageError("'dora param set' needs a VALUE (JSON)", [
        `Example: dora param set ${node} ${key} '{"confidence": 0.8}'`,
      ]);
    }
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new UsageError(`The value is not valid JSON: ${(err as Error).message}`, [
        `A string needs JSON quotes: dora param set ${node} ${key} '"1080p"'`,
      ]);
    }
  } else if (json !== undefined) {
    throw new UsageError(`'dora param ${action}' takes no VALUE`);
  }
  if ((action === "get" || action === "delete")) needKey(action, key);
  if (action === "list" && key !== undefined) {
    throw new UsageError("'dora param list' takes only a NODE", [
      `To read one parameter: dora param get ${node} ${key}`,
    ]);
  }
  const t = await target(flags);
  const out = new Out();
  const color = colorEnabled(Deno.stdout);
  if (action === "list") {
    const doc = await t.client.request<NodeParams>("GET", dataflowPath(t, path(node)));
    if (flags.json) {
      out.line(JSON.stringify(doc, null, 2));
    } else if (Object.keys(doc.params).length === 0) {
      out.line(`Node '${node}' has no parameters. Set one with: dora param set ${node} KEY JSON`);
    } else {
      out.line(renderTable(
        ["KEY", "VALUE"],
        Object.entries(doc.params).map(([k, v]) => [k, JSON.stringify(v)]),
      ));
    }
    return 0;
  }
  if (action === "get") {
    const doc = await t.client.request<{ value: unknown }>("GET", dataflowPath(t, path(node, key)));
    out.line(flags.json ? JSON.stringify(doc) : JSON.stringify(doc.value));
    return 0;
  }
  if (action === "set") {
    const doc = await t.client.request<{ delivered: boolean }>(
      "PUT",
      dataflowPath(t, path(node, key)),
      { value },
    );
    if (flags.json) out.json(doc);
    else {
      out.line(
        `${paint(CHECK, 32, color)} ${node}: ${key} = ${JSON.stringify(value)} ` +
          (doc.delivered
            ? "(sent to the running node)"
            : "(kept; the node gets it when it connects or starts again)"),
      );
    }
    return 0;
  }
  const doc = await t.client.request<{ delivered: boolean }>(
    "DELETE",
    dataflowPath(t, path(node, key)),
  );
  if (flags.json) out.json(doc);
  else out.line(`${paint(CHECK, 32, color)} ${node}: ${key} deleted`);
  return 0;
}
