/**
 * Opens a file or URL in the user's browser, for `graph --open` and `dashboard --open`:
 * `$BROWSER` when set (a command; the URL is added as its last argument), else `xdg-open` on
 * Linux and `open` on macOS. A missing opener is a `DoraError` saying what to do instead.
 */
import { DoraError } from "../errors.ts";

/** How long an opener may take to say it failed; one still running then is left to run. */
const OPENER_VERDICT_MS = 3000;

/** The opener command line for this machine (before the URL). */
export function openerCommand(env: { get(name: string): string | undefined } = Deno.env): {
  argv: string[];
  from: string;
} {
  const browser = env.get("BROWSER")?.trim();
  if (browser) return { argv: browser.split(/\s+/), from: "$BROWSER" };
  const tool = Deno.build.os === "darwin" ? "open" : "xdg-open";
  return { argv: [tool], from: tool };
}

/** Opens `url`; throws a `DoraError` (exit 1) when no opener can be run or it fails. */
export async function openInBrowser(url: string): Promise<void> {
  const { argv, from } = openerCommand();
  const instead = [
    `Open it yourself: ${url}`,
    "or set BROWSER to your browser's command (e.g. BROWSER=firefox).",
  ];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0]!, {
      args: [...argv.slice(1), url],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied) {
      const what = from === "$BROWSER"
        ? `BROWSER names '${argv[0]}', which cannot be run`
        : `'${from}' was not found (it comes with ${
          from === "open" ? "macOS" : "xdg-utils: apt install xdg-utils"
        })`;
      throw new DoraError(`Cannot open a browser: ${what}`, instead);
    }
    throw err;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const verdict = await Promise.race([
    child.status,
    new Promise<"running">((resolve) =>
      timer = setTimeout(() => resolve("running"), OPENER_VERDICT_MS)
    ),
  ]);
  clearTimeout(timer);
  if (verdict === "running") {
    // A browser started in the foreground (BROWSER=firefox): it is the user's now.
    child.unref();
    return;
  }
  if (!verdict.success) {
    throw new DoraError(
      `Cannot open a browser: ${from} exited with ${
        verdict.signal ? `signal ${verdict.signal}` : `code ${verdict.code}`
      }`,
      instead,
    );
  }
}
