/**
 * `dora dashboard [--port N] [--open]`: asks the running daemon for a one-time link to its
 * dashboard and prints it (the request carries the control token, so only the user owning
 * ~/.dora gets one). `--open` opens it in the browser through a private redirect file in
 * ~/.dora/run, so the link never appears on a command line other users could read in `ps`.
 */
import { runDir } from "../config.ts";
import { DaemonClient } from "../client/client.ts";
import { formatTimestamp } from "../output/format.ts";

/** What `POST /v1/dashboard/links` answers (docs/api.md). */
interface Link {
  path: string;
  expires_at: string;
}

/** The name of the redirect file `--open` writes (one; each run replaces it). */
const OPEN_FILE = "dashboard-open.html";

/** Runs `dora dashboard`. */
export async function dashboard(opts: { port?: number; open?: boolean }): Promise<number> {
  const client = await DaemonClient.connect(opts.port);
  const link = await client.request<Link>("POST", "/v1/dashboard/links", {});
  const url = `http://${client.host}:${client.port}${link.path}`;
  console.log(`Dashboard: ${url}`);
  console.error(
    `The link works once, until ${formatTimestamp(link.expires_at)}; ` +
      "run 'dora dashboard' again for a new one.",
  );
  if (!opts.open) return 0;
  const file = `${runDir()}/${OPEN_FILE}`;
  const html = `<!doctype html><meta charset="utf-8"><title>dora dashboard</title>` +
    `<meta http-equiv="refresh" content="0;url=${url}"><a href="${url}">Open the dashboard</a>\n`;
  await Deno.mkdir(runDir(), { recursive: true, mode: 0o700 });
  await Deno.remove(file).catch(() => {});
  await Deno.writeTextFile(file, html, { mode: 0o600, createNew: true });
  const { openInBrowser } = await import("../output/browser.ts");
  await openInBrowser(`file://${file}`);
  console.error("Opened the dashboard in your browser.");
  return 0;
}
