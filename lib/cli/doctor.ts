/**
 * `dora doctor [FILE]`: checks what dora users trip over, one line each, ✓ when fine, ✗ with a
 * fix when not, ! for what only some dataflows need. FILE (default `./dataflow.yml` when there
 * is one) is validated and its nodes checked for what they need. Exit 1 when a ✗ is shown.
 */
import { VERSION } from "../config.ts";
import {
  type Check,
  checkDaemon,
  checkDataflow,
  checkDeno,
  checkLimits,
  checkModule,
  checkPython,
  checkShm,
  importers,
} from "../doctor/checks.ts";
import { colorEnabled, paint } from "../output/format.ts";
import { Out } from "./_inspect.ts";

/** Runs `dora doctor`. */
export async function doctor(
  file: string | undefined,
  flags: { json?: boolean; port?: number },
): Promise<number> {
  const checks: Check[] = [{
    status: "ok",
    title: `dora ${VERSION} on ${Deno.build.os}/${Deno.build.arch}` +
      (Deno.build.standalone ? " (compiled)" : ` (Deno ${Deno.version.deno})`),
  }];
  let path = file;
  if (path === undefined) {
    try {
      await Deno.stat("dataflow.yml");
      path = "dataflow.yml";
    } catch {
      path = undefined;
    }
  }
  const flow = path === undefined ? undefined : await checkDataflow(path);
  const python = await checkPython();
  checks.push(python.check);
  checks.push(
    await checkModule(
      python.python,
      "pyarrow",
      "optional: Arrow values",
      await importers(flow?.dataflow, "pyarrow"),
    ),
  );
  checks.push(
    await checkModule(
      python.python,
      "numpy",
      "optional: arrays as numpy",
      await importers(flow?.dataflow, "numpy"),
    ),
  );
  checks.push(await checkDeno());
  checks.push(await checkShm());
  checks.push(await checkLimits());
  checks.push(await checkDaemon(flags.port));
  if (flow) checks.push(...flow.checks);
  const failed = checks.some((c) => c.status === "fail");
  const out = new Out();
  if (flags.json) {
    out.line(JSON.stringify({ ok: !failed, checks }, null, 2));
    return failed ? 1 : 0;
  }
  const color = colorEnabled(Deno.stdout);
  const mark = {
    ok: paint("✓", 32, color),
    warn: paint("!", 33, color),
    fail: paint("✗", 31, color),
  };
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${mark[check.status]} ${check.title}`);
    for (const detail of check.details ?? []) lines.push(`    ${detail}`);
    if (check.fix && check.status !== "ok") lines.push(`    fix: ${check.fix}`);
  }
  if (path === undefined) {
    lines.push("  (no dataflow checked: give a FILE, or run it in the dataflow's folder)");
  }
  lines.push(failed ? "Some checks failed (✗): see the fixes above." : "No problems found.");
  out.line(lines.join("\n"));
  return failed ? 1 : 0;
}
